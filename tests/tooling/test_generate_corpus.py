import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q

from authors.models import Author
from cissapi.text import html_to_text, sanitize_html, word_count
from publications.models import (
    CrossPost,
    OutletPiece,
    Publication,
    PublicationAuthor,
    RelatedCandidates,
    TopicFiling,
    TopicPublicationStats,
)
from publications.search import refresh_search_vectors
from taxonomy.models import Topic
from tests.factories import PublicationFactory
from tests.publications.collection_counts import live_numbers, read_numbers
from tooling.corpus import generate_corpus

pytestmark = pytest.mark.django_db

PUBLICATIONS = 150
AUTHORS = 25


@pytest.fixture
def corpus():
    return generate_corpus(publications=PUBLICATIONS, authors=AUTHORS, seed=7)


def titles_and_slugs() -> list[tuple[str, str]]:
    return list(Publication.objects.order_by("id").values_list("title", "slug"))


def test_generates_the_requested_numbers(corpus):
    assert Publication.objects.count() == PUBLICATIONS
    assert Author.objects.count() == AUTHORS
    assert corpus.publications == PUBLICATIONS
    assert PublicationAuthor.objects.count() == corpus.authorships >= PUBLICATIONS
    assert Topic.objects.exists()


def test_same_seed_gives_the_same_catalogue(corpus):
    first = titles_and_slugs()
    first_authors = list(Author.objects.order_by("id").values_list("name", "slug"))
    Publication.objects.all().delete()
    Author.objects.all().delete()

    generate_corpus(publications=PUBLICATIONS, authors=AUTHORS, seed=7)

    assert titles_and_slugs() == first
    assert list(Author.objects.order_by("id").values_list("name", "slug")) == first_authors


def test_another_seed_gives_another_catalogue(corpus):
    first = titles_and_slugs()
    Publication.objects.all().delete()

    generate_corpus(publications=PUBLICATIONS, authors=AUTHORS, seed=8)

    assert titles_and_slugs() != first


def test_bylines_are_ordered_from_zero_with_several_authors_on_some_pieces(corpus):
    positions: dict[int, list[int]] = {}
    for publication_id, position in PublicationAuthor.objects.order_by("publication", "position").values_list(
        "publication_id", "position"
    ):
        positions.setdefault(publication_id, []).append(position)

    assert len(positions) == PUBLICATIONS
    assert all(p == list(range(len(p))) for p in positions.values())
    assert any(len(p) > 1 for p in positions.values())
    assert set(PublicationAuthor.objects.filter(position=0).values_list("role", flat=True)) == {"author"}


def test_at_most_one_canonical_cross_post_each(corpus):
    per_publication = CrossPost.objects.values("publication").annotate(
        canonical=Count("id", filter=Q(is_canonical=True))
    )
    assert per_publication.exists()
    assert max(row["canonical"] for row in per_publication) == 1


def test_mix_of_states_types_and_languages(corpus):
    live = Publication.objects.published().count()
    assert 0 < Publication.objects.scheduled().count() < live
    assert Publication.objects.filter(status="draft").exists()
    assert Publication.objects.filter(status="in_review").exists()
    # Pieces taken back to draft keep their dates and must still be hidden.
    assert Publication.objects.filter(status="draft", published_at__isnull=False).exists()
    assert live == PUBLICATIONS - Publication.objects.unpublished().count()
    assert Publication.objects.values("type").distinct().count() >= 4
    assert Publication.objects.values("language").distinct().count() >= 2
    years = {d.year for d in Publication.objects.published().values_list("published_at", flat=True)}
    assert len(years) >= 5


def test_bodies_are_stored_as_the_model_would_store_them(corpus):
    for body, words in Publication.objects.values_list("body", "word_count"):
        assert sanitize_html(body) == body
        assert word_count(html_to_text(body)) == words > 0


def test_search_vectors_match_what_the_search_module_computes(corpus):
    ids = list(Publication.objects.values_list("id", flat=True))
    generated = dict(Publication.objects.values_list("id", "search_vector"))
    assert all(generated.values())

    refresh_search_vectors(ids)

    assert dict(Publication.objects.values_list("id", "search_vector")) == generated


def test_refuses_to_run_into_a_catalogue_with_content():
    PublicationFactory()
    with pytest.raises(CommandError, match="not empty"):
        call_command("generate_corpus", publications=5, authors=2)


def test_append_adds_to_an_existing_catalogue_with_unique_slugs(corpus):
    call_command("generate_corpus", publications=PUBLICATIONS, authors=AUTHORS, seed=7, append=True)

    assert Publication.objects.count() == 2 * PUBLICATIONS
    assert Publication.objects.values("slug").distinct().count() == 2 * PUBLICATIONS
    assert Author.objects.count() == 2 * AUTHORS


def test_a_large_load_builds_the_secondary_indexes_and_foreign_keys_once_after_it(monkeypatch):
    from django.db import connection

    from tooling import corpus as corpus_module

    def indexes() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'publications_publication'")
            return {row[0] for row in cursor.fetchall()}

    def foreign_keys() -> set[tuple[str, str, str]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
                [corpus_module.BULK_TABLES],
            )
            return set(cursor.fetchall())

    before, keys_before = indexes(), foreign_keys()
    during = []
    load = corpus_module.CorpusGenerator.create_publications

    def watched(self, count, progress=None):
        during.append((indexes(), foreign_keys()))
        load(self, count, progress)

    monkeypatch.setattr(corpus_module, "REBUILD_INDEXES_FROM", 50)
    monkeypatch.setattr(corpus_module.CorpusGenerator, "create_publications", watched)

    generate_corpus(publications=60, authors=5)

    assert "publication_search_idx" in before and "publication_search_idx" not in during[0][0]
    assert "publications_publication_pkey" in during[0][0]  # unique constraints stay
    assert indexes() == before
    # Every table's foreign keys (bylines to authors, ...), dropped and put back as they were.
    assert len(keys_before) >= 6 and not during[0][1]
    assert foreign_keys() == keys_before


def test_a_large_load_that_breaks_a_foreign_key_fails_and_leaves_nothing(monkeypatch):
    from django.db import IntegrityError

    from tooling import corpus as corpus_module

    monkeypatch.setattr(corpus_module, "REBUILD_INDEXES_FROM", 50)
    batches = corpus_module.CorpusGenerator._batches

    def with_a_byline_of_nobody(self, *args):
        for batch in batches(self, *args):
            pk, _author, role, position, published_at = batch.authorships[0]
            batch.authorships.append((pk, 987654321, role, position + 10, published_at))
            yield batch

    monkeypatch.setattr(corpus_module.CorpusGenerator, "_batches", with_a_byline_of_nobody)

    with pytest.raises(IntegrityError, match="author"):
        generate_corpus(publications=60, authors=5)

    assert not Publication.objects.exists() and not PublicationAuthor.objects.exists()


def test_rows_are_drawn_in_a_process_of_their_own_while_this_one_loads_them(monkeypatch, tmp_path):
    import os

    from tooling import corpus as corpus_module

    drawn_by = tmp_path / "drawn_by"
    draw = corpus_module.CorpusGenerator.publication_rows

    def watched(self, *args):
        for row in draw(self, *args):
            with drawn_by.open("a") as noted:
                noted.write(f"{os.getpid()}\n")
            yield row

    monkeypatch.setattr(corpus_module.CorpusGenerator, "publication_rows", watched)

    stats = generate_corpus(publications=30, authors=5)

    drawn = drawn_by.read_text().split()
    assert len(drawn) == 30 and str(os.getpid()) not in drawn
    assert Publication.objects.count() == stats.publications == 30
    # What the process drew is counted here.
    assert sum(stats.states.values()) == 30
    assert PublicationAuthor.objects.count() == stats.authorships


def test_a_failure_while_drawing_rows_fails_the_generation(monkeypatch):
    from tooling import corpus as corpus_module

    def broken(self, *args):
        raise RuntimeError("no words left")
        yield  # a generator, as publication_rows is

    monkeypatch.setattr(corpus_module.CorpusGenerator, "publication_rows", broken)

    with pytest.raises(RuntimeError, match="no words left"):
        generate_corpus(publications=30, authors=5)


def test_unique_slugs_count_on_from_where_each_title_stopped():
    from tooling.corpus import UniqueSlugs

    class CountingSet(set):
        checks = 0

        def __contains__(self, item):
            CountingSet.checks += 1
            return super().__contains__(item)

    slugs = UniqueSlugs(["war-and-peace-3", "essay"])
    slugs.taken = CountingSet(slugs.taken)

    claimed = [slugs.claim(base) for base in ["war-and-peace"] * 4 + ["essay", "essay-2"]]

    # The first free suffix each time, pre-existing slugs skipped, as a plain search from 2 would give.
    assert claimed == [
        "war-and-peace",
        "war-and-peace-2",
        "war-and-peace-4",
        "war-and-peace-5",
        "essay-2",
        "essay-2-2",
    ]
    CountingSet.checks = 0
    for _ in range(1000):
        slugs.claim("rethinking-trade-in-asia")
    assert CountingSet.checks == 2 * 1000 - 1  # a taken check and a free one each, not one per earlier copy


def test_the_command_stores_every_piece_s_related_candidates():
    call_command("generate_corpus", publications=40, authors=5, stdout=io.StringIO())

    assert RelatedCandidates.objects.count() == Publication.objects.count() == 40


@pytest.mark.parametrize("bulk", [False, True], ids=["small load", "bulk load"])
def test_counts_read_after_a_load_are_the_live_ones(monkeypatch, bulk):
    from tooling import corpus as corpus_module

    # The command stores the counts, as the worker would (the load writes none itself).
    call_command("generate_corpus", publications=40, authors=5, stdout=io.StringIO())
    assert TopicPublicationStats.objects.count() == Topic.objects.count()
    if bulk:
        monkeypatch.setattr(corpus_module, "REBUILD_INDEXES_FROM", 50)

    # Appended with the triggers that drop stored counts on: those the load changes are counted live.
    generate_corpus(publications=60, authors=5)

    assert read_numbers() == live_numbers()


def link_dates_out_of_step() -> int:
    """Bylines, topic filings and outlets' pieces whose copy of the piece's date differs from the piece's,
    and pieces at an outlet missing or left over."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM publications_publicationauthor pa JOIN publications_publication p"
            " ON p.id = pa.publication_id WHERE pa.published_at IS DISTINCT FROM p.published_at)"
            " + (SELECT count(*) FROM publications_publication_topics f JOIN publications_publication p"
            " ON p.id = f.publication_id WHERE f.published_at IS DISTINCT FROM p.published_at)"
            " + (SELECT count(*) FROM publications_outletpiece o JOIN publications_publication p"
            " ON p.id = o.publication_id WHERE o.published_at IS DISTINCT FROM p.published_at)"
            # An outlet's piece for each piece and outlet cross-posted at, and no other.
            " + (SELECT count(*) FROM ((SELECT outlet_id, publication_id FROM publications_crosspost"
            " EXCEPT SELECT outlet_id, publication_id FROM publications_outletpiece) UNION ALL"
            " (SELECT outlet_id, publication_id FROM publications_outletpiece"
            " EXCEPT SELECT outlet_id, publication_id FROM publications_crosspost)) differing)"
        )
        return cursor.fetchone()[0]


def enabled_link_date_triggers() -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgenabled = 'O'"
            " AND (tgname LIKE 'publications_byline_date%%' OR tgname LIKE 'publications_filing_date%%'"
            " OR tgname = 'publications_outlet_pieces')"
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.parametrize("bulk", [False, True], ids=["small load", "bulk load"])
def test_the_load_writes_each_link_s_date_and_leaves_the_triggers_on(monkeypatch, bulk):
    from tooling import corpus as corpus_module

    triggers = enabled_link_date_triggers()
    assert len(triggers) == 7
    if bulk:
        monkeypatch.setattr(corpus_module, "REBUILD_INDEXES_FROM", 50)

    generate_corpus(publications=60, authors=5)

    assert PublicationAuthor.objects.filter(published_at__isnull=False).exists()
    assert TopicFiling.objects.filter(published_at__isnull=False).exists()
    assert OutletPiece.objects.filter(published_at__isnull=False).exists()
    assert link_dates_out_of_step() == 0
    assert enabled_link_date_triggers() == triggers
    # On again for what writes next: a piece's date moving moves its bylines'.
    piece = Publication.objects.filter(
        authorships__isnull=False, topic_filings__isnull=False, published_at__isnull=False
    ).first()
    Publication.objects.filter(pk=piece.pk).update(published_at=piece.published_at.replace(year=2001))
    assert link_dates_out_of_step() == 0
