"""Related pieces worked out on write (publications.related): the stored answer is always the live one."""

import datetime as dt
import io
import os
import random

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from publications import related
from publications.models import AuthorPublicationStats, Publication, PublicationAuthor, RelatedCandidates
from publications.related import (
    RELATED_STORED,
    related_candidates_rebuild,
    related_candidates_rebuild_missing,
)
from publications.services import publication_trash, publication_unpublish
from publications.tasks import _defer_rebuild, rebuild_related
from tests.factories import AuthorFactory, PublicationFactory, TopicFactory, random_visibility

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_response_cache(settings):
    """Each request reads the related pieces (stored or live), not a cached answer."""
    settings.API_CACHE = False


def live_answer(publication: Publication, at: dt.datetime | None = None) -> list[int]:
    """What related_to() computes with nothing stored: the reference answer."""
    found = Publication.objects.with_detail().get(pk=publication.pk)
    queryset = Publication.objects.published(at)
    compiler = queryset.query.get_compiler(using=queryset.db)
    live, params = compiler.compile(queryset.query.where)
    topic_ids = [topic["id"] for topic in found.topic_list]
    author_ids = [author["id"] for author in found.byline]
    return [item.pk for item in queryset._live_related(found, topic_ids, author_ids, 5, live, list(params))]


def answer(publication: Publication, at: dt.datetime | None = None) -> list[int]:
    found = Publication.objects.with_detail().get(pk=publication.pk)
    related = Publication.objects.published(at).related_to(
        found,
        topic_ids=[topic["id"] for topic in found.topic_list],
        author_ids=[author["id"] for author in found.byline],
    )
    return [item.pk for item in related]


def stored_answer(publication: Publication, at: dt.datetime | None = None) -> list[int] | None:
    """The answer from the stored candidates alone (None when they do not settle it)."""
    queryset = Publication.objects.published(at)
    compiler = queryset.query.get_compiler(using=queryset.db)
    live, params = compiler.compile(queryset.query.where)
    stored = queryset._stored_related(publication, live, list(params), 5)
    return None if stored is None else [item.pk for item in stored]


@pytest.fixture
def catalogue():
    """Sixty pieces over a few topics and authors: published, scheduled, drafts, trashed and withdrawn."""
    rng = random.Random(16)
    topics = [TopicFactory() for _ in range(4)]
    authors = [AuthorFactory() for _ in range(5)]
    now = timezone.now()
    pieces = []
    for _ in range(60):
        extra = random_visibility(rng, now, (70, 15, 10, 5))
        pieces.append(
            PublicationFactory(
                topics=rng.sample(topics, rng.randint(1, 3)),
                authors=rng.sample(authors, rng.randint(1, 2)),
                **extra,
            )
        )
    return pieces


def test_stored_answer_equals_the_live_one_now_and_after_scheduled_pieces_go_live(catalogue):
    related_candidates_rebuild_missing()
    later = timezone.now() + dt.timedelta(days=4)

    for piece in catalogue:
        for moment in (None, later):
            assert answer(piece, moment) == live_answer(piece, moment), piece.pk
    # The stored candidates settle most answers by themselves (those few live fall back to the live query).
    settled = [piece for piece in catalogue if stored_answer(piece) is not None]
    assert len(settled) > len(catalogue) / 2


def test_a_scheduled_candidate_appears_at_its_time_with_no_write(api_get):
    topic = TopicFactory()
    piece = PublicationFactory(published=True, topics=[topic])
    older = PublicationFactory(published=True, topics=[topic])
    at_its_time = timezone.now() + dt.timedelta(hours=2)
    scheduled = PublicationFactory(scheduled=True, topics=[topic], published_at=at_its_time)
    related_candidates_rebuild_missing()

    before = [item["slug"] for item in api_get("v1:publication-detail", slug=piece.slug).json()["related"]]
    with time_machine.travel(at_its_time + dt.timedelta(seconds=1)):
        after = [item["slug"] for item in api_get("v1:publication-detail", slug=piece.slug).json()["related"]]

    assert before == [older.slug]
    assert after == [scheduled.slug, older.slug]
    assert RelatedCandidates.objects.filter(publication=piece).exists()  # read stored, not rebuilt


def test_unpublishing_or_trashing_a_candidate_leaves_it_out_at_once(catalogue):
    related_candidates_rebuild_missing()
    piece = next(p for p in catalogue if len(answer(p)) == 5)
    first, second = (Publication.objects.get(pk=pk) for pk in answer(piece)[:2])

    publication_unpublish(publication=first)
    publication_trash(publication=second)

    assert first.pk not in answer(piece)
    assert second.pk not in answer(piece)
    assert answer(piece) == live_answer(piece)


def test_scheduled_pieces_leading_the_ranking_are_stored_past_them():
    topic = TopicFactory()
    piece = PublicationFactory(published=True, topics=[topic])
    now = timezone.now()
    # More scheduled candidates than live ones are stored, all ranking first (newer than any live one).
    for n in range(RELATED_STORED + 2):
        PublicationFactory(scheduled=True, topics=[topic], published_at=now + dt.timedelta(days=30 + n))
    older = [
        PublicationFactory(published=True, topics=[topic], published_at=now - dt.timedelta(days=n + 1))
        for n in range(3)
    ]
    related_candidates_rebuild_missing()

    assert stored_answer(piece) == [p.pk for p in older] == live_answer(piece)


def test_too_few_live_candidates_left_fall_back_to_the_live_answer():
    topic = TopicFactory()
    piece = PublicationFactory(published=True, topics=[topic])
    now = timezone.now()
    pieces = [
        PublicationFactory(published=True, topics=[topic], published_at=now - dt.timedelta(days=n + 1))
        for n in range(RELATED_STORED + 3)
    ]
    related_candidates_rebuild_missing()
    # Unpublished since: the stored ones hold fewer than five live pieces, and there are more beyond them.
    for gone in pieces[: RELATED_STORED - 2]:
        publication_unpublish(publication=gone)

    assert stored_answer(piece) is None
    assert answer(piece) == [p.pk for p in pieces[RELATED_STORED - 2 :]] == live_answer(piece)


def test_writes_that_change_a_ranking_delete_the_stale_rows():
    topic, other = TopicFactory(), TopicFactory()
    author = AuthorFactory()
    piece = PublicationFactory(published=True, topics=[topic])
    neighbour = PublicationFactory(published=True, topics=[topic])
    unrelated = PublicationFactory(published=True, topics=[other])
    draft = PublicationFactory(topics=[other])

    def stored() -> set[int]:
        related_ids = RelatedCandidates.objects.values_list("publication_id", flat=True)
        return set(related_ids)

    related_candidates_rebuild_missing()
    everyone = {piece.pk, neighbour.pk, unrelated.pk, draft.pk}
    assert stored() == everyone

    # A draft's links change only its own candidates: nobody ranks a draft.
    draft.topics.add(topic)
    assert stored() == everyone - {draft.pk}

    related_candidates_rebuild_missing()
    # A new published piece in the topic: every piece of the topic may rank it.
    PublicationFactory(published=True, topics=[topic])
    assert stored() == {unrelated.pk}

    related_candidates_rebuild_missing()
    # A candidate's date moves: the pieces sharing its topic rank it elsewhere.
    Publication.objects.filter(pk=neighbour.pk).update(published_at=timezone.now() - dt.timedelta(days=9))
    assert stored() == {unrelated.pk}

    related_candidates_rebuild_missing()
    # A byline added to a candidate: the pieces of that author (and the piece itself).
    PublicationAuthor.objects.create(publication=unrelated, author=author, position=5)
    assert stored() == set(Publication.objects.exclude(pk=unrelated.pk).values_list("pk", flat=True))

    related_candidates_rebuild_missing()
    # An edit that changes no ranking (the title) keeps them all.
    count = RelatedCandidates.objects.count()
    Publication.objects.filter(pk=neighbour.pk).update(title="Another title")
    assert RelatedCandidates.objects.count() == count


def test_detail_reads_stored_related_in_two_queries_and_live_in_three(client, django_assert_num_queries):
    topic = TopicFactory()
    piece = PublicationFactory(published=True, topics=[topic])
    for _ in range(3):
        PublicationFactory(published=True, topics=[topic])
    url = reverse("v1:publication-detail", kwargs={"slug": piece.slug})
    live = client.get(url).content

    related_candidates_rebuild_missing()
    # The piece with byline, topics, cross-posts; the live ones among its stored related candidates.
    with django_assert_num_queries(2):
        stored = client.get(url).content
    RelatedCandidates.objects.all().delete()
    # The same, then (none stored) the related pieces computed live.
    with django_assert_num_queries(3):
        client.get(url)

    assert stored == live  # byte for byte


def test_website_page_shows_the_same_related_pieces_stored_or_live(client):
    topic = TopicFactory()
    piece = PublicationFactory(published=True, topics=[topic])
    for _ in range(6):
        PublicationFactory(published=True, topics=[topic])
    url = f"/publications/{piece.slug}/"
    live = client.get(url).content

    related_candidates_rebuild_missing()

    assert client.get(url).content == live


def test_a_write_asks_the_worker_to_rebuild_once_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        # A piece and its topics: several writes, one transaction.
        PublicationFactory(published=True, topics=[TopicFactory()])
    rebuilds = [callback for callback in callbacks if callback is _defer_rebuild]

    assert len(rebuilds) == 1
    rebuilds[0]()
    rebuilds[0]()  # a second request while one waits is the same job
    assert ProcrastinateJob.objects.filter(task_name=rebuild_related.name, status="todo").count() == 1


def test_rebuilds_run_one_at_a_time_and_wait_as_jobs_not_in_worker_slots():
    """While a rebuild runs, the next (from a write, or the periodic sweep) is not handed to a free slot
    of the worker, where it would only wait on the rebuild's lock; a delivery still is."""
    from partners.tasks import deliver_webhook
    from publications.tasks import rebuild_related_periodically

    rebuild_related.defer()
    with connection.cursor() as cursor:
        cursor.execute("SELECT worker_id FROM procrastinate_register_worker_v1()")
        [worker] = cursor.fetchone()

        def fetch(queues: list[str]) -> str | None:
            cursor.execute("SELECT task_name FROM procrastinate_fetch_job_v2(%s, %s)", [queues, worker])
            row = cursor.fetchone()
            return row[0] if row else None

        assert fetch(["related"]) == rebuild_related.name  # now running
        rebuild_related.defer()
        rebuild_related_periodically.defer(timestamp=0)
        deliver_webhook.defer(delivery_id=0)

        assert fetch(["related"]) is None
        assert fetch(["related", "webhooks"]) == deliver_webhook.name


def test_a_rebuild_batch_stops_at_its_time_bound_and_the_rest_follow(monkeypatch):
    """Writers wait for one batch at most: past REBUILD_BATCH_SECONDS a batch commits what it did, and
    the pieces left (a deleted one among them) are done by the next ones."""
    topic = TopicFactory()
    pieces = [PublicationFactory(published=True, topics=[topic]) for _ in range(3)]
    RelatedCandidates.objects.all().delete()
    monkeypatch.setattr(related, "REBUILD_BATCH_SECONDS", 0)
    batches = []
    original = related._rebuild_batch
    monkeypatch.setattr(related, "_rebuild_batch", lambda ids: batches.append(ids) or original(ids))

    stored = related.related_candidates_rebuild(publication_ids=[piece.pk for piece in pieces] + [999999])

    assert stored == 3
    assert len(batches) == 3
    assert set(RelatedCandidates.objects.values_list("publication_id", flat=True)) == {p.pk for p in pieces}


def test_rebuild_related_command_stores_every_piece_and_drops_deleted_ones():
    pieces = [PublicationFactory(published=True, topics=[TopicFactory()]) for _ in range(3)]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO publications_relatedcandidates (publication_id, candidate_ids, complete) "
            "VALUES (999999, '{}', true)"
        )

    call_command("rebuild_related", stdout=io.StringIO())
    assert set(RelatedCandidates.objects.values_list("publication_id", flat=True)) >= {p.pk for p in pieces}
    call_command("rebuild_related", "--missing", stdout=io.StringIO())

    assert set(RelatedCandidates.objects.values_list("publication_id", flat=True)) == {p.pk for p in pieces}


# 3: the stored prefix ends inside a tier, so the in-memory ranking's lazy walks stop part-way; 2 processes:
# the pieces are ranked in forked processes, a few at a time; dense from 1: no link has a flag per candidate
# (a small catalogue's links all would), so every list is intersected by binary search.
@pytest.mark.parametrize(
    "stored, processes, dense_from",
    [
        (related.RELATED_STORED, 1, related.DENSE_FROM),
        (3, 1, related.DENSE_FROM),
        (3, 1, 1),
        (3, 2, related.DENSE_FROM),
        (related.RELATED_STORED, 2, 1),
    ],
)
def test_the_in_memory_rebuild_stores_what_the_query_of_each_piece_stores(
    catalogue, monkeypatch, tmp_path, stored, processes, dense_from
):
    monkeypatch.setattr(related, "DENSE_FROM", dense_from)
    monkeypatch.setattr(related, "RELATED_STORED", stored)
    related_candidates_rebuild(publication_ids=[p.pk for p in catalogue])
    by_query = {row.pk: (row.candidate_ids, row.complete) for row in RelatedCandidates.objects.all()}
    RelatedCandidates.objects.all().delete()
    monkeypatch.setattr(related, "IN_MEMORY_FROM", 1)
    monkeypatch.setattr(related, "RANK_PART", 3)
    rankers = tmp_path / "rankers"
    rows = related._Ranked.rows

    def rows_noting_the_process(self, ids):
        with rankers.open("a") as noted:
            noted.write(f"{os.getpid()}\n")
        return rows(self, ids)

    monkeypatch.setattr(related._Ranked, "rows", rows_noting_the_process)

    related_candidates_rebuild(publication_ids=[p.pk for p in catalogue], processes=processes)

    assert {row.pk: (row.candidate_ids, row.complete) for row in RelatedCandidates.objects.all()} == by_query
    pids = set(rankers.read_text().split())
    # Forked: no part is ranked here (how the parts spread over the pool's processes is the pool's choice).
    assert (str(os.getpid()) not in pids) == (processes > 1)
    assert len(pids) <= processes
    with connection.cursor() as cursor:  # the children left this process's connection alone
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_the_in_memory_rebuild_replaces_the_rows_pieces_already_have(catalogue, monkeypatch):
    related_candidates_rebuild(publication_ids=[p.pk for p in catalogue])
    by_query = {row.pk: (row.candidate_ids, row.complete) for row in RelatedCandidates.objects.all()}
    RelatedCandidates.objects.update(candidate_ids=[], complete=False)
    monkeypatch.setattr(related, "IN_MEMORY_FROM", 1)

    related_candidates_rebuild(publication_ids=[p.pk for p in catalogue])

    assert {row.pk: (row.candidate_ids, row.complete) for row in RelatedCandidates.objects.all()} == by_query


def test_a_large_rebuild_ranks_without_the_lock_and_drops_its_ranking_when_a_write_came_in(monkeypatch):
    """The in-memory ranking runs while editors save; one that unpublished a candidate meanwhile must not
    leave the old ranking stored (the write's trigger found no row to delete then)."""
    topic = TopicFactory()
    pieces = [PublicationFactory(published=True, topics=[topic]) for _ in range(4)]
    first, gone = pieces[0], pieces[-1]
    monkeypatch.setattr(related, "IN_MEMORY_FROM", 1)
    # Ranking reads the links while a save moves a candidate's date (it stales the topic's rows).
    rank = related._rank_in_memory

    def rank_then_write(*args):
        rows = rank(*args)
        Publication.objects.filter(pk=gone.pk).update(published_at=timezone.now() - dt.timedelta(days=9000))
        return rows

    monkeypatch.setattr(related, "_rank_in_memory", rank_then_write)
    RelatedCandidates.objects.all().delete()
    batches = []
    batch = related._rebuild_batch
    monkeypatch.setattr(related, "_rebuild_batch", lambda ids: batches.append(ids) or batch(ids))

    related_candidates_rebuild(publication_ids=[piece.pk for piece in pieces])

    assert batches, "the stale ranking was stored"
    stored = RelatedCandidates.objects.get(publication_id=first.pk).candidate_ids
    assert stored[-1] == gone.pk  # the oldest now, as the live ranking has it


def test_a_large_rebuild_with_no_write_meanwhile_stores_its_ranking_in_one_go(monkeypatch):
    topic = TopicFactory()
    pieces = [PublicationFactory(published=True, topics=[topic]) for _ in range(3)]
    RelatedCandidates.objects.all().delete()
    monkeypatch.setattr(related, "IN_MEMORY_FROM", 1)
    monkeypatch.setattr(related, "_rebuild_batch", lambda ids: pytest.fail("fell back to batches"))

    assert related_candidates_rebuild(publication_ids=[piece.pk for piece in pieces]) == 3


# --- Authors' counts of published pieces ---------------------------------------------------------------
def author_body(api_get, author) -> bytes:
    return api_get("v1:author-detail", slug=author.slug).content


def test_an_author_s_stored_count_is_the_live_one_across_a_scheduled_piece_s_time(api_get):
    author = AuthorFactory()
    for _ in range(3):
        PublicationFactory(published=True, authors=[author])
    PublicationFactory(authors=[author])  # a draft
    at_its_time = timezone.now() + dt.timedelta(hours=3)
    PublicationFactory(scheduled=True, authors=[author], published_at=at_its_time)
    live_now = author_body(api_get, author)
    with time_machine.travel(at_its_time + dt.timedelta(seconds=1)):
        live_later = author_body(api_get, author)

    related_candidates_rebuild_missing()
    stats = AuthorPublicationStats.objects.get(author=author)

    assert (stats.count, stats.valid_until) == (3, at_its_time)
    assert author_body(api_get, author) == live_now
    with time_machine.travel(at_its_time + dt.timedelta(seconds=1)):
        assert author_body(api_get, author) == live_later
        assert api_get("v1:author-detail", slug=author.slug).json()["publication_count"] == 4


def test_past_its_valid_until_a_stored_count_is_still_read_with_the_pieces_gone_live_since(api_get):
    # A prolific author's live count reads every byline (a quarter of a second at 1M pieces): past a
    # scheduled piece's time, until the worker counts again, the stored row is read and only the pieces
    # dated since it are counted, from the bylines' date index.
    author = AuthorFactory()
    PublicationFactory(published=True, authors=[author])
    first = timezone.now() + dt.timedelta(hours=3)
    PublicationFactory(scheduled=True, authors=[author], published_at=first)
    PublicationFactory(scheduled=True, authors=[author], published_at=first + dt.timedelta(hours=1))
    related_candidates_rebuild_missing()
    # Marked: a count taken live (every byline) would say 1, 2 and 3, never these.
    AuthorPublicationStats.objects.filter(author=author).update(count=100)

    def count() -> int:
        return api_get("v1:author-detail", slug=author.slug).json()["publication_count"]

    assert count() == 100
    with time_machine.travel(first + dt.timedelta(seconds=1)):
        assert count() == 101
    with time_machine.travel(first + dt.timedelta(hours=2)):
        assert count() == 102


def test_unpublishing_or_a_new_byline_drops_the_author_s_stored_count():
    author = AuthorFactory()
    piece = PublicationFactory(published=True, authors=[author])
    related_candidates_rebuild_missing()

    publication_unpublish(publication=piece)
    assert not AuthorPublicationStats.objects.filter(author=author).exists()

    related_candidates_rebuild_missing()
    assert AuthorPublicationStats.objects.get(author=author).count == 0
    PublicationFactory(published=True, authors=[author])
    assert not AuthorPublicationStats.objects.filter(author=author).exists()


def test_author_detail_reads_its_stored_count_in_one_query(client, django_assert_num_queries):
    author = AuthorFactory()
    PublicationFactory(published=True, authors=[author])
    related_candidates_rebuild_missing()
    url = reverse("v1:author-detail", kwargs={"slug": author.slug})

    # The author with every bio section and the stored count (the live count only without it).
    with django_assert_num_queries(1):
        response = client.get(url)

    assert response.json()["publication_count"] == 1
