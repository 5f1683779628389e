"""Discoverability: API responses point at their matching feeds, and the API index lists every feed.

A successful response carries one `Link` per format (RFC 8288), as an HTML page would with
`<link rel="alternate">`:

    Link: <https://api.example/feeds/authors/amna-tauhidi/rss/>; rel="alternate"; type="application/rss+xml",
          <.../atom/>; rel="alternate"; type="application/atom+xml", <.../json/>; ...

Which feed matches: the site-wide feed for the publications list and details (the type's feed when the list
is filtered by one type), the author's feed on an author and their publications, the topic's or the series'
feed on those. Building the links costs no query: they are made from the URL alone.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponseBase
from django.urls import reverse
from rest_framework.request import Request

from publications.models import Publication

FEED_MEDIA_TYPES = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "json": "application/feed+json",
}
# Router basenames whose detail and publications pages have a feed of their own (URL name feeds:<x>-rss).
SUBJECT_FEEDS = ("author", "topic", "series")
SUBJECT_ACTIONS = ("retrieve", "publications")


def feed_urls(request: Request, name: str, **kwargs: str) -> dict[str, str]:
    """The absolute URLs of one feed (`site`, `author`, `topic`, `series`, `type`) by format."""
    return {
        format_name: request.build_absolute_uri(reverse(f"feeds:{name}-{format_name}", kwargs=kwargs))
        for format_name in FEED_MEDIA_TYPES
    }


def link_header(urls: dict[str, str]) -> str:
    """A Link header value naming each format's URL as an alternate representation."""
    return ", ".join(
        f'<{url}>; rel="alternate"; type="{FEED_MEDIA_TYPES[format_name]}"'
        for format_name, url in urls.items()
    )


def feed_index(request: Request) -> dict[str, Any]:
    """The feeds for the API index: the site-wide ones, then URI templates (RFC 6570) for the others."""

    def template(name: str, variable: str, **kwargs: str) -> str:
        (placeholder,) = kwargs.values()
        url = request.build_absolute_uri(reverse(f"feeds:{name}-rss", kwargs=kwargs))
        return url.replace(placeholder, "{" + variable + "}").removesuffix("rss/") + "{format}/"

    return {
        **feed_urls(request, "site"),
        "author": template("author", "slug", slug="__slug__"),
        "topic": template("topic", "slug", slug="__slug__"),
        "series": template("series", "slug", slug="__slug__"),
        "type": template("type", "type", publication_type="__type__"),
        "formats": list(FEED_MEDIA_TYPES),
    }


def sitemap_index(request: Request) -> dict[str, str]:
    """The sitemaps for the API index."""
    return {
        "index": request.build_absolute_uri(reverse("sitemap-index")),
        "news": request.build_absolute_uri(reverse("sitemap-news")),
    }


class FeedLinksMixin:
    """For the v1 viewsets: `Link` headers to the matching feeds on successful responses."""

    def matching_feeds(self) -> dict[str, str]:
        """The feed URLs (by format) that match this response; none when no feed does."""
        basename, action = getattr(self, "basename", None), getattr(self, "action", None)
        if basename in SUBJECT_FEEDS and action in SUBJECT_ACTIONS:
            return feed_urls(self.request, basename, slug=self.kwargs["slug"])
        if basename == "publication" and action in ("list", "retrieve"):
            types = self.request.query_params.getlist("type")
            if action == "list" and len(types) == 1 and types[0] in Publication.Type.values:
                return feed_urls(self.request, "type", publication_type=types[0])
            return feed_urls(self.request, "site")
        return {}

    def finalize_response(
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        response = super().finalize_response(request, response, *args, **kwargs)
        if 200 <= response.status_code < 300:
            feeds = self.matching_feeds()
            if feeds:
                response.headers["Link"] = link_header(feeds)
        return response
