"""Each byline, topic filing and outlet's piece (one per piece and outlet cross-posted at) carries its piece's
`published_at`, kept by the database whatever writes either table; an author's, a topic's or an outlet's list
reads it in date order, and still shows only what is live (read from the piece itself)."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from publications.models import CrossPost, OutletPiece, Publication, PublicationAuthor, TopicFiling
from publications.services import publication_trash
from tests.factories import (
    AuthorFactory,
    CrossPostFactory,
    OutletFactory,
    PublicationFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


def byline_dates(publication: Publication) -> set:
    """The dates the piece's bylines carry, as stored."""
    return set(
        PublicationAuthor.objects.filter(publication=publication).values_list("published_at", flat=True)
    )


def filing_dates(publication: Publication) -> set:
    """The dates the piece's topic filings carry, as stored."""
    return set(TopicFiling.objects.filter(publication=publication).values_list("published_at", flat=True))


def outlet_dates(publication: Publication) -> set:
    """The dates the piece's outlets' pieces carry, as stored."""
    return set(OutletPiece.objects.filter(publication=publication).values_list("published_at", flat=True))


def outlets_of(publication: Publication) -> list:
    """The outlets the piece has a row for, as stored."""
    return sorted(OutletPiece.objects.filter(publication=publication).values_list("outlet__slug", flat=True))


def stored_date(publication: Publication) -> dt.datetime | None:
    return Publication.objects.values_list("published_at", flat=True).get(pk=publication.pk)


def test_a_byline_takes_its_piece_s_date_whatever_writes_it():
    first, second = AuthorFactory(), AuthorFactory()
    piece = PublicationFactory(published=True, authors=[first])
    other = PublicationFactory(published=True, published_at=timezone.now() - dt.timedelta(days=30))
    draft = PublicationFactory()

    # Created by the ORM (the factory), with nothing given.
    assert byline_dates(piece) == {stored_date(piece)}
    # bulk_create, given a wrong date: the piece's wins.
    PublicationAuthor.objects.bulk_create(
        [PublicationAuthor(publication=piece, author=second, position=1, published_at=timezone.now())]
    )
    assert byline_dates(piece) == {stored_date(piece)}
    # Raw SQL.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO publications_publicationauthor (publication_id, author_id, role, position)"
            " VALUES (%s, %s, 'author', 0)",
            [other.pk, first.pk],
        )
    assert byline_dates(other) == {stored_date(other)}
    # A draft has no date, nor do its bylines.
    PublicationAuthor.objects.create(publication=draft, author=first)
    assert byline_dates(draft) == {None}
    # A byline saved again by the ORM (its instance holding no date), or moved to another piece.
    byline = PublicationAuthor.objects.get(publication=piece, author=first)
    byline.position = 5
    byline.save()
    assert byline_dates(piece) == {stored_date(piece)}
    PublicationAuthor.objects.filter(publication=piece, author=second).update(publication=draft, position=1)
    assert byline_dates(draft) == {None}


def test_a_topic_filing_takes_its_piece_s_date_whatever_writes_it():
    first, second, third = TopicFactory(), TopicFactory(), TopicFactory()
    piece = PublicationFactory(published=True, topics=[first])
    other = PublicationFactory(published=True, published_at=timezone.now() - dt.timedelta(days=30))
    draft = PublicationFactory()

    # The many-to-many field (the factory, the admin's form): Django names the two ids only.
    assert filing_dates(piece) == {stored_date(piece)}
    piece.topics.set([first, second])
    assert filing_dates(piece) == {stored_date(piece)}
    # Raw SQL, given a wrong date: the piece's wins.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO publications_publication_topics (publication_id, topic_id, published_at)"
            " VALUES (%s, %s, now())",
            [other.pk, third.pk],
        )
    assert filing_dates(other) == {stored_date(other)}
    # A draft has no date, nor do its filings; a filing moved to another piece takes that piece's.
    draft.topics.add(first)
    assert filing_dates(draft) == {None}
    TopicFiling.objects.filter(publication=piece, topic=second).update(publication=draft)
    assert filing_dates(draft) == {None}
    assert filing_dates(piece) == {stored_date(piece)}


def test_an_outlet_s_piece_is_written_once_with_its_date_while_a_cross_post_is_there():
    first, second = OutletFactory(slug="first"), OutletFactory(slug="second")
    piece = PublicationFactory(published=True)
    draft = PublicationFactory()

    # Two cross-posts at one outlet (a translation and another form): one row, with the piece's date.
    translation = CrossPostFactory(publication=piece, outlet=first, relation=CrossPost.Relation.TRANSLATION)
    CrossPostFactory(publication=piece, outlet=first)
    assert outlets_of(piece) == ["first"]
    assert outlet_dates(piece) == {stored_date(piece)}
    # One of them gone: the other still puts the piece there; the last gone, the row goes.
    translation.delete()
    assert outlets_of(piece) == ["first"]
    CrossPost.objects.filter(publication=piece).delete()
    assert outlets_of(piece) == []
    # Raw SQL, and a cross-post moved to another outlet or piece (a draft: no date).
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO publications_crosspost (publication_id, outlet_id, url, relation, is_canonical,"
            " created_at, updated_at) VALUES (%s, %s, 'https://first.example/a', 'translation', false,"
            " now(), now())",
            [piece.pk, first.pk],
        )
    assert (outlets_of(piece), outlet_dates(piece)) == (["first"], {stored_date(piece)})
    CrossPost.objects.filter(publication=piece).update(outlet=second)
    assert outlets_of(piece) == ["second"]
    CrossPost.objects.filter(publication=piece).update(publication=draft)
    assert (outlets_of(piece), outlets_of(draft), outlet_dates(draft)) == ([], ["second"], {None})


@pytest.mark.parametrize(
    "dates", [byline_dates, filing_dates, outlet_dates], ids=["bylines", "topic filings", "outlets' pieces"]
)
def test_a_piece_s_date_moving_moves_its_links_dates(dates):
    author, topic, outlet = AuthorFactory(), TopicFactory(), OutletFactory()
    piece = PublicationFactory(
        published=True, authors=[author, AuthorFactory()], topics=[topic, TopicFactory()]
    )
    untouched = PublicationFactory(published=True, authors=[author], topics=[topic])
    for one in (piece, untouched):
        CrossPostFactory(publication=one, outlet=outlet)
    CrossPostFactory(publication=piece)
    before = dates(untouched)

    piece.published_at = timezone.now() - dt.timedelta(days=400)
    piece.save()
    assert dates(piece) == {stored_date(piece)}
    Publication.objects.filter(pk=piece.pk).update(published_at=timezone.now() + dt.timedelta(days=3))
    assert dates(piece) == {stored_date(piece)}
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE publications_publication SET published_at = NULL, status = 'draft' WHERE id = %s",
            [piece.pk],
        )
    assert dates(piece) == {None}
    assert dates(untouched) == before


def slugs(client, url: str, params: dict | None = None) -> list[str]:
    response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


@pytest.fixture
def prolific():
    """An author with three live pieces (two at the same time), a draft, a piece in the trash, a scheduled one
    and another author's live piece between theirs; each of theirs filed under one topic and cross-posted at
    one outlet too, and the other author's elsewhere."""
    author, topic = AuthorFactory(slug="prolific"), TopicFactory(slug="followed")
    outlet = OutletFactory(slug="followed-outlet")
    now = timezone.now()
    theirs = {"authors": [author], "topics": [topic]}
    live = [
        PublicationFactory(published=True, slug="newest", published_at=now - dt.timedelta(days=1), **theirs),
        PublicationFactory(published=True, slug="tie-a", published_at=now - dt.timedelta(days=2), **theirs),
        PublicationFactory(
            published=True,
            slug="tie-b",
            published_at=now - dt.timedelta(days=2),
            authors=[AuthorFactory(), author],
            topics=[TopicFactory(), topic],
        ),
    ]
    PublicationFactory(
        published=True,
        slug="someone-else",
        published_at=now - dt.timedelta(hours=36),
        topics=[TopicFactory()],
    )
    PublicationFactory(slug="draft", **theirs)
    trashed = PublicationFactory(
        published=True, slug="trashed", published_at=now - dt.timedelta(hours=12), **theirs
    )
    publication_trash(publication=trashed)
    scheduled = PublicationFactory(scheduled=True, slug="scheduled", **theirs)
    # At the outlet too: each of theirs, one of them twice (two cross-posts, listed once); the other's not.
    for piece in Publication.objects.filter(authorships__author=author):
        CrossPostFactory(publication=piece, outlet=outlet)
    CrossPostFactory(publication=live[0], outlet=outlet, relation=CrossPost.Relation.TRANSLATION)
    CrossPostFactory(publication=Publication.objects.get(slug="someone-else"))
    return author, live, scheduled


LISTS = {
    "author's publications": ("v1:author-publications", None),
    "author filter": ("v1:publication-list", "author"),
    "topic's publications": ("v1:topic-publications", None),
    "topic filter": ("v1:publication-list", "topic"),
    "outlet's publications": ("v1:outlet-publications", None),
    "outlet filter": ("v1:publication-list", "outlet"),
}


def followed_list(name: str) -> tuple[str, dict]:
    """The URL and parameters of one of LISTS for the prolific fixture's author or topic."""
    route, parameter = LISTS[name]
    slug = {"topic": "followed", "outlet": "followed-outlet"}.get(name.split("'")[0].split()[0], "prolific")
    if parameter:
        return reverse(route), {parameter: slug}
    return reverse(route, kwargs={"slug": slug}), {}


@pytest.mark.parametrize("name", list(LISTS))
def test_one_author_s_topic_s_or_outlet_s_list_shows_only_their_live_pieces_newest_first(
    client, prolific, name
):
    _author, live, scheduled = prolific
    url, params = followed_list(name)
    expected = [piece.slug for piece in sorted(live, key=lambda p: (p.published_at, p.pk), reverse=True)]

    response = client.get(url, params)

    assert [item["slug"] for item in response.json()["results"]] == expected
    assert response.json()["count"] == 3
    for hidden in (b"draft", b"trashed", b"scheduled", b"someone-else"):
        assert hidden not in response.content
    # Page by page and cursor by cursor, one piece a page: the same pieces in the same order (the two at
    # the same time apart by id, past a cursor's position too).
    paged = [
        slug for page in (1, 2, 3) for slug in slugs(client, url, {**params, "page": page, "page_size": 1})
    ]
    assert paged == expected
    cursored, next_url = (
        [],
        f"{url}?{'&'.join(f'{k}={v}' for k, v in params.items())}&mode=cursor&page_size=1",
    )
    while next_url:
        body = client.get(next_url).json()
        cursored += [item["slug"] for item in body["results"]]
        next_url = body["next"]
    assert cursored == expected
    # And back from the last page by the previous links (the walk the other way round).
    walked_back, previous_url = [], body["previous"]
    while previous_url:
        body = client.get(previous_url).json()
        walked_back = [item["slug"] for item in body["results"]] + walked_back
        previous_url = body["previous"]
    assert walked_back == expected[:-1]

    with time_machine.travel(scheduled.published_at + dt.timedelta(minutes=1)):
        assert slugs(client, url, params) == [scheduled.slug, *expected]


@pytest.mark.parametrize(
    ("name", "table"),
    [
        ("author's publications", "publications_publicationauthor"),
        ("topic filter", "publications_publication_topics"),
        ("outlet's publications", "publications_outletpiece"),
    ],
)
def test_one_author_s_topic_s_or_outlet_s_list_and_cursor_walk_their_links_by_date(
    client, prolific, name, table
):
    """The statements of an author's or a topic's page and of a cursor past it read the links' dates, so
    Postgres can walk the link's date index from the newest (or from the cursor's date) and stop at the
    page."""
    from django.test.utils import CaptureQueriesContext

    url, params = followed_list(name)
    with CaptureQueriesContext(connection) as first:
        next_url = client.get(url, {**params, "mode": "cursor", "page_size": 1}).json()["next"]
    with CaptureQueriesContext(connection) as second:
        client.get(next_url)

    date = f'"{table}"."published_at"'
    assert any(f"ORDER BY {date} DESC" in query["sql"] for query in first.captured_queries)
    # The time read as the statement runs, so Postgres keeps one generic plan (_TIME_UNPLANNED_STEPS).
    assert any(f"{date} <= (SELECT " in query["sql"] for query in first.captured_queries)
    assert any(f"{date} < " in query["sql"] for query in second.captured_queries)


@pytest.mark.parametrize(
    ("step", "slug"),
    [("by_author_slugs", "prolific"), ("in_topics", "followed"), ("cross_posted_at", "followed-outlet")],
)
def test_one_author_s_topic_s_or_outlet_s_pieces_in_any_state_are_still_found_outside_published_lists(
    prolific, step, slug
):
    # Only a list of published pieces (which all have a date) is read by the links' dates.
    _author, live, scheduled = prolific

    found = set(getattr(Publication.objects, step)([slug]).values_list("slug", flat=True))

    assert found == {*(piece.slug for piece in live), "draft", "trashed", scheduled.slug}


def test_one_series_list_reads_the_series_id_first_and_finds_only_its_live_pieces(client):
    """The series' id is a value the statement compares the piece's column with (a subquery, not a join by
    slug), so Postgres can walk publication_series_live_idx from the newest and stop at the page."""
    from django.test.utils import CaptureQueriesContext

    from tests.factories import SeriesFactory

    series = SeriesFactory(slug="followed-series")
    now = timezone.now()
    older = PublicationFactory(published=True, series=series, published_at=now - dt.timedelta(days=2))
    newer = PublicationFactory(published=True, series=series, published_at=now - dt.timedelta(days=1))
    PublicationFactory(series=series)
    PublicationFactory(scheduled=True, series=series)
    PublicationFactory(published=True)

    with CaptureQueriesContext(connection) as captured:
        found = slugs(client, reverse("v1:publication-list"), {"series": series.slug})

    assert found == [newer.slug, older.slug]
    assert any(
        '"publications_publication"."series_id" = (SELECT' in query["sql"]
        for query in captured.captured_queries
    )
