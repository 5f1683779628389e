"""Related pieces worked out when content changes (issue 16), not on every read of a detail.

Each publication keeps its best candidates (RelatedCandidates), as many as hold RELATED_STORED live ones: the
pieces sharing the most topics or authors with it, then the newest, among those published or scheduled and
not in the trash (the scheduled ones ranking among them included). The
published rule is applied when they are read (PublicationQuerySet.related_to), with Python's clock, so a
scheduled candidate appears at its time with no write, and an unpublished or trashed one is left out at
once. The live pieces among a prefix of the candidates, in order, are a prefix of the live answer; so the
stored answer is exact whenever it holds `limit` live pieces or all the candidates there are, and otherwise
the read computes the answer live.

What makes a row stale is a change to a candidate's ranking: a link (topic or byline) of a candidate piece
added or removed, a piece becoming a candidate, or a candidate's date moving. Triggers in the database
(migration 0014) delete the rows such a write makes stale, in the writing transaction, whatever path wrote
(services, bare saves, bulk_create, COPY, raw SQL); the worker rebuilds missing rows after commit
(publications.tasks). A piece leaving the candidates (unpublished, trashed, withdrawn) stales nothing: the
read leaves it out.

A rebuild of a few pieces holds RELATED_LOCK exclusively while it reads and writes, in transactions of at
most REBUILD_BATCH_SECONDS; the triggers take it shared. So a rebuild never stores an answer computed
before a write that committed after its rows were deleted, and a save waits for one short batch at most.
A rebuild of many ranks them without the lock and stores the result only if no staling write was counted
meanwhile (migration 0015's sequence); otherwise it falls back to the batches.
"""

from __future__ import annotations

import heapq
import itertools
import multiprocessing
import time
from collections.abc import Iterable, Iterator
from typing import cast

import numpy as np
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Model
from django.utils import timezone

from publications.choices import PublicationStatus
from publications.models import PUBLICATION_STATS, Publication, PublicationStats, RelatedCandidates
from publications.querysets import RELATED_CANDIDATES, RELATED_SQL, dated_links_of

# Enough for the detail's five live pieces with room for candidates that are scheduled, or that leave.
RELATED_STORED = 20
# One advisory lock key for every rebuild and every trigger (the triggers spell the same text).
RELATED_LOCK = "publications.related"
# Pieces per rebuild transaction, and the time after which a transaction stops short of them: a writer
# waits for one batch at most, and a busy topic's pieces (~20 ms each, more on a loaded machine) would
# otherwise hold editors' saves for seconds.
REBUILD_BATCH = 100
REBUILD_BATCH_SECONDS = 0.2
# From this many pieces on, a rebuild reads every link once and ranks in memory (~0.5 ms a piece at 100k,
# against ~20 ms for the query of one piece on a busy topic), without holding the lock (_rebuild_in_memory).
IN_MEMORY_FROM = 2000
# Pieces a forked ranking process takes at a time (see _rank_in_memory).
RANK_PART = 5000
# A piece's own subset list filtered from this many candidates or more is kept for the other pieces.
KEEP_FROM = 256
# A link held by at least one candidate in this many gets a flag per candidate (see _Ranking._within): at most
# this many times the links per piece such arrays, a byte per candidate each.
DENSE_FROM = 64

_LINKS_SQL = """
SELECT publications_publication.id,
    ARRAY(SELECT topic_id FROM publications_publication_topics
          WHERE publication_id = publications_publication.id),
    ARRAY(SELECT author_id FROM publications_publicationauthor
          WHERE publication_id = publications_publication.id)
FROM publications_publication WHERE publications_publication.id = ANY(%s)
"""


def _candidate_condition() -> tuple[str, list]:
    """The SQL of "published or scheduled, not in the trash": the published rule without its clock."""
    candidates = Publication.objects.filter(status=PublicationStatus.PUBLISHED, trashed_at__isnull=True)
    compiler = candidates.query.get_compiler(using=candidates.db)
    sql, params = compiler.compile(candidates.query.where)
    return sql, list(params)


def related_candidates_rebuild(*, publication_ids: Iterable[int], processes: int = 1) -> int:
    """Work out and store the candidates of the given publications (those existing); how many were stored.

    Many pieces at once (a bulk import, a busy topic's new piece) are worked out in memory in one pass (in
    `processes` forked processes: see _rank_in_memory); a few, one query each.
    """
    ids = sorted(set(publication_ids))
    if len(ids) >= IN_MEMORY_FROM:
        return _rebuild_in_memory(ids, processes)
    return _rebuild_in_batches(ids)


def _rebuild_in_batches(ids: list[int]) -> int:
    """_rebuild_batch() over `ids`, as many transactions as it takes; how many were stored."""
    stored = 0
    while ids:
        count, left = _rebuild_batch(ids[:REBUILD_BATCH])
        stored += count
        ids = left + ids[REBUILD_BATCH:]
    return stored


def related_candidates_rebuild_missing(*, limit: int | None = None, processes: int = 1) -> int:
    """Rebuild the rows of publications that have none (new, or staled by a write); how many were stored.

    Also drops the rows of deleted publications. `limit` bounds the work of one call (None: all);
    `processes` as for related_candidates_rebuild.
    """
    stored = 0
    if limit is None:
        unbuilt = list(
            Publication.objects.exclude(related_candidates__isnull=False).values_list("pk", flat=True)
        )
        if len(unbuilt) >= IN_MEMORY_FROM:
            stored = _rebuild_in_memory(unbuilt, processes)
    while limit is None or stored < limit:
        batch = REBUILD_BATCH if limit is None else min(REBUILD_BATCH, limit - stored)
        missing = list(
            Publication.objects.exclude(related_candidates__isnull=False)
            .order_by("-published_at", "-id")
            .values_list("pk", flat=True)[:batch]
        )
        if not missing:
            break
        stored += _rebuild_batch(missing)[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM publications_relatedcandidates r WHERE NOT EXISTS "
            "(SELECT 1 FROM publications_publication p WHERE p.id = r.publication_id)"
        )
    publication_stats_rebuild_missing()
    return stored


def _pieces_of(stats: type[PublicationStats]) -> str:
    """The joins from the owner of `stats` (aliased `owner`) to its pieces (publications_publication, as the
    candidate condition names it): through its dated links, or a series' own column."""
    key = stats._meta.pk.column
    links = dated_links_of(stats)
    if links is None:
        return f"LEFT JOIN publications_publication ON publications_publication.{key} = owner.id"
    return (
        f"LEFT JOIN {links} link ON link.{key} = owner.id"
        " LEFT JOIN publications_publication ON publications_publication.id = link.publication_id"
    )


@transaction.atomic
def publication_stats_rebuild_missing() -> int:
    """Count the published pieces of every author, topic, series and outlet without stats, or whose stats a
    scheduled piece has overtaken (PublicationStats); how many rows were stored."""
    moment = timezone.now()
    condition, condition_params = _candidate_condition()
    stored = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [RELATED_LOCK])
        for stats in PUBLICATION_STATS:
            table = stats._meta.db_table
            key = stats._meta.pk.column
            # The owner its key points to (authors, topics, series, outlets).
            owners = cast(type[Model], stats._meta.pk.related_model)._meta.db_table
            cursor.execute(f"DELETE FROM {table} WHERE valid_until <= %s", [moment])
            # Optimization (issue 16): the owners without a row first, then only theirs counted. Asked in one
            # statement, Postgres did not foresee that few were missing and joined every filing to every
            # candidate: 250 ms under the lock editors' saves wait for, to count the one busy topic a
            # publish staled (20 ms so).
            cursor.execute(
                f"SELECT id FROM {owners} owner"
                f" WHERE NOT EXISTS (SELECT 1 FROM {table} stats WHERE stats.{key} = owner.id)"
            )
            missing = [row[0] for row in cursor.fetchall()]
            if not missing:
                continue
            # The published rule with the clock read once: counted up to `moment`, valid until the next
            # go-live.
            cursor.execute(
                f"""INSERT INTO {table} ({key}, count, last_published_at, as_of, valid_until)
                SELECT owner.id,
                    count(publications_publication.id)
                        FILTER (WHERE publications_publication.published_at <= %s),
                    max(publications_publication.published_at)
                        FILTER (WHERE publications_publication.published_at <= %s),
                    %s,
                    min(publications_publication.published_at)
                        FILTER (WHERE publications_publication.published_at > %s)
                FROM {owners} owner
                {_pieces_of(stats)} AND ({condition})
                WHERE owner.id = ANY(%s)
                GROUP BY owner.id""",
                [moment, moment, moment, moment, *condition_params, missing],
            )
            stored += cursor.rowcount
    return stored


@transaction.atomic
def _rebuild_batch(ids: list[int]) -> tuple[int, list[int]]:
    """Store the candidates of `ids` (those existing) in one transaction; how many were stored, and the
    ids left unreached when REBUILD_BATCH_SECONDS ran out (at least one piece is always done)."""
    condition, condition_params = _candidate_condition()
    sql = RELATED_SQL.format(
        columns="publications_publication.id, shares.shared, publications_publication.published_at",
        live=condition,
    )
    rows = []
    moment = timezone.now()
    with connection.cursor() as cursor:
        # Exclusive: no write that would stale these rows is in flight, and none starts until they are in.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [RELATED_LOCK])
        cursor.execute(
            f"SELECT count(*) FROM publications_publication WHERE {condition} AND published_at > %s",
            [*condition_params, moment],
        )
        # Enough rows to hold RELATED_STORED live ones whatever the scheduled pieces ranking among them.
        limit = RELATED_STORED + cursor.fetchone()[0]
        # The links are read after the lock, so they are as fresh as the candidates' rows.
        cursor.execute(_LINKS_SQL, [ids])
        links = cursor.fetchall()
        deadline = time.monotonic() + REBUILD_BATCH_SECONDS
        reached = set(ids)
        for number, (publication_id, topic_ids, author_ids) in enumerate(links):
            if number and time.monotonic() > deadline:
                reached = {row[0] for row in links[:number]}
                break
            cursor.execute(
                sql,
                [
                    topic_ids, author_ids, publication_id, RELATED_CANDIDATES, *condition_params,
                    limit, *condition_params, limit, limit, limit,
                ],
            )  # fmt: skip
            ranked = [(row[0], row[2] <= moment) for row in cursor.fetchall()]
            candidate_ids, complete = _stored_prefix(ranked)
            rows.append(
                RelatedCandidates(
                    publication_id=publication_id, candidate_ids=candidate_ids, complete=complete
                )
            )
    RelatedCandidates.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["publication"],
        update_fields=["candidate_ids", "complete"],
    )
    return len(rows), [publication_id for publication_id in ids if publication_id not in reached]


def _rebuild_in_memory(ids: list[int], processes: int = 1) -> int:
    """_rebuild_batch() for many pieces: the same ranking over every link, read once.

    The ranking (seconds on a large catalogue) runs without the advisory lock, so editors' saves never wait
    for it. Writes that stale rows count themselves on a sequence (migration 0015): the count is read once
    the writes in flight have committed, and again under the lock before storing. A write in between means
    the ranking may have read it half-way: it is dropped and the pieces are done in short locked batches.
    """
    writes = _settled_writes()
    rows = _rank_in_memory(ids, processes)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [RELATED_LOCK])
        if _writes_counted(cursor) == writes:
            _store(cursor, rows)
            return len(rows)
    return _rebuild_in_batches(ids)


def _store(cursor: CursorWrapper, rows: list[tuple[int, list[int], bool]]) -> None:
    """Store (publication id, candidate ids, complete) rows, replacing any the pieces have: by COPY, as a
    million rows through INSERT statements took minutes."""
    table = RelatedCandidates._meta.db_table
    # Dropped at the end (a failure rolls its creation back): autovacuum never reads a temporary table.
    cursor.execute(f"CREATE TEMP TABLE related_stage (LIKE {table})")
    with cursor.cursor.copy(
        "COPY related_stage (publication_id, candidate_ids, complete) FROM STDIN"
    ) as copy:
        for row in rows:
            copy.write_row(row)
    cursor.execute(
        f"INSERT INTO {table} (publication_id, candidate_ids, complete) "
        "SELECT publication_id, candidate_ids, complete FROM related_stage ORDER BY publication_id "
        "ON CONFLICT (publication_id) DO UPDATE "
        "SET candidate_ids = EXCLUDED.candidate_ids, complete = EXCLUDED.complete"
    )
    cursor.execute("DROP TABLE related_stage")


def _writes_counted(cursor: CursorWrapper) -> tuple[int, bool]:
    # is_called too: the first nextval() leaves last_value where it was (1).
    cursor.execute("SELECT last_value, is_called FROM publications_related_writes")
    return cursor.fetchone()


def _settled_writes() -> tuple[int, bool]:
    """The count of staling writes, read when every write that counted itself so far has committed: taking
    the lock exclusively waits for the writers holding it shared."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [RELATED_LOCK])
        return _writes_counted(cursor)


def _rank_in_memory(ids: list[int], processes: int = 1) -> list[tuple[int, list[int], bool]]:
    """The candidates of `ids` (those existing), ranked in memory from every link: (publication id,
    candidate ids, complete) rows, unsaved. With `processes` > 1, the pieces are ranked in that many
    forked processes (only from a single-threaded command: forking a threaded server is not safe)."""
    with connection.cursor() as cursor:
        condition, condition_params = _candidate_condition()
        # Candidates numbered in the ranking's tie order (published_at, then id): a larger number ranks first.
        cursor.execute(
            f"SELECT id FROM publications_publication WHERE {condition} ORDER BY published_at, id",
            condition_params,
        )
        candidates = [row[0] for row in cursor.fetchall()]
        place = {publication_id: number for number, publication_id in enumerate(candidates)}
        moment = timezone.now()
        cursor.execute(
            f"SELECT count(*) FROM publications_publication WHERE {condition} AND published_at > %s",
            [*condition_params, moment],
        )
        # Candidates numbered from here on are scheduled: not live when worked out.
        boundary = len(candidates) - cursor.fetchone()[0]
        ranking = _Ranking(len(candidates))
        links: dict[int, list[tuple[str, int]]] = {}
        for kind, sql in (
            ("topic", "SELECT publication_id, topic_id FROM publications_publication_topics"),
            ("author", "SELECT publication_id, author_id FROM publications_publicationauthor"),
        ):
            cursor.execute(sql)
            for publication_id, key in cursor.fetchall():
                links.setdefault(publication_id, []).append((kind, key))
                number = place.get(publication_id)
                if number is not None:
                    ranking.link(number, kind, key)
        cursor.execute("SELECT id FROM publications_publication WHERE id = ANY(%s)", [ids])
        existing = [row[0] for row in cursor.fetchall()]
    ranking.ready()
    ranked = _Ranked(ranking, links, place, candidates, boundary)
    if processes < 2 or len(existing) < processes * RANK_PART:
        return ranked.rows(existing)
    # Each process keeps its own lists of subsets, so pieces go in runs: neighbours share more of them.
    parts = [existing[at : at + RANK_PART] for at in range(0, len(existing), RANK_PART)]
    global _FORKED
    _FORKED = ranked
    try:
        # fork: the children read the ranking as it is in this process (copied on write), with no pickling;
        # they never touch this process's database connection.
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            return [row for part in pool.imap(_rank_forked, parts) for row in part]
    finally:
        _FORKED = None


class _Ranked:
    """What ranking a piece needs: the links read, and the candidates' numbers (see _rank_in_memory)."""

    def __init__(
        self,
        ranking: _Ranking,
        links: dict[int, list[tuple[str, int]]],
        place: dict[int, int],
        candidates: list[int],
        boundary: int,
    ) -> None:
        self.ranking, self.links, self.place = ranking, links, place
        self.candidates, self.boundary = candidates, boundary

    def rows(self, ids: list[int]) -> list[tuple[int, list[int], bool]]:
        rows = []
        candidates, boundary = self.candidates, self.boundary
        for publication_id in ids:
            ranked = self.ranking.ranked(
                self.links.get(publication_id, ()), self.place.get(publication_id, -1)
            )
            best, complete = _stored_prefix((number, number < boundary) for number in ranked)
            rows.append((publication_id, [candidates[n] for n in best], complete))
        return rows


# The ranking forked processes work from (set only while their pool runs).
_FORKED: _Ranked | None = None


def _rank_forked(ids: list[int]) -> list[tuple[int, list[int], bool]]:
    assert _FORKED is not None
    return _FORKED.rows(ids)


def _stored_prefix(ranked: Iterable[tuple[int, bool]]) -> tuple[list[int], bool]:
    """What is stored of candidates in rank order (each with whether it is live now): the shortest prefix
    holding RELATED_STORED live ones, and whether it holds them all (the list ran out first).

    Scheduled pieces are newer than every live one, so they lead each tier of sharing: a fixed number of
    candidates could be all scheduled, and a read would then find too few live ones and work it out live.
    """
    prefix, live = [], 0
    for candidate, is_live in ranked:
        prefix.append(candidate)
        live += is_live
        if live == RELATED_STORED:
            return prefix, False
    return prefix, True


class _Ranking:
    """Every candidate's links, read once, and the ranking of any piece's candidates from them (as numbers:
    a larger one is newer), lazily, in rank order: most links shared first, then newest.

    Optimization: on a large catalogue a busy topic has tens of thousands of pieces, and pieces sharing two
    topics thousands; scoring all of them for each piece (as the query does) is quadratic. Instead each tier
    of sharing is walked newest first, and only as far as the stored prefix reads (_stored_prefix): the
    candidates sharing exactly k of a piece's links are on the lists of candidates having every link of one
    k-subset of them (kept across pieces when likely asked again or costly: _having), and a walk skips those
    sharing more. Everything skipped ranks in an earlier tier and was yielded already (a tier is walked only
    once the earlier ones are used up), so no walk goes further than the prefix it serves.

    The lists are numpy arrays, oldest first: a subset's list is the intersection of its parent's with one
    link's (_both), in C; filtering them element by element in Python was nearly all of a million pieces'
    ranking. Walks turn them into Python numbers a few at a time, newest first (_newest_first).
    """

    def __init__(self, size: int) -> None:
        self.links: dict[tuple[str, int], list[int]] = {}
        self.members: dict[tuple[str, int], np.ndarray] = {}
        # Per candidate number: its topics as bits (of self.bits), and its authors.
        self.topics = [0] * size
        self.authors: list[tuple[int, ...]] = [()] * size
        self.bits: dict[int, int] = {}
        # Candidates having every link of a subset (shortest lists first), kept across pieces (see _having).
        self.kept: dict[tuple[tuple[str, int], ...], np.ndarray] = {}
        # Whether each candidate has the link, for the links of many (see _within): a lookup per number
        # instead of a binary search.
        self.flags: dict[tuple[str, int], np.ndarray] = {}
        self.size = size

    def link(self, number: int, kind: str, key: int) -> None:
        self.links.setdefault((kind, key), []).append(number)
        if kind == "topic":
            self.topics[number] |= self.bits.setdefault(key, 1 << len(self.bits))
        else:
            self.authors[number] += (key,)

    def ready(self) -> None:
        self.members = {
            link: np.unique(np.array(numbers, dtype=np.int64)) for link, numbers in self.links.items()
        }
        self.links = {}
        # Before any fork, so forked processes share them.
        for link, members in self.members.items():
            if len(members) * DENSE_FROM >= self.size:
                flags = self.flags[link] = np.zeros(self.size, dtype=bool)
                flags[members] = True

    def ranked(self, links: Iterable[tuple[str, int]], own: int) -> Iterator[int]:
        # Shortest lists first: a subset's list is filtered down from its first links' list.
        keys = sorted(
            {link for link in links if link in self.members}, key=lambda link: (len(self.members[link]), link)
        )
        mask = sum(self.bits[key] for kind, key in keys if kind == "topic")
        authors = {key for kind, key in keys if kind == "author"}
        found: dict[tuple[tuple[str, int], ...], np.ndarray] = {}
        for tier in range(len(keys), 0, -1):
            walks = [
                _newest_first(self._having(subset, found)) for subset in itertools.combinations(keys, tier)
            ]
            for number in heapq.merge(*walks, reverse=True):
                shared = (self.topics[number] & mask).bit_count()
                if authors:
                    shared += sum(author in authors for author in self.authors[number])
                if shared == tier and number != own:
                    yield number

    def _having(
        self, subset: tuple[tuple[str, int], ...], found: dict[tuple[tuple[str, int], ...], np.ndarray]
    ) -> np.ndarray:
        """The candidates having every link of `subset`, oldest first: kept across pieces, or in `found` (this
        piece's own) when unlikely to be asked again and cheap to work out."""
        if len(subset) == 1:
            return self.members[subset[0]]
        having = self.kept.get(subset)
        if having is None:
            having = found.get(subset)
        if having is None:
            parent = self._having(subset[:-1], found)
            # Kept when other pieces are likely to ask again (pairs, topics alone) or it costs to work out (a
            # busy author's pieces on a topic pair, asked by each of the author's pieces on that pair).
            shared = len(subset) == 2 or all(kind == "topic" for kind, _key in subset)
            store = self.kept if shared or len(parent) >= KEEP_FROM else found
            having = store[subset] = self._within(parent, subset[-1])
        return having

    def _within(self, numbers: np.ndarray, link: tuple[str, int]) -> np.ndarray:
        """Those of the sorted `numbers` having `link`, sorted."""
        flags = self.flags.get(link)
        if flags is None:
            return _both(numbers, self.members[link])
        return numbers[flags[numbers]]


def _both(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The numbers in both sorted arrays, sorted: each of the shorter looked up in the longer."""
    if len(first) > len(second):
        first, second = second, first
    if not len(first):
        return first
    at = np.searchsorted(second, first)
    np.minimum(at, len(second) - 1, out=at)
    return first[second[at] == first]


def _newest_first(numbers: np.ndarray) -> Iterator[int]:
    """The numbers of a sorted array as Python ints, largest first, converted a few at a time: walks mostly
    stop after a few dozen."""
    end, step = len(numbers), 32
    while end > 0:
        start = max(0, end - step)
        yield from reversed(numbers[start:end].tolist())
        end, step = start, step * 2
