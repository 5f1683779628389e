"""A search's ranked window kept with its count (API_CACHE_COUNTS): pages are slices of the kept ids, in the
same order as ranking on every request, and the published rule still holds at read time."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from publications import querysets
from publications.models import Publication
from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db

WINDOW = 4


@pytest.fixture
def small_window(monkeypatch):
    """A ranked window of WINDOW matches, so a handful of pieces has matches past it."""
    monkeypatch.setattr(querysets, "SEARCH_RANK_WINDOW", WINDOW)


def every_page(client, size: int) -> list[list[str]]:
    pages, number = [], 1
    while True:
        response = client.get(
            reverse("v1:publication-list"), {"q": "drone", "page": number, "page_size": size}
        )
        if response.status_code == 404:
            return pages
        assert response.status_code == 200, response.content
        pages.append([item["slug"] for item in response.json()["results"]])
        number += 1


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_pages_of_a_kept_window_are_those_ranked_on_every_request(
    client, settings, small_window, matches, size
):
    settings.API_CACHE = False
    settings.API_CACHE_COUNTS = False
    ranked_every_time = every_page(client, size)
    settings.API_CACHE_COUNTS = True

    kept = every_page(client, size)

    assert kept == ranked_every_time
    # The newest WINDOW matches by relevance, the older ones after them by date.
    newest, older = matches[:WINDOW], matches[WINDOW:]
    assert [slug for page in kept for slug in page] == [
        *(p.slug for p in (newest[3], newest[1], newest[2], newest[0])),
        *(p.slug for p in older),
    ]


def test_a_page_inside_a_kept_window_is_not_ranked_again(client, settings, small_window, matches):
    settings.API_CACHE = False
    settings.API_CACHE_COUNTS = True
    url = reverse("v1:publication-list")
    client.get(url, {"q": "drone"})  # keeps the count and the window

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"q": "drone", "page_size": 2, "page": 2})

    assert response.status_code == 200
    assert [item["slug"] for item in response.json()["results"]] == [matches[2].slug, matches[0].slug]
    # The snippets are written for the page's rows; no stored vector is ranked.
    assert not [q["sql"] for q in queries.captured_queries if "ts_rank" in q["sql"]]


def test_a_kept_id_no_longer_published_is_not_shown(client, settings, small_window, matches):
    settings.API_CACHE = False
    settings.API_CACHE_COUNTS = True
    url = reverse("v1:publication-list")
    first = client.get(url, {"q": "drone", "page_size": 2}).json()["results"]
    assert first[0]["slug"] == matches[3].slug
    # Unpublished behind the cache's back (as between a request's read of the kept window and its page):
    # update() sends no signal, so the kept entry stays.
    Publication.objects.filter(pk=matches[3].pk).update(status=Publication.Status.DRAFT)

    shown = client.get(url, {"q": "drone", "page_size": 2}).json()["results"]

    # The window as it is now, ranked afresh: the full page without the unpublished piece.
    assert [item["slug"] for item in shown] == [matches[1].slug, matches[2].slug]


def test_a_scheduled_match_appears_at_its_time_in_a_kept_window(client, settings, small_window, matches):
    settings.API_CACHE = False
    settings.API_CACHE_COUNTS = True
    url = reverse("v1:publication-list")
    scheduled = PublicationFactory(scheduled=True, title="Drone drone drone drone policy")
    before = client.get(url, {"q": "drone"}).json()
    assert scheduled.slug not in {item["slug"] for item in before["results"]}

    with time_machine.travel(scheduled.published_at + dt.timedelta(minutes=1)):
        after = client.get(url, {"q": "drone"}).json()

    assert after["count"] == before["count"] + 1
    assert after["results"][0]["slug"] == scheduled.slug
