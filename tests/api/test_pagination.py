import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db

PUBLICATIONS = "/api/v1/publications/"


@pytest.fixture
def publications():
    now = timezone.now()
    # Two pieces share a publication time, so the cursor must break ties to visit both once.
    times = [now - dt.timedelta(hours=hours) for hours in (1, 2, 2, 3, 4, 5, 6)]
    return [PublicationFactory(published=True, published_at=moment) for moment in times]


def test_page_numbers_link_next_and_previous(client, publications):
    first = client.get(PUBLICATIONS, {"page_size": 3}).json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()

    assert first["count"] == second["count"] == third["count"] == 7
    assert first["previous"] is None
    assert parse_qs(urlparse(first["next"]).query) == {"page_size": ["3"], "page": ["2"]}
    assert parse_qs(urlparse(third["previous"]).query) == {"page_size": ["3"], "page": ["2"]}
    assert third["next"] is None
    assert client.get(second["previous"]).json() == first
    seen = [item["slug"] for page in (first, second, third) for item in page["results"]]
    assert sorted(seen) == sorted(p.slug for p in publications)


def test_default_page_size_is_twenty_and_the_maximum_is_hard(client, settings):
    PublicationFactory.create_batch(21, published=True)
    settings.API_MAX_PAGE_SIZE = 21

    assert len(client.get(PUBLICATIONS).json()["results"]) == 20
    assert len(client.get(PUBLICATIONS, {"page_size": 21}).json()["results"]) == 21
    assert client.get(PUBLICATIONS, {"page_size": 22}).status_code == 400


def test_empty_collection_has_an_empty_first_page(client):
    assert client.get(PUBLICATIONS).json() == {
        "count": 0,
        "count_is_exact": True,
        "pages": 1,
        "next": None,
        "previous": None,
        "results": [],
    }


@pytest.mark.parametrize(
    "extra", [{}, {"ordering": "title"}, {"ordering": "-updated"}, {"q": "publication"}], ids=str
)
def test_cursor_walk_visits_every_publication_exactly_once(client, publications, extra):
    params = {"mode": "cursor", "page_size": 2, **extra}
    page = client.get(PUBLICATIONS, params).json()
    seen = [item["slug"] for item in page["results"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        assert "count" not in page
        seen += [item["slug"] for item in page["results"]]

    assert len(seen) == len(set(seen)) == len(publications)
    assert set(seen) == {p.slug for p in publications}


def test_cursor_walk_follows_default_order_and_can_step_back(client, publications):
    first = client.get(PUBLICATIONS, {"mode": "cursor", "page_size": 3}).json()
    second = client.get(first["next"]).json()

    expected = [p.slug for p in sorted(publications, key=lambda p: (p.published_at, p.id), reverse=True)]
    assert [item["slug"] for item in first["results"] + second["results"]] == expected[:6]
    assert first["previous"] is None
    assert [item["slug"] for item in client.get(second["previous"]).json()["results"]] == expected[:3]
