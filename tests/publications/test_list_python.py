"""The Python a list page runs around its statement (issue 16, the cold list path): each piece of work done
once, and none whose result is already known (a lazy list's order, a row's instance, a page's links)."""

import datetime as dt

import pytest
from django.http import HttpRequest, QueryDict
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.utils.urls import remove_query_param, replace_query_param

from authors.querysets import AuthorQuerySet
from cissapi.api.pagination import ApiCursorPagination, ApiPagination
from publications.api.filters import PublicationFilterSet
from publications.models import Publication
from publications.querysets import ItemAddresses, _item_row_fields
from tests.calls import recorded_calls
from tests.factories import AuthorFactory, PublicationFactory

pytestmark = pytest.mark.django_db

PUBLICATIONS = "/api/v1/publications/"
ADDRESSES = ItemAddresses(
    publication_url=("http://api.test/api/v1/publications/", "/"),
    author_url=("http://api.test/api/v1/authors/", "/"),
    topic_url=("http://api.test/api/v1/topics/", "/"),
    site_url="https://site.test",
    media_url="https://media.test/",
    time_zone="Asia/Karachi",
)


@pytest.fixture
def five_days(settings):
    settings.API_CACHE = False  # every answer built anew
    return [
        PublicationFactory(
            published=True, title=f"Day {day}", published_at=dt.datetime(2025, 3, day, 10, tzinfo=dt.UTC)
        )
        for day in range(1, 6)
    ]


def test_a_cursor_page_of_a_lazy_list_builds_no_query(five_days):
    live = Publication.objects.published().as_items(ADDRESSES)
    ordering = live.known_ordering()

    page = live.order_by(*ordering).filter(published_at__lt="2025-03-04 10:00:00+00:00")[0:2]

    assert ordering == ("-published_at", "-id")
    assert [piece.title for piece in page] == ["Day 3", "Day 2"]
    assert page._lazy
    assert page._query.where.children == []


def test_only_a_lazy_list_without_a_search_knows_its_order_unbuilt():
    live = Publication.objects.published()

    assert live.search("rivers").known_ordering() is None
    assert live.in_topics(["ice"]).as_items(ADDRESSES)._among(1, 2).known_ordering() is None
    assert live.filter(type=Publication.Type.REPORT).known_ordering() is None


def test_a_lazy_lists_malformed_position_fails_as_the_lookup_would():
    live = Publication.objects.published().as_items(ADDRESSES)

    with pytest.raises(Exception) as lazily:
        live.filter(published_at__lt="not a date")
    with pytest.raises(Exception) as built:
        Publication.objects.all().filter(published_at__lt="not a date")

    assert type(lazily.value) is type(built.value)


def test_a_list_rows_instances_are_what_from_db_makes_of_them(five_days):
    piece = five_days[0]
    names = _item_row_fields()

    (item,) = Publication.objects.published().filter(pk=piece.pk).as_items(ADDRESSES)[:1]
    loaded = Publication.from_db("default", list(names), [getattr(item, name) for name in names])

    # Besides the row's fields, an item carries what its statement read with it.
    carried = {"_state", "item", "author_ids", "topic_ids"}
    assert {k: v for k, v in vars(item).items() if k not in carried} == {
        k: v for k, v in vars(loaded).items() if k != "_state"
    }
    assert (item._state.adding, item._state.db) == (loaded._state.adding, loaded._state.db)
    assert item.get_deferred_fields() == loaded.get_deferred_fields()
    # A deferred field still loads on access.
    assert item.slug == piece.slug
    assert item == piece


def test_a_cursor_page_encodes_each_link_once(client, five_days):
    first = client.get(PUBLICATIONS, {"mode": "cursor", "page_size": 2}).json()

    with recorded_calls(ApiCursorPagination, "encode_cursor", lambda paginator, cursor: cursor) as encoded:
        response = client.get(first["next"])

    body = response.json()
    assert [item["title"] for item in body["results"]] == ["Day 3", "Day 2"]
    assert body["next"] and body["previous"]
    assert len(encoded) == 2
    assert f'<{body["next"]}>; rel="next"' in response["Link"]


def test_a_pages_links_read_the_requests_url_once(client, five_days):
    with recorded_calls(HttpRequest, "build_absolute_uri", lambda request, location=None: location) as built:
        body = client.get(PUBLICATIONS, {"page_size": 2, "page": 2}).json()

    assert body["next"] == "http://testserver/api/v1/publications/?page=3&page_size=2"
    assert body["previous"] == "http://testserver/api/v1/publications/?page_size=2"
    # The request's own URL (None) once for first, prev, next and last; the origin for the items' URLs.
    assert built.count(None) == 1


def test_a_list_rows_times_are_the_ones_the_orm_reads():
    piece = PublicationFactory(
        published=True, published_at=dt.datetime(1969, 7, 20, 20, 17, 40, 123456, tzinfo=dt.UTC)
    )
    Publication.objects.filter(pk=piece.pk).update(
        updated_at=dt.datetime(2031, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC)
    )
    orm = Publication.objects.get(pk=piece.pk)

    (item,) = Publication.objects.published().filter(pk=piece.pk).as_items(ADDRESSES)[:1]

    for name in ("published_at", "updated_at"):
        assert getattr(item, name) == getattr(orm, name)
        # A cursor's position is the time's text (DRF's str()), which the tzinfo and microseconds shape.
        assert str(getattr(item, name)) == str(getattr(orm, name))


def test_a_filtered_list_cleans_only_the_filters_its_request_gives():
    filterset = PublicationFilterSet(
        QueryDict("topic=ice&topic_match=all"), queryset=Publication.objects.published()
    )

    assert list(filterset.form.fields) == ["topic", "topic_match"]
    assert filterset.is_valid()
    assert list(PublicationFilterSet(queryset=Publication.objects.none()).form.fields) == list(
        PublicationFilterSet.base_filters
    )


def test_each_bad_filter_of_a_list_is_still_named(client):
    response = client.get(PUBLICATIONS, {"type": "poem", "published_after": "yesterday", "topic": "a b"})

    assert response.status_code == 400
    named = [error["parameter"] for error in response.json()["errors"]]
    assert sorted(named) == ["published_after", "topic", "type"]


def test_a_collections_list_with_pieces_builds_no_query_for_the_collection(client, five_days):
    author = AuthorFactory(slug="amna")
    PublicationFactory(published=True, authors=[author])
    client.get("/api/v1/authors/amna/publications/")  # the served schema, built for the first response

    with recorded_calls(AuthorQuerySet, "public") as looked_up:
        found = client.get("/api/v1/authors/amna/publications/")
    with recorded_calls(AuthorQuerySet, "public") as looked_up_for_none:
        missing = client.get("/api/v1/authors/nobody/publications/")

    assert (found.status_code, len(found.json()["results"])) == (200, 1)
    assert looked_up == []
    assert missing.status_code == 404
    assert len(looked_up_for_none) == 1


def test_a_lists_last_modified_is_its_pieces_newest_edit_or_going_live(client, five_days):
    edited = five_days[0]
    Publication.objects.filter(pk=edited.pk).update(updated_at=dt.datetime(2025, 6, 1, 8, tzinfo=dt.UTC))
    Publication.objects.exclude(pk=edited.pk).update(updated_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))

    newest_edit = client.get(PUBLICATIONS)
    newest_going_live = client.get(PUBLICATIONS, {"page_size": 2})

    assert newest_edit["Last-Modified"] == "Sun, 01 Jun 2025 08:00:00 GMT"
    # Days 5 and 4, unedited since January: the newest went live on 5 March.
    assert newest_going_live["Last-Modified"] == "Wed, 05 Mar 2025 10:00:00 GMT"


@pytest.mark.parametrize(
    "query",
    [
        "",
        "page=3",
        "topic=a&topic=b&page=3&q=caf%C3%A9+au+lait&z=&page_size=2",
        "zz=1&aa=2&pagination=x&pag=y",
        "q=%26%3D%2B&ordering=-title,published",
    ],
)
def test_a_pages_links_are_drfs_query_replacements(rf, query):
    paginator = ApiPagination()
    paginator.request = Request(
        rf.get(f"/api/v1/publications/?{query}" if query else "/api/v1/publications/")
    )
    url = paginator.request.build_absolute_uri()

    assert paginator.page_link(1) == remove_query_param(url, "page")
    for number in (2, 7, 10_000):
        assert paginator.page_link(number) == replace_query_param(url, "page", number)


@pytest.mark.parametrize(
    "query", ["mode=cursor", "cursor=cD0yMDI1&mode=cursor&page_size=2", "a=%26&cursor=x&mode=cursor&z="]
)
def test_a_cursor_pages_links_are_drfs(rf, query):
    ours, drfs = ApiCursorPagination(), CursorPagination()
    ours.base_url = drfs.base_url = Request(rf.get(f"{PUBLICATIONS}?{query}")).build_absolute_uri()

    for cursor in [
        Cursor(offset=0, reverse=False, position="2025-03-04 10:00:00+00:00"),
        Cursor(offset=3, reverse=True, position="2025-03-04 10:00:00.250000+00:00"),
        Cursor(offset=2, reverse=False, position=None),
        Cursor(offset=0, reverse=True, position="A title & more"),
    ]:
        assert ours.encode_cursor(cursor) == drfs.encode_cursor(cursor)
