"""Nothing unpublished leaks through any public endpoint, and scheduled pieces appear by themselves."""

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from django.urls import reverse

from publications.models import Publication
from tests.factories import (
    AuthorFactory,
    CrossPostFactory,
    OutletFactory,
    PublicationFactory,
    SeriesFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


@dataclass
class World:
    author: object
    unpublished_author: object
    topic: object
    series: object
    outlet: object
    live: Publication
    draft: Publication
    in_review: Publication
    scheduled: Publication

    @property
    def hidden(self) -> list[Publication]:
        return [self.draft, self.in_review, self.scheduled]


@pytest.fixture
def world() -> World:
    author, unpublished_author = AuthorFactory(), AuthorFactory()
    topic, series, outlet = TopicFactory(), SeriesFactory(), OutletFactory()
    common = {"title": "Secret drone programme", "topics": [topic], "series": series}
    live = PublicationFactory(published=True, authors=[author], **common)
    pieces = {
        "draft": PublicationFactory(authors=[author, unpublished_author], **common),
        "in_review": PublicationFactory(in_review=True, authors=[unpublished_author, author], **common),
        "scheduled": PublicationFactory(scheduled=True, authors=[author, unpublished_author], **common),
    }
    for publication in [live, *pieces.values()]:
        CrossPostFactory(publication=publication, outlet=outlet)
    return World(author, unpublished_author, topic, series, outlet, live, **pieces)


def publication_lists(world: World) -> dict[str, tuple[str, dict]]:
    """Every public list of publications, with the parameters that select the world's pieces."""
    return {
        "list": (reverse("v1:publication-list"), {}),
        "search": (reverse("v1:publication-list"), {"q": "drone"}),
        "author filter": (reverse("v1:publication-list"), {"author": world.author.slug}),
        "topic filter": (reverse("v1:publication-list"), {"topic": world.topic.slug}),
        "series filter": (reverse("v1:publication-list"), {"series": world.series.slug}),
        "outlet filter": (reverse("v1:publication-list"), {"outlet": world.outlet.slug}),
        "cursor mode": (reverse("v1:publication-list"), {"mode": "cursor"}),
        "author's publications": (reverse("v1:author-publications", kwargs={"slug": world.author.slug}), {}),
        "topic's publications": (reverse("v1:topic-publications", kwargs={"slug": world.topic.slug}), {}),
        "series' publications": (reverse("v1:series-publications", kwargs={"slug": world.series.slug}), {}),
        "outlet's publications": (reverse("v1:outlet-publications", kwargs={"slug": world.outlet.slug}), {}),
    }


LISTS = [
    "list", "search", "author filter", "topic filter", "series filter", "outlet filter", "cursor mode",
    "author's publications", "topic's publications", "series' publications", "outlet's publications",
]  # fmt: skip


def slugs_in(client, url: str, params: dict) -> list[str]:
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


@pytest.mark.parametrize("name", LISTS)
def test_publication_lists_show_only_published_pieces(client, world, name):
    url, params = publication_lists(world)[name]
    response = client.get(url, params)

    assert [item["slug"] for item in response.json()["results"]] == [world.live.slug]
    assert response.json().get("count", 1) == 1
    for hidden in world.hidden:
        assert hidden.slug.encode() not in response.content


@pytest.mark.parametrize("name", LISTS)
def test_scheduled_piece_appears_in_lists_once_its_time_has_passed(client, world, name):
    url, params = publication_lists(world)[name]
    with time_machine.travel(world.scheduled.published_at + dt.timedelta(minutes=1)):
        assert set(slugs_in(client, url, params)) == {world.live.slug, world.scheduled.slug}


@pytest.mark.parametrize("state", ["draft", "in_review", "scheduled"])
def test_unpublished_publication_detail_is_404(client, world, state):
    publication = getattr(world, state)

    response = client.get(reverse("v1:publication-detail", kwargs={"slug": publication.slug}))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert publication.title.encode() not in response.content


def test_scheduled_publication_detail_appears_at_its_time(client, world):
    url = reverse("v1:publication-detail", kwargs={"slug": world.scheduled.slug})
    with time_machine.travel(world.scheduled.published_at + dt.timedelta(minutes=1)):
        assert client.get(url).status_code == 200


def test_related_publications_never_include_unpublished_pieces(client, world):
    url = reverse("v1:publication-detail", kwargs={"slug": world.live.slug})

    assert client.get(url).json()["related"] == []
    with time_machine.travel(world.scheduled.published_at + dt.timedelta(minutes=1)):
        assert [item["slug"] for item in client.get(url).json()["related"]] == [world.scheduled.slug]


def counts(client, world: World) -> dict[str, int]:
    """publication_count as every count-bearing endpoint reports it for the world's author and collections."""

    def detail(name: str, slug: str) -> int:
        return client.get(reverse(name, kwargs={"slug": slug})).json()["publication_count"]

    def in_list(name: str, slug: str) -> int:
        [item] = [i for i in client.get(reverse(name)).json()["results"] if i["slug"] == slug]
        return item["publication_count"]

    return {
        "author detail": detail("v1:author-detail", world.author.slug),
        "author list": in_list("v1:author-list", world.author.slug),
        "unpublished author detail": detail("v1:author-detail", world.unpublished_author.slug),
        "unpublished author list": in_list("v1:author-list", world.unpublished_author.slug),
        "topic detail": detail("v1:topic-detail", world.topic.slug),
        "topic list": in_list("v1:topic-list", world.topic.slug),
        "series detail": detail("v1:series-detail", world.series.slug),
        "series list": in_list("v1:series-list", world.series.slug),
        "outlet detail": detail("v1:outlet-detail", world.outlet.slug),
        "outlet list": in_list("v1:outlet-list", world.outlet.slug),
    }


def test_counts_include_only_published_pieces_until_scheduled_ones_go_live(client, world):
    before = counts(client, world)
    with time_machine.travel(world.scheduled.published_at + dt.timedelta(minutes=1)):
        after = counts(client, world)

    unpublished = {"unpublished author detail", "unpublished author list"}
    assert before == {name: 0 if name in unpublished else 1 for name in before}
    assert after == {name: 1 if name in unpublished else 2 for name in after}


def test_author_with_only_unpublished_work_has_a_bio_that_lists_nothing(client, world):
    detail = client.get(reverse("v1:author-detail", kwargs={"slug": world.unpublished_author.slug}))
    pieces = client.get(reverse("v1:author-publications", kwargs={"slug": world.unpublished_author.slug}))

    assert detail.status_code == 200
    assert detail.json()["publication_count"] == 0
    assert pieces.json() == {
        "count": 0,
        "count_is_exact": True,
        "pages": 1,
        "next": None,
        "previous": None,
        "results": [],
    }


def test_author_email_never_appears(client, world):
    for url in [
        reverse("v1:author-list"),
        reverse("v1:author-detail", kwargs={"slug": world.author.slug}),
        reverse("v1:publication-detail", kwargs={"slug": world.live.slug}),
        reverse("v1:publication-list"),
    ]:
        response = client.get(url)
        assert world.author.email.encode() not in response.content
        assert b"email" not in response.content
