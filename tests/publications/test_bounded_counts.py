"""Counts that cannot explode: publication lists count exactly up to API_EXACT_COUNT_LIMIT and say
`count_is_exact: false` beyond it, with no `pages` and no `last` link; pages past the bound still work."""

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
    PublicationFactory.create_batch(5, published=True)


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
