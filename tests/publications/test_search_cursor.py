"""Cursor mode over a search's relevance order: the order page numbers give (the newest matches ranked, the
older ones by date), walked forward and back by the row's place in it, whatever is published meanwhile."""

import base64
import datetime as dt
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from publications import querysets
from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db

WINDOW = 4
URL = "/api/v1/publications/"


@pytest.fixture(autouse=True)
def fresh(settings, monkeypatch):
    """Every request ranks anew (nothing kept), over a window of WINDOW matches."""
    settings.API_CACHE = False
    settings.API_CACHE_COUNTS = False
    monkeypatch.setattr(querysets, "SEARCH_RANK_WINDOW", WINDOW)


@pytest.fixture(autouse=True)
def unmatched():
    """A piece that does not match "drone" (the `matches` fixture's seven do)."""
    PublicationFactory(published=True, title="Ports and harbours", summary="Ships.", body="<p>Ships.</p>")


def numbered_pages(client, size: int, q: str = "drone") -> list[str]:
    """Every match in page-number mode's order."""
    slugs, number = [], 1
    while True:
        response = client.get(URL, {"q": q, "page": number, "page_size": size})
        if response.status_code == 404:
            return slugs
        slugs += [item["slug"] for item in response.json()["results"]]
        number += 1


def walk(client, first: str, link: str) -> list[list[str]]:
    """The pages met following `link` ("next" or "previous") from the URL `first`."""
    pages, url = [], first
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append([item["slug"] for item in body["results"]])
        url = body[link]
        assert len(pages) < 50, "the walk does not end"
    return pages


def cursor_url(size: int, q: str = "drone") -> str:
    return f"{URL}?{urlencode({'q': q, 'mode': 'cursor', 'page_size': size})}"


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8])
def test_a_cursor_walks_a_search_in_the_order_of_its_numbered_pages(client, matches, size):
    expected = numbered_pages(client, 20)
    newest, older = matches[:WINDOW], matches[WINDOW:]
    # The newest WINDOW by relevance, then the older ones by date: the order of page numbers.
    assert expected == [p.slug for p in (newest[3], newest[1], newest[2], newest[0], *older)]

    pages = walk(client, cursor_url(size), "next")

    assert [slug for page in pages for slug in page] == expected
    assert all(len(page) == size for page in pages[:-1])
    assert pages[-1]


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_walking_back_from_the_last_page_meets_the_same_pages(client, matches, size):
    forward = walk(client, cursor_url(size), "next")
    last = client.get(cursor_url(size)).json()
    while last["next"]:
        last_url, last = last["next"], client.get(last["next"]).json()

    backward = walk(client, last_url, "previous")

    assert backward == forward[::-1]
    # The first page, reached again walking back, has no previous page.
    assert client.get(cursor_url(size)).json()["previous"] is None


def test_every_match_is_ranked_when_the_window_holds_them_all(client, matches, settings, monkeypatch):
    monkeypatch.setattr(querysets, "SEARCH_RANK_WINDOW", 100)

    pages = walk(client, cursor_url(2), "next")

    assert [slug for page in pages for slug in page] == numbered_pages(client, 20)


def test_pieces_published_during_a_walk_neither_repeat_nor_skip_the_others(client, matches):
    first = client.get(cursor_url(3)).json()
    seen = [item["slug"] for item in first["results"]]
    # A new match, the best of all; and an older piece republished with its old date.
    best = PublicationFactory(published=True, title="Drone drone drone drone drone", summary="Drone.")
    PublicationFactory(
        published=True, published_at=matches[-1].published_at - dt.timedelta(days=3), title="Late drone"
    )

    rest = walk(client, first["next"], "next")
    seen += [slug for page in rest for slug in page]

    # Each piece that was there when the walk began, once; the new best match came before the cursor.
    assert best.slug not in seen
    assert len(seen) == len(set(seen))
    assert {p.slug for p in matches} <= set(seen)


def test_a_scheduled_match_is_walked_only_from_its_time(client, matches):
    scheduled = PublicationFactory(scheduled=True, title="Drone drone drone drone policy")

    before = [slug for page in walk(client, cursor_url(2), "next") for slug in page]
    with time_machine.travel(scheduled.published_at + dt.timedelta(minutes=1)):
        after = [slug for page in walk(client, cursor_url(2), "next") for slug in page]

    assert scheduled.slug not in before
    assert after[0] == scheduled.slug


def test_a_page_ranks_the_window_only(client, matches):
    """Past the window, the older matches come from the date index: each page's statements rank the
    window's matches at most (none at all once the walk is past it)."""
    pages_urls, url = [], cursor_url(2)
    while url:
        pages_urls.append(url)
        url = client.get(url).json()["next"]
    last = pages_urls[-1]

    with CaptureQueriesContext(connection) as queries:
        response = client.get(last)

    assert response.status_code == 200
    statements = [q["sql"] for q in queries.captured_queries]
    # Past the window: neither counted nor its end looked for again (it travels with the cursor).
    assert len(statements) == 1
    # The window's rank is taken only for rows inside it (a CASE on the window's end).
    assert "CASE WHEN" in statements[0]


def _cursor(position: str, reverse: bool = False) -> str:
    tokens = {"p": position, **({"r": "1"} if reverse else {})}
    return base64.b64encode(urlencode(tokens).encode()).decode()


@pytest.mark.parametrize(
    "position",
    [
        "nonsense",
        "~x~1~2",
        "~0.5~1~",
        "~nan~0~1",
        "~inf~0~1",
        "~0.5~ 12~1",
        "~0.5~1_000~1",
        "1.2.3~0.5~1~1",
        f"~0.5~{10**30}~1",
        "~0.5~1~1~1",
        "~1e308~1~1",
        "~1e-50~1~1",
    ],
)
def test_a_cursor_this_api_did_not_write_is_a_404(client, matches, position):
    response = client.get(URL, {"q": "drone", "mode": "cursor", "cursor": _cursor(position)})

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")


def test_walking_back_without_a_position_is_a_404(client, matches):
    response = client.get(URL, {"q": "drone", "mode": "cursor", "cursor": _cursor("", reverse=True)})

    assert response.status_code == 404


def test_another_ordering_of_a_search_walks_by_that_ordering(client, matches):
    pages = walk(client, f"{URL}?{urlencode({'q': 'drone', 'mode': 'cursor', 'ordering': 'title'})}", "next")

    assert [slug for page in pages for slug in page] == [
        p.slug for p in sorted(matches, key=lambda p: p.title)
    ]


def test_the_cursor_is_the_rows_place_and_the_windows_end(client, matches):
    body = client.get(cursor_url(2)).json()
    token = parse_qs(urlsplit(body["next"]).query)["cursor"][0]
    position = parse_qs(base64.b64decode(token).decode())["p"][0]
    end, rank, moment, pk = position.split("~")

    # The fourth newest match ends the window; the page's last row is the second best of it.
    oldest_ranked, second = matches[WINDOW - 1], matches[1]
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    assert end == f"{(oldest_ranked.published_at - epoch) // dt.timedelta(microseconds=1)}.{oldest_ranked.pk}"
    assert float(rank) > 0
    assert (int(moment), int(pk)) == (
        (second.published_at - epoch) // dt.timedelta(microseconds=1),
        second.pk,
    )


def test_matches_tied_in_rank_and_time_are_walked_by_id(client):
    moment = timezone.now() - dt.timedelta(hours=1)
    twins = [
        PublicationFactory(
            published=True, published_at=moment, title="Drone twins", summary="Same.", body="<p>Same.</p>"
        )
        for _ in range(5)
    ]

    pages = walk(client, cursor_url(2), "next")

    assert [slug for page in pages for slug in page] == [p.slug for p in sorted(twins, key=lambda p: -p.pk)]
