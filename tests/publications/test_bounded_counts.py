"""Counts that cannot explode: publication lists count exactly up to API_EXACT_COUNT_LIMIT and say
`count_is_exact: false` beyond it, with no `pages` and no `last` link; pages past the bound still work, but
for a search, whose pages reach as far as its count does."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db

LIST = reverse("v1:publication-list")


@pytest.fixture(params=[True, False], ids=["counts-cached", "counts-not-cached"])
def five_pieces(request, settings):
    settings.API_CACHE_COUNTS = request.param
    PublicationFactory.create_batch(5, published=True, title="Maritime doctrine")


def links(response) -> str:
    return response.headers.get("Link", "")


def test_a_count_beyond_the_bound_is_the_bound_and_not_exact(client, settings, five_pieces):
    settings.API_EXACT_COUNT_LIMIT = 3

    response = client.get(LIST, {"page_size": 2})
    body = response.json()

    assert (body["count"], body["count_is_exact"]) == (3, False)
    assert "pages" not in body
    assert body["next"] is not None
    assert 'rel="last"' not in links(response)
    assert 'rel="next"' in links(response)


def test_pages_past_the_bound_are_served_until_the_rows_end(client, settings, five_pieces):
    settings.API_EXACT_COUNT_LIMIT = 3

    third = client.get(LIST, {"page_size": 2, "page": 3}).json()

    assert len(third["results"]) == 1
    assert third["next"] is None
    assert client.get(LIST, {"page_size": 2, "page": 4}).status_code == 404


def test_a_count_within_the_bound_is_exact_with_its_pages(client, settings, five_pieces):
    settings.API_EXACT_COUNT_LIMIT = 5

    response = client.get(LIST, {"page_size": 2})
    body = response.json()

    assert (body["count"], body["count_is_exact"], body["pages"]) == (5, True, 3)
    assert 'rel="last"' in links(response)


def test_the_count_stops_reading_at_the_bound(client, settings):
    settings.API_CACHE_COUNTS = False
    settings.API_EXACT_COUNT_LIMIT = 10_000

    with CaptureQueriesContext(connection) as queries:
        client.get(LIST)

    statements = [sql for query in queries if "SELECT COUNT(*) FROM (SELECT" in (sql := query["sql"])]
    assert len(statements) == 1
    # The count is the first column of the page's statement: the ids only, up to one past the bound (the
    # listing's columns are not built for the rows counted).
    count = re.match(
        r"SELECT \((SELECT COUNT\(\*\) FROM \(SELECT .*? LIMIT 10001\) subquery)\), ", statements[0], re.S
    )
    assert count is not None
    assert "JSON" not in count[1]


def test_a_searchs_pages_reach_as_far_as_its_count(client, settings, five_pieces):
    settings.API_EXACT_COUNT_LIMIT = 3

    second = client.get(LIST, {"q": "maritime", "page_size": 2, "page": 2})
    third = client.get(LIST, {"q": "maritime", "page_size": 2, "page": 3})

    # The second page holds the third match: the last one page numbers reach, with no next page.
    assert second.status_code == 200
    assert (second.json()["count"], second.json()["count_is_exact"]) == (3, False)
    assert len(second.json()["results"]) == 2
    assert second.json()["next"] is None
    assert 'rel="next"' not in links(second)
    # Past it: a 404, as past a list's last page, naming the page and saying how to go on.
    assert third.status_code == 404
    assert third["Content-Type"].startswith("application/problem+json")
    problem = third.json()
    assert "page" in problem["detail"]
    assert "mode=cursor" in problem["detail"]
    # Whatever else the request names: an author who does not exist is no different.
    assert client.get("/api/v1/authors/nobody/publications/?q=maritime&page=99999999").status_code == 404
    # The list without a search still pages on until its rows end.
    assert client.get(LIST, {"page_size": 2, "page": 3}).status_code == 200


def test_a_cursor_walks_a_search_past_the_bound(client, settings, five_pieces):
    settings.API_EXACT_COUNT_LIMIT = 3
    seen, url = [], f"{LIST}?q=maritime&mode=cursor&page_size=2"
    while url:
        body = client.get(url).json()
        seen += [item["slug"] for item in body["results"]]
        url = body["next"]

    assert len(seen) == len(set(seen)) == 5


def test_the_sites_search_pages_reach_as_far_as_its_count(client, settings, five_pieces):
    settings.API_EXACT_COUNT_LIMIT = 3
    settings.API_PAGE_SIZE = 2
    search = reverse("website:search")

    second = client.get(search, {"q": "maritime", "page": 2})

    assert second.status_code == 200
    assert "page=3" not in second.content.decode()
    assert client.get(search, {"q": "maritime", "page": 3}).status_code == 404
