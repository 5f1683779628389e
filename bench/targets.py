"""The URLs `make bench` measures, picked from whatever catalogue the database holds.

Shared by the bench runner and by tests/bench/test_floor.py, so the floor is checked against the API on
exactly the URLs that are benchmarked.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlencode

from authors.models import Author
from bench.floor import encode_cursor, position_of
from publications.models import Publication
from publications.querysets import authors_with_publication_counts, with_publication_counts
from taxonomy.models import Topic

PAGE_SIZE = 20
FEED_URL = "/feeds/json/"


@dataclass(frozen=True)
class Target:
    name: str
    url: str


def benchmark_targets(*, deep_page: int = 500, common_term: str, rare_term: str) -> list[Target]:
    """The benchmarked URLs: lists (first, deep and cursor pages, filters, search), details and a feed."""
    live = Publication.objects.published().order_by("-published_at", "-id")
    newest = live.first()
    # The busiest topic and author: their lists and counts are the most expensive ones to serve.
    topic = with_publication_counts(Topic.objects.all()).order_by("-publication_count", "slug").first()
    # The plugin cannot see the annotation through authors_with_publication_counts' return type.
    author = (
        authors_with_publication_counts(Author.objects.all())
        .order_by("-publication_count", "slug")  # type: ignore[misc]  # annotated, see above
        .first()
    )
    if newest is None or topic is None or author is None:
        raise ValueError("The catalogue needs published pieces, a topic and an author to benchmark.")
    page = max(1, min(deep_page, math.ceil(live.count() / PAGE_SIZE)))
    # The cursor that lands where page `page` starts: DRF's position is the last item of the page before.
    cursor_query = {"mode": "cursor"}
    if page > 1:
        pivot = live[(page - 1) * PAGE_SIZE - 1]
        # A live piece always has its time (a check constraint on Publication).
        position = position_of(cast(dt.datetime, pivot.published_at))
        cursor_query = {"cursor": encode_cursor(0, False, position), "mode": "cursor"}
    publications = "/api/v1/publications/"
    return [
        Target("list page 1", publications),
        Target(f"list page {page}", f"{publications}?page={page}" if page > 1 else publications),
        Target(f"list cursor ~page {page}", f"{publications}?{urlencode(cursor_query)}"),
        Target("topic filter", f"{publications}?topic={topic.slug}"),
        Target("author's publications", f"/api/v1/authors/{author.slug}/publications/"),
        Target("publication detail", f"{publications}{newest.slug}/"),
        Target(f"search common ({common_term})", f"{publications}?{urlencode({'q': common_term})}"),
        Target(f"search rare ({rare_term})", f"{publications}?{urlencode({'q': rare_term})}"),
        Target("author detail", f"/api/v1/authors/{author.slug}/"),
        Target("feed", FEED_URL),
    ]
