"""A list filtered by several authors, topics, series or outlets holding few pieces among them reads those
pieces from their links and sorts them, rather than walking every live piece newest first (a second at
100,000 pieces for two topics with a few old pieces each); with many, it walks. Both plans list the same live
pieces in the same order, by page and by cursor, and a scheduled piece joins at its time."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from publications import querysets
from publications.models import Publication, TopicPublicationStats
from publications.related import publication_stats_rebuild_missing
from publications.services import publication_trash
from tests.factories import (
    AuthorFactory,
    CrossPostFactory,
    OutletFactory,
    PublicationFactory,
    SeriesFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/publications/"
KINDS = ("author", "topic", "series", "outlet")


@pytest.fixture
def pair():
    """Two authors, two topics, two series and two outlets (`first`, `second` of each) and their pieces: one
    each alone, two shared (at the same time; a series' pieces are its own, so one in each), and another's
    piece between; a draft, a piece in the trash, a withdrawn one and a scheduled one of both."""
    now = timezone.now()
    authors = [AuthorFactory(slug="first"), AuthorFactory(slug="second")]
    topics = [TopicFactory(slug="first"), TopicFactory(slug="second")]
    series = [SeriesFactory(slug="first"), SeriesFactory(slug="second")]
    outlets = [OutletFactory(slug="first"), OutletFactory(slug="second")]

    def piece(slug: str, days: float, which: list[int], **state) -> Publication:
        made = PublicationFactory(
            slug=slug,
            published_at=now - dt.timedelta(days=days),
            authors=[authors[i] for i in which] or [AuthorFactory()],
            topics=[topics[i] for i in which] or [TopicFactory()],
            series=series[which[0]] if which else None,
            **state,
        )
        for i in which:
            CrossPostFactory(publication=made, outlet=outlets[i])
        return made

    live = [
        piece("only-first", 1, [0], published=True),
        piece("shared-a", 3, [0, 1], published=True),
        piece("shared-b", 3, [1, 0], published=True),
        piece("only-second", 400, [1], published=True),
    ]
    piece("someone-else", 2, [], published=True)
    piece("draft", 5, [0, 1])
    publication_trash(publication=piece("trashed", 6, [0, 1], published=True))
    piece("withdrawn", 7, [0, 1], status="withdrawn")
    scheduled = PublicationFactory(
        scheduled=True, slug="scheduled", authors=authors, topics=topics, series=series[1]
    )
    CrossPostFactory(publication=scheduled, outlet=outlets[1])
    return live, scheduled


def newest_first(pieces: list[Publication]) -> list[str]:
    return [p.slug for p in sorted(pieces, key=lambda p: (p.published_at, p.pk), reverse=True)]


def slugs(client, url: str, params: dict | None = None) -> list[str]:
    response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


def walked(client, url: str) -> tuple[list[str], list[str]]:
    """A cursor walk of `url` to its end, one piece a page, and back from there by the previous links."""
    forward, next_url, body = [], url, {}
    while next_url:
        body = client.get(next_url).json()
        forward += [item["slug"] for item in body["results"]]
        next_url = body["next"]
    back, previous_url = [], body["previous"]
    while previous_url:
        body = client.get(previous_url).json()
        back = [item["slug"] for item in body["results"]] + back
        previous_url = body["previous"]
    return forward, back


@pytest.fixture(params=["few", "walked"])
def plan(request, monkeypatch):
    """Each list read both ways: from the links (the default bound) and walked (a bound nothing is under)."""
    if request.param == "walked":
        monkeypatch.setattr(querysets, "FEW_LINKED", -1)
    return request.param


@pytest.mark.parametrize("kind", KINDS)
def test_several_keys_list_only_their_live_pieces_newest_first_either_way(client, pair, plan, kind):
    live, scheduled = pair
    expected = newest_first(live)
    params = {kind: ["first", "second"]}

    response = client.get(LIST, params)

    assert [item["slug"] for item in response.json()["results"]] == expected
    assert response.json()["count"] == 4
    for hidden in (b"draft", b"trashed", b"withdrawn", b"scheduled", b"someone-else"):
        assert hidden not in response.content
    paged = [
        slug
        for page in (1, 2, 3, 4)
        for slug in slugs(client, LIST, {**params, "page": page, "page_size": 1})
    ]
    assert paged == expected
    forward, back = walked(client, f"{LIST}?{kind}=first&{kind}=second&mode=cursor&page_size=1")
    assert forward == expected
    assert back == expected[:-1]
    # Comma-separated, repeated or with an unknown slug: the same list.
    assert slugs(client, LIST, {kind: "second,first,nobody,first"}) == expected
    # The other filters still apply.
    assert slugs(client, LIST, {**params, "published_before": live[1].published_at.isoformat()}) == [
        slug for slug in expected if slug in ("shared-a", "shared-b", "only-second")
    ]
    assert slugs(client, LIST, {**params, "ordering": "title"}) == [
        p.slug for p in sorted(live, key=lambda p: (p.title, p.pk))
    ]

    with time_machine.travel(scheduled.published_at + dt.timedelta(minutes=1)):
        assert slugs(client, LIST, params) == [scheduled.slug, *expected]


@pytest.mark.parametrize("kind", KINDS)
def test_several_keys_feed_lists_the_same_pieces_either_way(client, pair, plan, kind):
    live, _scheduled = pair

    items = client.get("/feeds/json/", {kind: ["first", "second"]}).json()["items"]

    assert [item["url"].rstrip("/").rsplit("/", 1)[-1] for item in items] == newest_first(live)


@pytest.mark.parametrize("kind", KINDS)
def test_several_keys_with_few_pieces_are_read_from_their_links_and_many_are_walked(
    client, pair, monkeypatch, kind
):
    def statements(page_size: int) -> str:
        # Another page size each time: not a response the cache holds.
        params = {kind: ["first", "second"], "mode": "cursor", "page_size": page_size}
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST, params).status_code == 200
        return "\n".join(query["sql"] for query in captured.captured_queries)

    few = statements(2)
    monkeypatch.setattr(querysets, "FEW_LINKED", 3)
    many = statements(3)

    assert '"publications_publication"."id" = ANY(ARRAY(SELECT' in few
    assert '"publications_publication"."id" = ANY(ARRAY(SELECT' not in many
    # Walked: the links probed piece by piece (a series: its slug joined).
    assert ("EXISTS" if kind != "series" else '"publications_series"."slug" IN') in many


def test_the_plan_follows_the_stored_counts_when_there_are_some(client, pair, monkeypatch):
    publication_stats_rebuild_missing()
    monkeypatch.setattr(querysets, "FEW_LINKED", 5)
    # Stored: 3 and 3 (the scheduled piece not yet counted), over 5.
    assert not Publication.objects.published()._few_linked(TopicPublicationStats, ["first", "second"])
    assert Publication.objects.published()._few_linked(TopicPublicationStats, ["first", "nobody"])

    TopicPublicationStats.objects.filter(topic__slug="second").update(count=1)

    assert Publication.objects.published()._few_linked(TopicPublicationStats, ["first", "second"])
    # Without a stored count a topic's filings are counted (in any state, up to the bound): 6, over 5.
    TopicPublicationStats.objects.filter(topic__slug="second").delete()
    assert not Publication.objects.published()._few_linked(TopicPublicationStats, ["first", "second"])


@pytest.mark.parametrize("step", ["by_author_slugs", "in_topics", "in_series", "cross_posted_at"])
def test_several_keys_pieces_in_any_state_are_still_found_outside_published_lists(pair, step):
    live, _scheduled = pair

    found = set(getattr(Publication.objects, step)(["first", "second"]).values_list("slug", flat=True))

    assert {*(piece.slug for piece in live), "draft", "trashed", "withdrawn"} <= found


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("ordering", ["title", "-updated"])
def test_one_key_ordered_otherwise_than_by_date_lists_the_same_pieces_either_way(
    client, pair, plan, kind, ordering
):
    live, _scheduled = pair
    mine = [piece for piece in live if piece.slug in ("only-first", "shared-a", "shared-b")]
    if kind == "series":  # a series' pieces are its own: shared-b is the second's
        mine = mine[:2]
    key = {"title": lambda p: (p.title, p.pk), "updated": lambda p: (p.updated_at, p.pk)}[
        ordering.lstrip("-")
    ]
    expected = [p.slug for p in sorted(mine, key=key, reverse=ordering.startswith("-"))]

    assert slugs(client, LIST, {kind: "first", "ordering": ordering}) == expected
    forward, back = walked(client, f"{LIST}?{kind}=first&ordering={ordering}&mode=cursor&page_size=1")
    assert forward == expected
    assert back == expected[:-1]


@pytest.mark.parametrize("kind", KINDS)
def test_one_key_with_few_pieces_is_read_from_its_links_only_when_not_ordered_by_date(client, pair, kind):
    def statements(**params: str) -> str:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST, {kind: "first", **params}).status_code == 200
        return "\n".join(query["sql"] for query in captured.captured_queries)

    few = '"publications_publication"."id" = ANY(ARRAY(SELECT'
    assert few in statements(ordering="title")
    assert few in statements(ordering="-updated")
    # By date, one key's list walks its links' date index (test_link_dates), whatever it holds.
    assert few not in statements()
    assert few not in statements(ordering="published")
