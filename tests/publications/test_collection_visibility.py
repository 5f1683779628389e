"""A topic, series or outlet with no live piece is not public: not in the API, feeds or sitemaps.

It becomes visible by itself when its first piece goes live (a scheduled piece at its time), with no job.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.utils import timezone

from publications.models import Outlet, Series, Topic
from tests.factories import CrossPostFactory, OutletFactory, PublicationFactory, SeriesFactory, TopicFactory

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
# The piece each hidden collection holds: anything but live.
NOT_LIVE = [{}, {"in_review": True}, {"scheduled": True}]


def collections_of(**state) -> tuple[Topic, Series, Outlet]:
    """A topic, series and outlet whose only piece is in `state` (a draft, in review or scheduled)."""
    topic, series, outlet = (
        TopicFactory(slug="quiet", name="Secret programme", description="Not yet announced."),
        SeriesFactory(slug="quiet", name="Secret series"),
        OutletFactory(slug="quiet", name="Secret outlet"),
    )
    piece = PublicationFactory(topics=[topic], series=series, **state)
    CrossPostFactory(publication=piece, outlet=outlet)
    return topic, series, outlet


def list_slugs(api_get, name: str) -> list[str]:
    return [item["slug"] for item in api_get(name).json()["results"]]


@pytest.mark.parametrize("state", NOT_LIVE)
@pytest.mark.parametrize("kind", ["topic", "series", "outlet"])
def test_a_collection_with_nothing_live_is_absent_from_the_api(api_get, state, kind):
    collections_of(**state)

    assert list_slugs(api_get, f"v1:{kind}-list") == []
    assert api_get(f"v1:{kind}-list").json()["count"] == 0
    for name in (f"v1:{kind}-detail", f"v1:{kind}-publications"):
        response = api_get(name, slug="quiet")
        assert response.status_code == 404, name
        assert "Secret" not in response.content.decode()


@pytest.mark.parametrize("kind", ["topic", "series", "outlet"])
def test_a_collection_with_a_live_piece_is_in_the_api(api_get, kind):
    collections_of(published=True)

    assert list_slugs(api_get, f"v1:{kind}-list") == ["quiet"]
    assert api_get(f"v1:{kind}-detail", slug="quiet").json()["publication_count"] == 1
    assert api_get(f"v1:{kind}-publications", slug="quiet").json()["count"] == 1


def test_a_collection_only_emptied_of_live_pieces_disappears_from_the_api(api_get):
    piece = PublicationFactory(published=True, topics=[TopicFactory(slug="quiet")])
    assert api_get("v1:topic-detail", slug="quiet").status_code == 200

    piece.status = piece.Status.DRAFT
    piece.save()

    assert api_get("v1:topic-detail", slug="quiet").status_code == 404


@pytest.mark.parametrize("state", NOT_LIVE)
@pytest.mark.parametrize("feed", ["topics", "series"])
@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_the_feed_of_a_collection_with_nothing_live_is_a_404(client, state, feed, fmt):
    collections_of(**state)

    response = client.get(f"/feeds/{feed}/quiet/{fmt}/")

    assert response.status_code == 404
    assert "Secret" not in response.content.decode()


def test_the_topic_sitemap_lists_only_topics_with_a_live_piece(client):
    collections_of(scheduled=True)
    PublicationFactory(published=True, topics=[TopicFactory(slug="open")])

    tree = ET.fromstring(client.get("/sitemap-topics.xml").content)

    assert [loc.text.rsplit("/", 2)[-2] for loc in tree.findall("sm:url/sm:loc", SITEMAP_NS)] == ["open"]


def test_a_scheduled_collection_appears_everywhere_at_its_time(client, api_get):
    collections_of(scheduled=True)
    at_its_time = timezone.now() + dt.timedelta(days=2)

    with time_machine.travel(at_its_time):
        assert list_slugs(api_get, "v1:topic-list") == ["quiet"]
        assert api_get("v1:series-detail", slug="quiet").status_code == 200
        assert api_get("v1:outlet-publications", slug="quiet").json()["count"] == 1
        assert client.get("/feeds/topics/quiet/rss/").status_code == 200
        assert client.get("/feeds/series/quiet/atom/").status_code == 200
