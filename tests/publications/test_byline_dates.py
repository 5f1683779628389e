"""Each byline carries its piece's `published_at`, kept by the database whatever writes either table; an
author's list reads it in date order, and still shows only what is live (read from the piece itself)."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from publications.models import Publication, PublicationAuthor
from publications.services import publication_trash
from tests.factories import AuthorFactory, PublicationFactory

pytestmark = pytest.mark.django_db


def byline_dates(publication: Publication) -> set:
    """The dates the piece's bylines carry, as stored."""
    return set(
        PublicationAuthor.objects.filter(publication=publication).values_list("published_at", flat=True)
    )


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


def test_a_piece_s_date_moving_moves_its_bylines_dates():
    author = AuthorFactory()
    piece = PublicationFactory(published=True, authors=[author, AuthorFactory()])
    untouched = PublicationFactory(published=True, authors=[author])
    before = byline_dates(untouched)

    piece.published_at = timezone.now() - dt.timedelta(days=400)
    piece.save()
    assert byline_dates(piece) == {stored_date(piece)}
    Publication.objects.filter(pk=piece.pk).update(published_at=timezone.now() + dt.timedelta(days=3))
    assert byline_dates(piece) == {stored_date(piece)}
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE publications_publication SET published_at = NULL, status = 'draft' WHERE id = %s",
            [piece.pk],
        )
    assert byline_dates(piece) == {None}
    assert byline_dates(untouched) == before


def slugs(client, url: str, params: dict | None = None) -> list[str]:
    response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


@pytest.fixture
def prolific():
    """An author with three live pieces (two at the same time), a draft, a piece in the trash, a scheduled one
    and another author's live piece between theirs."""
    author = AuthorFactory(slug="prolific")
    now = timezone.now()
    live = [
        PublicationFactory(
            published=True, slug="newest", published_at=now - dt.timedelta(days=1), authors=[author]
        ),
        PublicationFactory(
            published=True, slug="tie-a", published_at=now - dt.timedelta(days=2), authors=[author]
        ),
        PublicationFactory(
            published=True,
            slug="tie-b",
            published_at=now - dt.timedelta(days=2),
            authors=[AuthorFactory(), author],
        ),
    ]
    PublicationFactory(published=True, slug="someone-else", published_at=now - dt.timedelta(hours=36))
    PublicationFactory(slug="draft", authors=[author])
    trashed = PublicationFactory(
        published=True, slug="trashed", published_at=now - dt.timedelta(hours=12), authors=[author]
    )
    publication_trash(publication=trashed)
    scheduled = PublicationFactory(scheduled=True, slug="scheduled", authors=[author])
    return author, live, scheduled


def author_lists(slug: str) -> dict[str, tuple[str, dict]]:
    return {
        "author's publications": (reverse("v1:author-publications", kwargs={"slug": slug}), {}),
        "author filter": (reverse("v1:publication-list"), {"author": slug}),
    }


@pytest.mark.parametrize("name", ["author's publications", "author filter"])
def test_one_author_s_list_shows_only_their_live_pieces_newest_first(client, prolific, name):
    author, live, scheduled = prolific
    url, params = author_lists(author.slug)[name]
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

    with time_machine.travel(scheduled.published_at + dt.timedelta(minutes=1)):
        assert slugs(client, url, params) == [scheduled.slug, *expected]


def test_one_author_s_list_and_cursor_walk_their_bylines_by_date(client, prolific):
    """The statements of an author's page and of a cursor past it read the bylines' dates, so Postgres can
    walk publicationauthor_date_idx from the newest (or from the cursor's date) and stop at the page."""
    from django.test.utils import CaptureQueriesContext

    author, _live, _scheduled = prolific
    url = reverse("v1:author-publications", kwargs={"slug": author.slug})
    with CaptureQueriesContext(connection) as first:
        next_url = client.get(url, {"mode": "cursor", "page_size": 1}).json()["next"]
    with CaptureQueriesContext(connection) as second:
        client.get(next_url)

    date = '"publications_publicationauthor"."published_at"'
    assert any(f"{date} = " in query["sql"] for query in first.captured_queries)
    assert any(f"{date} < " in query["sql"] for query in second.captured_queries)


def test_one_author_s_pieces_in_any_state_are_still_found_outside_published_lists(prolific):
    # Only a list of published pieces (which all have a date) is read by the bylines' dates.
    author, live, scheduled = prolific

    found = set(Publication.objects.by_author_slugs([author.slug]).values_list("slug", flat=True))

    assert found == {*(piece.slug for piece in live), "draft", "trashed", scheduled.slug}
