"""Discoverability: API responses point at their matching feeds with `Link` headers.

A successful response carries one `Link` per format (RFC 8288), as an HTML page would with
`<link rel="alternate">`:

    Link: <https://api.example/feeds/authors/amna-tauhidi/rss/>; rel="alternate"; type="application/rss+xml",
          <.../atom/>; rel="alternate"; type="application/atom+xml", <.../json/>; ...

Which feed matches is each viewset's to say (its `matching_feeds()`); building the links costs no query:
they are made from the URL alone.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from django.http import HttpResponseBase
from django.urls import reverse
from rest_framework.request import Request

from cissapi.api.documents import ApiUrls
from cissapi.bounded import keep_bounded

if TYPE_CHECKING:
    from rest_framework.views import APIView

FEED_MEDIA_TYPES = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "json": "application/feed+json",
}


# Each feed's URLs by format, per (origin, script prefix, name, query, arguments): bounded, the oldest going
# first, as the origin, slugs and queries come from clients; keys longer than MAX_KEPT_KEY are not kept.
_url_sets: dict[tuple[str, str, str, str, tuple[tuple[str, str], ...]], dict[str, str]] = {}
MAX_URL_SETS = 1024
MAX_KEPT_KEY = 512


def feed_urls(request: Request, name: str, *, query: str = "", **kwargs: str) -> dict[str, str]:
    """The absolute URLs of one feed (URL names `feeds:<name>-<format>`) by format, with `query` (a
    filtered feed's canonical query string) when given."""
    arguments = tuple(sorted(kwargs.items()))
    urls = ApiUrls(request)
    root, script_prefix, _ = urls.scope()
    # Optimization (issue 16): a feed's addresses are few and never change while a process runs, so all three
    # are worked out once per origin (a bio's and a detail's Link header: a few percent of their time).
    key = (root, script_prefix, name, query, arguments)
    found = _url_sets.get(key)
    if found is None:
        suffix = f"?{query}" if query else ""
        found = {
            format_name: urls.fixed(_feed_path(script_prefix, f"feeds:{name}-{format_name}", arguments))
            + suffix
            for format_name in FEED_MEDIA_TYPES
        }
        if len(key[0]) + len(query) + sum(len(part) for pair in arguments for part in pair) <= MAX_KEPT_KEY:
            keep_bounded(_url_sets, key, found, MAX_URL_SETS)
    return dict(found)  # the caller's own: the kept one is never changed


# Optimization: reverse() costs tens of microseconds to a millisecond under load, three times a response;
# the URLconf never changes while a process runs. Bounded, as `arguments` hold slugs from URLs.
@functools.lru_cache(maxsize=1024)
def _feed_path(script_prefix: str, url_name: str, arguments: tuple[tuple[str, str], ...]) -> str:
    """reverse() of `url_name` (under `script_prefix`, which reverse() reads itself: part of the key)."""
    return reverse(url_name, kwargs=dict(arguments))


def link_header(urls: dict[str, str]) -> str:
    """A Link header value naming each format's URL as an alternate representation."""
    return ", ".join(
        f'<{url}>; rel="alternate"; type="{FEED_MEDIA_TYPES[format_name]}"'
        for format_name, url in urls.items()
    )


if TYPE_CHECKING:
    # What the mixin is mixed into, for the type checker only.
    _ViewBase = APIView
else:
    _ViewBase = object


class FeedLinksMixin(_ViewBase):
    """For the v1 viewsets: `Link` headers to the matching feeds on successful responses.

    Override point: `matching_feeds()`.
    """

    def matching_feeds(self) -> dict[str, str]:
        """The feed URLs (by format, see feed_urls()) that match this response; none when no feed does."""
        return {}

    # DRF's finalize_response takes and returns any HttpResponseBase (a cached answer is a plain
    # HttpResponse); the stubs say Response.
    def finalize_response(  # type: ignore[override]
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        if 200 <= response.status_code < 300:
            feeds = self.matching_feeds()
            if feeds:
                # Before the validators (cissapi.api.http_caching.finalize, which puts pagination's links
                # first): an answer built now and one from the cache then send their headers in one order.
                response.headers["Link"] = link_header(feeds)
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[arg-type]  # as above
