"""Pagination as `Link` headers (RFC 8288): next/prev everywhere, first/last and `pages` where counted."""

import pytest
from django.utils.http import parse_header_parameters

from tests.factories import PublicationFactory, TopicFactory

pytestmark = pytest.mark.django_db

PUBLICATIONS = "/api/v1/publications/"


def links(response) -> dict[str, str]:
    """The Link header's targets by rel (several rels never share a target here)."""
    found = {}
    for part in response["Link"].split(", "):
        target, params = part.split(";", 1)
        _, parameters = parse_header_parameters(f"link;{params}")
        found.setdefault(parameters["rel"], target.strip().removeprefix("<").removesuffix(">"))
    return found


@pytest.fixture
def seven():
    return PublicationFactory.create_batch(7, published=True)


def test_page_mode_links_first_prev_next_last_and_counts_pages(client, seven):
    response = client.get(PUBLICATIONS, {"page_size": 3, "page": 2})
    body = response.json()

    assert body["pages"] == 3
    assert links(response) | {"alternate": None} == {
        "first": "http://testserver/api/v1/publications/?page_size=3",
        "prev": "http://testserver/api/v1/publications/?page_size=3",
        "next": "http://testserver/api/v1/publications/?page=3&page_size=3",
        "last": "http://testserver/api/v1/publications/?page=3&page_size=3",
        "alternate": None,
    }
    assert links(response)["next"] == body["next"]
    assert links(response)["prev"] == body["previous"]


def test_first_and_last_pages_have_no_prev_or_next(client, seven):
    first = links(client.get(PUBLICATIONS, {"page_size": 3}))
    last = links(client.get(PUBLICATIONS, {"page_size": 3, "page": 3}))

    assert "prev" not in first and first["next"].endswith("?page=2&page_size=3")
    assert "next" not in last and last["prev"].endswith("?page=2&page_size=3")


def test_an_empty_list_has_one_page(client):
    response = client.get(PUBLICATIONS)

    assert response.json()["pages"] == 1
    assert links(response)["last"] == links(response)["first"] == "http://testserver/api/v1/publications/"


def test_links_are_one_header_with_the_feed_alternates(client, seven):
    response = client.get(PUBLICATIONS, {"page_size": 3})

    rels = [part.split('rel="')[1].split('"')[0] for part in response["Link"].split(", ")]
    assert rels == ["first", "next", "last", "alternate", "alternate", "alternate"]


def test_cursor_mode_links_next_and_prev(client, seven):
    first = client.get(PUBLICATIONS, {"mode": "cursor", "page_size": 3})
    second = client.get(first.json()["next"])

    assert "pages" not in first.json()
    assert links(first)["next"] == first.json()["next"]
    assert "prev" not in links(first) and "last" not in links(first)
    assert links(second)["prev"] == second.json()["previous"]
    assert links(second)["next"] == second.json()["next"]


def test_collections_lists_link_pages_too(client):
    TopicFactory.create_batch(3)
    for topic in TopicFactory._meta.model.objects.all():
        PublicationFactory(published=True, topics=[topic])

    response = client.get("/api/v1/topics/", {"page_size": 2})

    assert response.json()["pages"] == 2
    assert links(response)["next"] == "http://testserver/api/v1/topics/?page=2&page_size=2"


def test_a_cached_page_keeps_its_links(client, seven, settings):
    settings.API_CACHE = True
    fresh = client.get(PUBLICATIONS, {"page_size": 3, "page": 2})
    cached = client.get(PUBLICATIONS, {"page_size": 3, "page": 2})

    assert cached["Link"] == fresh["Link"]
    assert "next" in links(cached)
