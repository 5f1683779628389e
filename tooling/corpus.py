"""A large, realistic, deterministic catalogue for benchmarks (`manage.py generate_corpus`).

Everything is drawn from one seeded random generator, so the same seed gives the same titles, slugs,
bylines and texts. Publications, bylines, topics and cross-posts go in with COPY; the search vector is
computed by Postgres in the same INSERT ... SELECT that moves each batch out of a staging table, from text
folded in Python exactly as publications.search folds it (weights A title+subtitle, B summary, C authors'
names in byline order, D body text).

The body is four fifths of every piece's words and parsing and stemming it was most of a large load's
time, so its part of the vector (weight D) is built here instead: body words come from a fixed vocabulary
of plain words, each stemmed once by Postgres itself at the start (`to_tsvector` on the word alone), and
the vector is those lexemes at the words' positions. A test checks it equals what Postgres computes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import multiprocessing
import multiprocessing.queues
import queue
import random
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from authors.models import Author, AuthorLink, Education, Position, Work
from cissapi.text import fold_accents
from publications.models import CrossPost, OutletPiece, Publication, PublicationAuthor
from publications.search import SEARCH_CONFIG, weighted_vector_sql
from taxonomy.models import Outlet, Series, Topic
from tooling import corpus_words as words

BATCH_SIZE = 10_000
# From this many publications on, the tables' secondary indexes (the full-text GIN index above all) are
# dropped for the load and built again after it: one sorted build instead of a million index insertions.
REBUILD_INDEXES_FROM = 50_000
YEARS_OF_HISTORY = 15
RARE_TERM_RATE = 1 / 5000
# The rarest body word is in the word table about ten times (see CorpusGenerator.__init__).
WORD_TABLE_SCALE = 3300

# Per 50 publications: 46 live, 2 drafts, 1 in review, 1 scheduled (a fixed pattern, so even a small
# corpus has every state).
STATE_PATTERN = ["published"] * 46 + ["draft", "draft", "in_review", "scheduled"]

TYPES = [
    (Publication.Type.COMMENTARY, 55),
    (Publication.Type.ISSUE_BRIEF, 15),
    (Publication.Type.POLICY_PAPER, 8),
    (Publication.Type.JOURNAL_ARTICLE, 12),
    (Publication.Type.REPORT, 7),
    (Publication.Type.BOOK, 3),
]
LANGUAGES = [("en", 88), ("ur", 5), ("fr", 3), ("ar", 2), ("zh", 2)]
BYLINE_SIZES = [(1, 45), (2, 30), (3, 15), (4, 7), (5, 2), (6, 1)]

PUBLICATION_COLUMNS = [
    "id", "uuid", "type", "title", "subtitle", "slug", "summary", "body", "language", "status",
    "published_at", "first_published_at", "created_at", "updated_at", "pdf", "doi", "report_number",
    "comments_enabled", "series_id", "volume",
    "issue", "internal_notes", "word_count",
]  # fmt: skip
# A vector's positions as text (a body has at most 648 words; Postgres keeps positions up to 16,383).
POSITIONS = [str(n) for n in range(1, 16384)]
# The staging table's extra columns: folded text for Postgres to index, and the body's ready-made vector.
STAGE_COLUMNS = ["fold_title", "fold_summary", "fold_authors", "body_vector"]


@dataclass
class CorpusStats:
    publications: int = 0
    authors: int = 0
    authorships: int = 0
    topic_links: int = 0
    cross_posts: int = 0
    states: dict[str, int] = field(default_factory=dict)


def fold(text: str) -> str:
    """publications.search's folding, skipping the Unicode work for plain ASCII (most of the corpus)."""
    return text if text.isascii() else fold_accents(text)


class CorpusGenerator:
    def __init__(self, *, seed: int | str, now: dt.datetime | None = None) -> None:
        self.rng = random.Random(seed)
        # Whole minutes, so dates print without microseconds and two runs in one minute agree.
        self.now = (now or timezone.now()).replace(second=0, microsecond=0)
        # Body words drawn with weight 1 / (rank + 3), from a table holding each word in proportion:
        # an index per word instead of a bisection of cumulative weights (the generator's hottest loop).
        self.word_table = [
            word
            for rank, word in enumerate(words.BODY_WORDS)
            for _ in range(round(WORD_TABLE_SCALE / (rank + 3)))
        ]
        self.stats = CorpusStats()
        # Each body word's lexeme as it starts a vector literal ("'lexem':"), None for a stop word.
        self.lexemes: dict[str, str | None] = {}

    # --- Reference data -------------------------------------------------------------------------------
    def ensure_reference_data(self) -> None:
        """Topics, series and outlets from the word lists, created once and reused by later runs."""
        _bulk_get_or_create(Topic, [{"name": n, "slug": slugify(n)} for n in words.TOPICS])
        _bulk_get_or_create(
            Series, [{"name": n, "slug": slugify(n), "kind": k, "issn": i} for n, k, i in words.SERIES]
        )
        _bulk_get_or_create(
            Outlet,
            [
                {"name": n, "slug": slugify(n), "domain": d, "homepage": f"https://{d}/"}
                for n, d in words.OUTLETS
            ],
        )
        self.topic_ids = list(
            Topic.objects.filter(name__in=words.TOPICS).order_by("name").values_list("id", flat=True)
        )
        self.series = {
            s.slug: s.id for s in Series.objects.filter(slug__in=[slugify(n) for n, *_ in words.SERIES])
        }
        outlets = Outlet.objects.filter(domain__in=[d for _, d in words.OUTLETS]).order_by("domain")
        self.outlets = list(outlets.values_list("id", "domain"))

    # --- Authors --------------------------------------------------------------------------------------
    def create_authors(self, count: int) -> None:
        rng = self.rng
        slugs = UniqueSlugs(Author.objects.values_list("slug", flat=True))
        authors = []
        for _ in range(count):
            name = f"{rng.choice(words.FIRST_NAMES)} {rng.choice(words.LAST_NAMES)}"
            slug = slugs.claim(slugify(name))
            honorific = rng.choices(words.HONORIFICS, words.HONORIFIC_WEIGHTS)[0]
            headline = rng.choice(words.HEADLINES)
            interests = ", ".join(rng.sample(words.TOPICS, 3)).lower()
            first, last = name.split(" ", 1)
            authors.append(
                Author(
                    honorific=honorific,
                    name=name,
                    slug=slug,
                    sort_name=f"{last}, {first}",
                    headline=headline,
                    short_bio=f"{name} is {headline} and writes on {interests}.",
                    bio=f"<p>{name} works on {interests}.</p>\n<p>{self.sentence(14)}</p>",
                    email=f"{slug}@ciss.example",
                    kind=rng.choices(["staff", "fellow", "guest"], [40, 20, 40])[0],
                    affiliation="current" if rng.random() < 0.75 else "alumni",
                    search_name=fold_accents(name).lower(),
                )
            )
        self.authors = Author.objects.bulk_create(authors, batch_size=2000)
        self.author_ids = [a.id for a in self.authors]
        self.author_names = [a.name for a in self.authors]
        # Some authors are prolific, most write now and then.
        self.author_cum = list(accumulate(1 / (rank + 5) for rank in range(len(self.authors))))
        self._create_author_details()
        self.stats.authors = len(self.authors)

    def _create_author_details(self) -> None:
        rng = self.rng
        positions, education, works, links, interests, outlets = [], [], [], [], [], []
        Interest, AuthorOutlet = Author.interests.through, Author.outlets.through
        year = self.now.year
        for author in self.authors:
            for i in range(rng.randint(1, 3)):
                start = year - rng.randint(0, 20)
                current = i == 0
                positions.append(
                    Position(
                        author=author,
                        title=author.headline if current else rng.choice(words.HEADLINES),
                        organization=rng.choice(words.ORGANIZATIONS),
                        start_year=start,
                        end_year=None if current else min(year, start + rng.randint(1, 6)),
                        is_current=current,
                        position=i,
                    )
                )
            for i in range(rng.randint(0, 2)):
                pursuing = rng.random() < 0.15
                education.append(
                    Education(
                        author=author,
                        degree=rng.choice(words.DEGREES),
                        field=rng.choice(words.FIELDS),
                        institution=rng.choice(words.ORGANIZATIONS),
                        status="pursuing" if pursuing else "completed",
                        year=None if pursuing else year - rng.randint(1, 30),
                        position=i,
                    )
                )
            for i in range(rng.choices([0, 1, 2], [70, 22, 8])[0]):
                works.append(
                    Work(
                        author=author,
                        kind=rng.choice(["book", "edited_volume", "chapter", "article"]),
                        title=self.title(),
                        publisher=rng.choice(words.PUBLISHERS),
                        year=year - rng.randint(0, 15),
                        position=i,
                    )
                )
            for i, kind in enumerate(
                rng.sample(["x", "linkedin", "orcid", "google_scholar"], rng.randint(0, 3))
            ):
                handle = author.slug.replace("-", "_")
                links.append(
                    AuthorLink(
                        author=author,
                        kind=kind,
                        url=f"https://{kind}.example.org/{handle}",
                        handle=f"@{handle}" if kind == "x" else "",
                        position=i,
                    )
                )
            for topic_id in rng.sample(self.topic_ids, rng.randint(1, 4)):
                interests.append(Interest(author_id=author.id, topic_id=topic_id))
            for outlet_id, _ in rng.sample(self.outlets, rng.randint(0, 3)):
                outlets.append(AuthorOutlet(author_id=author.id, outlet_id=outlet_id))
        batches: list[tuple[type[models.Model], list[Any]]] = [
            (Position, positions), (Education, education), (Work, works), (AuthorLink, links),
            (Interest, interests), (AuthorOutlet, outlets),
        ]  # fmt: skip
        for model, rows in batches:
            model._default_manager.bulk_create(rows, batch_size=5000)

    # --- Text -----------------------------------------------------------------------------------------
    def stem_body_words(self) -> None:
        """Each body word's lexeme in the search configuration (None for a stop word), from Postgres."""
        vocabulary = sorted({*words.BODY_WORDS, *words.ACCENTED_WORDS, *words.RARE_TERMS})
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT w, to_tsvector('{SEARCH_CONFIG}', w)::text FROM unnest(%s::text[]) AS w",
                [[fold(word) for word in vocabulary]],
            )
            vectors = dict(cursor.fetchall())
        for word in vocabulary:
            vector = vectors[fold(word)]
            match = re.fullmatch(r"'([a-z]+)':1", vector)
            # A word Postgres splits or keeps odd characters in would make the vector built here differ.
            if vector and match is None:
                raise ValueError(f"The body word {word!r} is not one plain lexeme ({vector!r}).")
            self.lexemes[word] = f"'{match[1]}':" if match else None

    def body_vector(self, drawn: list[str]) -> str:
        """The body's tsvector, as to_tsvector gives it: every word takes a position, stop words too."""
        positions: dict[str, list[str]] = {}
        for at, lexeme in zip(POSITIONS, map(self.lexemes.__getitem__, drawn), strict=False):
            if lexeme is not None:
                positions.setdefault(lexeme, []).append(at)
        return " ".join(f"{lexeme}{','.join(at)}" for lexeme, at in positions.items())

    def sentence(self, length: int) -> str:
        chosen = self.rng.choices(self.word_table, k=length)
        return _sentence(chosen)

    def title(self) -> str:
        rng = self.rng
        noun, noun2 = rng.sample(words.TITLE_NOUNS, 2)
        title = rng.choice(words.TITLE_TEMPLATES).format(
            adj=rng.choice(words.TITLE_ADJECTIVES),
            noun=noun,
            noun2=noun2,
            place=rng.choice(words.TITLE_PLACES),
        )
        return title[:1].upper() + title[1:]

    def body(self, language: str) -> tuple[str, int, str]:
        """(HTML, word count, search vector); the HTML is what sanitize_html would leave unchanged."""
        rng = self.rng
        paragraphs = []
        drawn: list[str] = []
        total = 0
        for _ in range(rng.randint(2, 6)):
            sentences = []
            for _ in range(rng.randint(3, 6)):
                n = rng.randint(8, 18)
                chosen = rng.choices(self.word_table, k=n)
                if language == "fr":
                    chosen[rng.randrange(n)] = rng.choice(words.ACCENTED_WORDS)
                if rng.random() < RARE_TERM_RATE / 4:
                    chosen[rng.randrange(n)] = rng.choice(words.RARE_TERMS)
                total += n
                drawn += chosen  # before _sentence capitalises its first word
                sentences.append(_sentence(chosen))
            paragraphs.append(" ".join(sentences))
        html = "\n".join(f"<p>{p}</p>" for p in paragraphs)
        return html, total, self.body_vector(drawn)

    # --- Publications ---------------------------------------------------------------------------------
    def publication_rows(self, ids: list[int], slugs: UniqueSlugs, first_index: int):
        """Yield (publication row, folded texts, byline, topic ids, cross-posts) for each id."""
        rng = self.rng
        pattern = STATE_PATTERN[:]
        rng.shuffle(pattern)
        type_names, type_weights = zip(*TYPES, strict=True)
        lang_names, lang_weights = zip(*LANGUAGES, strict=True)
        byline_sizes, byline_weights = zip(*BYLINE_SIZES, strict=True)
        span = YEARS_OF_HISTORY * 365 * 86400
        # Dates rise with ids, as in a real catalogue written over the years (rows on disk in date order).
        offsets = sorted((rng.randrange(3600, span) for _ in ids), reverse=True)
        for n, (pk, offset) in enumerate(zip(ids, offsets, strict=True)):
            index = first_index + n
            state = pattern[index % len(pattern)]
            kind = rng.choices(type_names, type_weights)[0]
            language = rng.choices(lang_names, lang_weights)[0]
            title = self.title()
            if language == "fr":
                title = f"{title} : {rng.choice(words.ACCENTED_WORDS).capitalize()}"
            subtitle = ""
            if rng.random() < 0.3:
                noun, noun2 = rng.sample(words.TITLE_NOUNS, 2)
                subtitle = rng.choice(words.SUBTITLE_TEMPLATES).format(
                    adj=rng.choice(words.TITLE_ADJECTIVES), noun=noun, noun2=noun2,
                    place=rng.choice(words.TITLE_PLACES),
                )  # fmt: skip
            slug = slugs.claim(slugify(title)[:180].strip("-"))
            summary = (
                "" if rng.random() < 0.03 else " ".join(self.sentence(rng.randint(12, 24)) for _ in range(2))
            )
            if rng.random() < RARE_TERM_RATE:
                summary = f"{summary} {rng.choice(words.RARE_TERMS).capitalize()}.".strip()
            body, word_total, body_vector = self.body(language)

            published_at: dt.datetime | None = self.now - dt.timedelta(seconds=offset)
            first_published_at = published_at
            if state == "scheduled":
                published_at = self.now + dt.timedelta(seconds=rng.randrange(3600, 90 * 86400))
                first_published_at = None
            elif state in ("draft", "in_review") and rng.random() < 0.6:
                # Never published: no dates yet. The rest are pieces taken back to draft, dates kept.
                published_at = first_published_at = None
            created_at = (published_at or self.now) - dt.timedelta(days=rng.randint(1, 20))
            updated_at = (
                min(self.now, published_at + dt.timedelta(days=rng.randint(0, 30)))
                if published_at and rng.random() < 0.2
                else (published_at or created_at)
            )
            year = (published_at or created_at).year
            series_slug = volume = issue = doi = report_number = pdf = ""
            if kind == Publication.Type.JOURNAL_ARTICLE:
                series_slug = "ciss-insight" if rng.random() < 0.7 else "strategic-thought"
                volume, issue = str(year - 2012), str(rng.randint(1, 4))
                doi = f"10.5555/ciss.{year}.{index}"
            elif kind in (Publication.Type.REPORT, Publication.Type.POLICY_PAPER):
                report_number = f"CISS-{kind[:1].upper()}-{year}-{index:06d}"
                pdf = f"publications/pdf/{year}/{slug[:80]}.pdf"
                series_slug = "policy-papers" if kind == Publication.Type.POLICY_PAPER else ""
            elif kind == Publication.Type.ISSUE_BRIEF:
                series_slug = "issue-briefs"
            elif rng.random() < 0.2:
                series_slug = "ciss-commentary"

            size = rng.choices(byline_sizes, byline_weights)[0]
            byline: list[int] = []
            while len(byline) < min(size, len(self.author_ids)):
                choice = rng.choices(range(len(self.author_ids)), cum_weights=self.author_cum)[0]
                if choice not in byline:
                    byline.append(choice)
            roles = ["author"] + [
                rng.choices(["co_author", "editor", "translator"], [90, 6, 4])[0] for _ in byline[1:]
            ]
            topics = rng.sample(self.topic_ids, rng.choices([1, 2, 3, 4], [25, 40, 25, 10])[0])

            cross_posts = []
            if rng.random() < 0.3:
                relation = rng.choice([c.value for c in CrossPost.Relation])
                for i, (outlet_id, domain) in enumerate(rng.sample(self.outlets, rng.randint(1, 3))):
                    canonical = i == 0 and relation == CrossPost.Relation.ORIGINAL_ELSEWHERE
                    cross_posts.append(
                        (
                            outlet_id,
                            f"https://{domain}/{year}/{slug[:120]}/",
                            relation if i == 0 else rng.choice([c.value for c in CrossPost.Relation]),
                            (published_at or created_at).date() - dt.timedelta(days=rng.randint(0, 5)),
                            canonical,
                        )
                    )

            names = " ".join(self.author_names[i] for i in byline)
            self.stats.states[state] = self.stats.states.get(state, 0) + 1
            status = state if state in ("draft", "in_review") else "published"
            public_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            row = (
                pk, public_id, kind, title, subtitle, slug, summary, body, language, status, published_at,
                first_published_at, created_at, updated_at, pdf, doi, report_number, rng.random() < 0.15,
                self.series[series_slug] if series_slug else None, volume, issue,
                "Check the figures with the author." if rng.random() < 0.1 else "", word_total,
            )  # fmt: skip
            folded = (fold(f"{title} {subtitle}"), fold(summary), fold(names), body_vector)
            yield (
                row,
                folded,
                [(self.author_ids[i], roles[p], p) for p, i in enumerate(byline)],
                topics,
                cross_posts,
            )

    def create_publications(self, count: int, progress: Callable[[int], None] | None = None) -> None:
        slugs = UniqueSlugs(Publication.objects.values_list("slug", flat=True))
        first_index = Publication.objects.count()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('publications_publication', 'id')) "
                "FROM generate_series(1, %s)",
                [count],
            )
            ids = [row[0] for row in cursor.fetchall()]
        self.stem_body_words()
        batches = _drawn_in_a_process(self._batches(ids, slugs, first_index))
        with connection.cursor() as wrapper:
            cursor = wrapper.cursor  # psycopg's own cursor, for COPY
            cursor.execute(
                "CREATE TEMP TABLE corpus_stage (LIKE publications_publication INCLUDING DEFAULTS, "
                "fold_title text, fold_summary text, fold_authors text, body_vector tsvector)"
            )
            done = 0
            with _byline_date_triggers_off(cursor):
                for batch in batches:
                    self._load_batch(cursor, batch)
                    done += batch.publications
                    if progress:
                        progress(done)
            cursor.execute("DROP TABLE corpus_stage")
        self.stats.publications = count

    def _batches(self, ids: list[int], slugs: UniqueSlugs, first_index: int) -> Iterator[_Batch]:
        """The publications of `ids`, BATCH_SIZE at a time, as rows for each table (_drawn_in_a_process)."""
        rows = self.publication_rows(ids, slugs, first_index)
        left = len(ids)
        while left:
            size = min(BATCH_SIZE, left)
            states_before = dict(self.stats.states)
            batch = _Batch(
                publications=size,
                states={},
                stage=[],
                authorships=[],
                topic_links=[],
                cross_posts=[],
                outlet_pieces=[],
            )
            for row, folded, byline, topics, posts in itertools.islice(rows, size):
                batch.stage.append(row + folded)
                pk = row[0]
                # The piece's date on each byline (row[10], published_at), as the byline triggers keep it.
                batch.authorships += [(pk, *authorship, row[10]) for authorship in byline]
                batch.topic_links += [(pk, topic_id, row[10]) for topic_id in topics]
                batch.cross_posts += [(pk, *post, row[12], row[12]) for post in posts]
                # Each outlet once a piece (drawn without repeats), with its date, as the trigger writes it.
                batch.outlet_pieces += [(pk, post[0], row[10]) for post in posts]
            batch.states = {state: n - states_before.get(state, 0) for state, n in self.stats.states.items()}
            left -= size
            yield batch

    def _load_batch(self, cursor, batch: _Batch) -> None:
        stage_columns = ", ".join(PUBLICATION_COLUMNS + STAGE_COLUMNS)
        _copy(cursor, "corpus_stage", stage_columns, batch.stage)
        columns = ", ".join(PUBLICATION_COLUMNS)
        # The body's part (weight D, a vector literal's default) comes ready-made: the shared expression
        # gets an empty body, and the body vector is appended, its positions shifted after the rest's
        # exactly as || shifts to_tsvector's.
        search_vector = weighted_vector_sql(
            title="fold_title", summary="fold_summary", authors="fold_authors", body="''"
        )
        search_vector = f"{search_vector} || body_vector"
        cursor.execute(
            f"""
            INSERT INTO publications_publication ({columns}, search_vector)
            SELECT {columns}, {search_vector}
            FROM corpus_stage ORDER BY id
            """
        )
        cursor.execute("TRUNCATE corpus_stage")
        cross_post_columns = [
            "publication_id",
            "outlet_id",
            "url",
            "relation",
            "published_on",
            "is_canonical",
            "created_at",
            "updated_at",
        ]
        for table, table_columns, rows in (
            (
                PublicationAuthor._meta.db_table,
                ["publication_id", "author_id", "role", "position", "published_at"],
                batch.authorships,
            ),
            (
                Publication.topics.through._meta.db_table,
                ["publication_id", "topic_id", "published_at"],
                batch.topic_links,
            ),
            (CrossPost._meta.db_table, cross_post_columns, batch.cross_posts),
            (
                OutletPiece._meta.db_table,
                ["publication_id", "outlet_id", "published_at"],
                batch.outlet_pieces,
            ),
        ):
            _copy(cursor, table, ", ".join(table_columns), rows)
        for state, n in batch.states.items():
            self.stats.states[state] = self.stats.states.get(state, 0) + n
        self.stats.authorships += len(batch.authorships)
        self.stats.topic_links += len(batch.topic_links)
        self.stats.cross_posts += len(batch.cross_posts)


@dataclass
class _Batch:
    """BATCH_SIZE publications drawn, as rows for each table, and their states."""

    publications: int
    states: dict[str, int]
    stage: list[tuple[Any, ...]]
    authorships: list[tuple[Any, ...]]
    topic_links: list[tuple[Any, ...]]
    cross_posts: list[tuple[Any, ...]]
    outlet_pieces: list[tuple[Any, ...]]


# The triggers keeping each byline's, topic filing's and outlet's piece's copy of its piece's date
# (publications migrations 0016, 0018 and 0019): the load writes the date into the rows it copies (and the
# outlets' pieces themselves), where they would look it up (or update the links) row by row.
BYLINE_DATE_TRIGGERS = [
    (PublicationAuthor._meta.db_table, "publications_byline_date"),
    (Publication._meta.db_table, "publications_byline_date_inserted"),
    (Publication.topics.through._meta.db_table, "publications_filing_date"),
    (Publication._meta.db_table, "publications_filing_date_inserted"),
    (CrossPost._meta.db_table, "publications_outlet_pieces"),
]


@contextmanager
def _byline_date_triggers_off(cursor) -> Iterator[None]:
    """The byline date triggers off for the load (inside the caller's transaction: nobody else writes
    meanwhile, as ALTER TABLE locks the tables, and a failed load leaves them on)."""
    _alter_triggers(cursor, "DISABLE")
    yield
    _alter_triggers(cursor, "ENABLE")


def _alter_triggers(cursor, action: str) -> None:
    # Postgres alters no table with foreign-key checks pending (rows loaded before): run them now, and defer
    # them again afterwards, as Django's constraints are (as _secondary_indexes_rebuilt does).
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for table, trigger in BYLINE_DATE_TRIGGERS:
        cursor.execute(f"ALTER TABLE {table} {action} TRIGGER {trigger}")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _copy(cursor, table: str, columns: str, rows: list[tuple]) -> None:
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _drawn_in_a_process(batches: Iterator[_Batch]) -> Iterator[_Batch]:
    """`batches`, drawn in a forked process while this one loads the ones before into Postgres.

    Drawing (random choices, texts, vectors) is pure Python and about as long as the server's
    work on the rows: in a process of its own it runs beside the server's instead of sharing this process's
    interpreter with the loading. The child never touches this process's database connection and leaves
    by os._exit (multiprocessing's way), so nothing of Django's is closed or flushed twice.
    """
    context = multiprocessing.get_context("fork")
    drawn: multiprocessing.queues.Queue = context.Queue(maxsize=2)

    def draw() -> None:
        try:
            for batch in batches:
                drawn.put(batch)
            drawn.put(None)
        except BaseException as error:  # handed to the loading process, which raises it
            drawn.put(error)

    child = context.Process(target=draw, name="corpus-rows", daemon=True)
    child.start()
    try:
        while True:
            try:
                batch = drawn.get(timeout=1)
            except queue.Empty:
                if not child.is_alive():
                    raise RuntimeError(
                        f"The process drawing the corpus died (exit code {child.exitcode})."
                    ) from None
                continue
            if batch is None:
                break
            if isinstance(batch, BaseException):
                raise batch
            yield batch
    finally:
        child.kill()
        child.join()


def generate_corpus(
    *, publications: int, authors: int, seed: int = 1, progress: Callable[[int], None] | None = None
) -> CorpusStats:
    """Add `authors` authors and `publications` publications to the catalogue, in bulk."""
    existing = (Publication.objects.count(), Author.objects.count())
    # Appending with the same seed must not repeat the uuids (and names) already generated.
    generator = CorpusGenerator(seed=seed if existing == (0, 0) else f"{seed}/{existing[0]}/{existing[1]}")
    with transaction.atomic():
        generator.ensure_reference_data()
        generator.create_authors(authors)
        bulk = publications >= REBUILD_INDEXES_FROM
        with _secondary_indexes_rebuilt(BULK_TABLES) if bulk else nullcontext():
            generator.create_publications(publications, progress)
    if connection.in_atomic_block:
        return generator.stats  # inside a test's transaction, where VACUUM cannot run
    # Fresh statistics and a visibility map, so the first queries plan (and index-only scan) as they will.
    with connection.cursor() as cursor:
        for model in (
            Publication,
            PublicationAuthor,
            Publication.topics.through,
            CrossPost,
            OutletPiece,
            Author,
        ):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    return generator.stats


BULK_TABLES = [
    Publication._meta.db_table,
    PublicationAuthor._meta.db_table,
    Publication.topics.through._meta.db_table,
    CrossPost._meta.db_table,
    OutletPiece._meta.db_table,
]


@contextmanager
def _secondary_indexes_rebuilt(tables: list[str]) -> Iterator[None]:
    """Drop the tables' indexes that back no constraint, and their foreign keys, for the duration; then
    create them again (inside the caller's transaction, so a failed load leaves them as they were).

    A foreign key checked row by row queues a check per row loaded (millions, run at commit), where adding
    it afterwards checks every row in one join: the load is checked as ever, in a fraction of the time.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
            WHERE t.relname = ANY(%s) AND NOT i.indisunique AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)""",
            [tables],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            """SELECT k.conrelid::regclass::text, quote_ident(k.conname), pg_get_constraintdef(k.oid)
            FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
            WHERE t.relname = ANY(%s) AND k.contype = 'f' ORDER BY k.conrelid, k.conname""",
            [tables],
        )
        foreign_keys = cursor.fetchall()
        # Postgres alters no table with foreign-key checks pending (the authors' rows, made before): run them
        # now, and defer them again afterwards, as Django's constraints are.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    yield
    with connection.cursor() as cursor:
        # As above: the checks queued since (tables other than these) run before the tables are altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _sentence(chosen: list[str]) -> str:
    first = chosen[0]
    chosen[0] = first[:1].upper() + first[1:]
    return " ".join(chosen) + "."


class UniqueSlugs:
    """The slugs handed out so far. claim() gives base, base-2, base-3, ... whichever is free first, resuming
    each base's count where it stopped: titles repeat (a template has a few hundred variants), and at a
    million pieces checking every suffix again from 2 cost more than drawing the rest of the row."""

    def __init__(self, taken: Iterable[str]) -> None:
        self.taken = set(taken)
        self.last_suffix: dict[str, int] = {}

    def claim(self, base: str) -> str:
        n = self.last_suffix.get(base, 1)
        slug = base if n == 1 else f"{base}-{n}"
        while slug in self.taken:
            n += 1
            slug = f"{base}-{n}"
        self.taken.add(slug)
        self.last_suffix[base] = n
        return slug


def _bulk_get_or_create(model, rows: list[dict]) -> None:
    existing = set(model.objects.filter(slug__in=[r["slug"] for r in rows]).values_list("slug", flat=True))
    model.objects.bulk_create([model(**r) for r in rows if r["slug"] not in existing])
