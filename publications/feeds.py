"""Syndication feeds (RSS 2.0, Atom 1.0, JSON Feed 1.1): site-wide, per author, topic, series and type.

Every URL has the three formats: `/feeds/rss/`, `/feeds/atom/`, `/feeds/json/`, and the same under
`/feeds/authors/<slug>/`, `/feeds/topics/<slug>/`, `/feeds/series/<slug>/`, `/feeds/types/<type>/`.
Items carry the summary; `?full=1` adds the full body (one URL per feed keeps discovery simple, and the
query string is part of every cache's key). Readers append tracking parameters (utm_*): any parameter but
`full` is ignored, and never reaches a cache key nor the feed's self link. Errors, HTTP caching, throttles
and partner keys are the API's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path
from django.utils.feedgenerator import Enclosure, SyndicationFeed
from django.utils.html import escape
from django.utils.http import parse_http_date_safe
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.views import APIView

from authors.models import Author
from cissapi.api.http_caching import VARY, ResponseMeta, cache_public_response, finalize
from publications.feedgenerators import JsonFeed, PublicationAtomFeed, PublicationRssFeed
from publications.models import Publication, PublicationChange
from publications.querysets import with_live_publications
from taxonomy.models import Series, Topic

FEED_LENGTH = 50
# As the API's, less Accept: a feed URL has one format whatever the client accepts.
FEED_VARY = tuple(header for header in VARY if header != "Accept")
FEED_FORMATS: dict[str, type[SyndicationFeed]] = {
    "rss": PublicationRssFeed,
    "atom": PublicationAtomFeed,
    "json": JsonFeed,
}
FULL_PARAM = "full"
FULL_VALUES = {"1": True, "true": True, "0": False, "false": False, "": False}


def feed_query(full: bool) -> str:
    """The canonical query string of a feed: `full=1` or nothing, however the reader spelt it."""
    return f"{FULL_PARAM}=1" if full else ""


@dataclass(frozen=True)
class FeedScope:
    """What one request asked for: the collection (author, topic, series) or type, summary or full text."""

    collection: Author | Topic | Series | str | None
    request: HttpRequest
    full: bool


@dataclass(frozen=True)
class FeedEntry:
    """A publication as seen from one feed request (so item methods can build absolute media URLs)."""

    publication: Publication
    scope: FeedScope


class PublicationFeed(Feed):
    """The newest published pieces of the whole catalogue."""

    language = settings.LANGUAGE_CODE
    # The feed's author: Atom requires one for entries without a byline (RFC 4287, 4.1.2).
    author_name = "Center for International Strategic Studies"
    author_link = settings.SITE_URL

    def __init__(self, feed_type: type[SyndicationFeed]) -> None:
        self.feed_type = feed_type

    def get_object(self, request: HttpRequest, *, full: bool = False, **kwargs) -> FeedScope:
        return FeedScope(collection=self.get_collection(**kwargs), request=request, full=full)

    def get_collection(self, **kwargs) -> Author | Topic | Series | str | None:
        return None

    def publications(self, scope: FeedScope):
        return Publication.objects.published()

    def get_feed(self, obj: FeedScope, request: HttpRequest) -> SyndicationFeed:
        feedgen = super().get_feed(obj, request)
        # rel="self" names this very document, with its canonical query string (?full=1, no utm_*).
        query = feed_query(obj.full)
        feedgen.feed["feed_url"] = request.build_absolute_uri(
            f"{request.path}?{query}" if query else request.path
        )
        return feedgen

    def feed_extra_kwargs(self, scope: FeedScope) -> dict:
        # Unpublishing or deleting a piece changes no remaining item's date, yet must change the feed's.
        last_change = PublicationChange.objects.effective().aggregate(latest=Max("effective_at"))["latest"]
        return {"last_change": last_change}

    def title(self, scope: FeedScope) -> str:
        return "CISS publications"

    def link(self, scope: FeedScope) -> str:
        return f"{settings.SITE_URL}/publications/"

    def description(self, scope: FeedScope) -> str:
        return "New publications from the Center for International Strategic Studies."

    def items(self, scope: FeedScope) -> list[FeedEntry]:
        # Optimization: bylines, topics and cross-posts as JSON array columns of the one items query.
        publications = self.publications(scope).with_feed(full=scope.full).order_by("-published_at", "-id")
        return [FeedEntry(publication, scope) for publication in publications[:FEED_LENGTH]]

    def item_title(self, entry: FeedEntry) -> str:
        return entry.publication.title

    def item_description(self, entry: FeedEntry) -> str:
        # RSS descriptions and Atom summaries are HTML: escape the plain-text summary once.
        return escape(entry.publication.summary)

    def item_link(self, entry: FeedEntry) -> str:
        return entry.publication.public_url

    def item_guid(self, entry: FeedEntry) -> str:
        # Survives slug changes, unlike the link.
        return f"urn:uuid:{entry.publication.uuid}"

    item_guid_is_permalink = False

    def item_pubdate(self, entry: FeedEntry) -> datetime:
        return entry.publication.published_at

    def item_updateddate(self, entry: FeedEntry) -> datetime:
        # Edits made while a piece was still scheduled predate its publication; never go below that.
        return max(entry.publication.updated_at, entry.publication.published_at)

    def item_categories(self, entry: FeedEntry) -> list[str]:
        return [topic["name"] for topic in entry.publication.topic_list]

    def item_enclosures(self, entry: FeedEntry) -> list[Enclosure]:
        pdf = entry.publication.pdf
        if not pdf:
            return []
        # Stored on upload; a PDF stored before sizes were (or missing from storage) has none, and must
        # not break the feed: the enclosure's length is required.
        size = entry.publication.pdf_size
        if size is None:
            try:
                size = pdf.size
            except OSError:
                return []
        return [Enclosure(entry.scope.request.build_absolute_uri(pdf.url), str(size), "application/pdf")]

    def item_extra_kwargs(self, entry: FeedEntry) -> dict:
        publication = entry.publication
        canonical = next((post for post in publication.cross_post_list if post["is_canonical"]), None)
        return {
            "authors": [
                {"name": author["name"], "url": Author.public_url_of(author["slug"])}
                for author in publication.byline
            ],
            "summary_text": publication.summary,
            "content_html": publication.body if entry.scope.full else None,
            "canonical": {"url": canonical["url"], "name": canonical["outlet"]["name"]}
            if canonical
            else None,
            "image_url": entry.scope.request.build_absolute_uri(publication.lead_image.file.url)
            if publication.lead_image
            else None,
            "language": publication.language,
        }


class AuthorFeed(PublicationFeed):
    """An author's published pieces, co-authored ones included."""

    def get_collection(self, *, slug: str) -> Author:
        return get_object_or_404(Author, slug=slug)

    def publications(self, scope: FeedScope):
        return Publication.objects.published().by_author(scope.collection.pk)

    def title(self, scope: FeedScope) -> str:
        return f"{scope.collection.display_name} — CISS publications"

    def link(self, scope: FeedScope) -> str:
        return scope.collection.public_url

    def description(self, scope: FeedScope) -> str:
        return f"Publications by {scope.collection.display_name}."


class TopicFeed(PublicationFeed):
    """Published pieces on one topic."""

    def get_collection(self, *, slug: str) -> Topic:
        return get_object_or_404(with_live_publications(Topic.objects.all()), slug=slug)

    def publications(self, scope: FeedScope):
        return Publication.objects.published().filter(topics=scope.collection)

    def title(self, scope: FeedScope) -> str:
        return f"{scope.collection.name} — CISS publications"

    def link(self, scope: FeedScope) -> str:
        return f"{settings.SITE_URL}/topics/{scope.collection.slug}/"

    def description(self, scope: FeedScope) -> str:
        return f"Publications on {scope.collection.name}."


class SeriesFeed(PublicationFeed):
    """Published pieces of one series or journal."""

    def get_collection(self, *, slug: str) -> Series:
        return get_object_or_404(with_live_publications(Series.objects.all()), slug=slug)

    def publications(self, scope: FeedScope):
        return Publication.objects.published().filter(series=scope.collection)

    def title(self, scope: FeedScope) -> str:
        return f"{scope.collection.name} — CISS publications"

    def link(self, scope: FeedScope) -> str:
        return f"{settings.SITE_URL}/series/{scope.collection.slug}/"

    def description(self, scope: FeedScope) -> str:
        return f"Publications in {scope.collection.name}."


class TypeFeed(PublicationFeed):
    """Published pieces of one type (commentaries, policy papers, ...)."""

    def get_collection(self, *, publication_type: str) -> str:
        if publication_type not in Publication.Type.values:
            raise Publication.DoesNotExist(publication_type)
        return publication_type

    def publications(self, scope: FeedScope):
        return Publication.objects.published().filter(type=scope.collection)

    def title(self, scope: FeedScope) -> str:
        return f"{Publication.Type(scope.collection).label}s — CISS publications"

    def link(self, scope: FeedScope) -> str:
        return f"{settings.SITE_URL}/publications/?type={scope.collection}"

    def description(self, scope: FeedScope) -> str:
        return f"{Publication.Type(scope.collection).label} publications from CISS."


class IgnoreAcceptNegotiation(BaseContentNegotiation):
    """A feed URL has one format; feed readers' Accept headers vary, and errors are JSON regardless."""

    def select_parser(self, request: Request, parsers: list) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Request, renderers: list, format_suffix: str | None = None) -> tuple:
        return renderers[0], renderers[0].media_type


class FeedView(APIView):
    """One feed in one format, with the API's partner keys, throttles, problem+json errors and caching.

    Feeds accept `Authorization: Api-Key <key>` as the API does: partners then poll at their own rate
    rather than the anonymous one, and their use is counted. Anonymous polling works as before.
    """

    feed: PublicationFeed | None = None
    http_method_names = ["get", "head"]
    content_negotiation_class = IgnoreAcceptNegotiation

    @extend_schema(exclude=True)
    def get(self, request: Request, **kwargs: Any) -> HttpResponse:
        given = request.query_params.getlist(FULL_PARAM)
        if len(given) > 1:
            raise ValidationError({FULL_PARAM: "Give this parameter once."})
        raw_full = given[0].lower() if given else ""
        if raw_full not in FULL_VALUES:
            raise ValidationError({FULL_PARAM: "Enter 1 or 0."})
        try:
            return _render_feed(request._request, feed=self.feed, full=FULL_VALUES[raw_full], **kwargs)
        except Http404 as error:
            raise NotFound("No such author, topic, series or type.") from error

    def finalize_response(
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        """The API's caching rules (cissapi.api.http_caching.finalize) for a body that is already bytes."""
        response = super().finalize_response(request, response, *args, **kwargs)
        # Last-Modified is the Feed's (its newest item); the surrogate keys are set where the feed is cached.
        # The ETag is strong, a hash of the exact bytes: the body is built either way (a fixed handful of
        # queries).
        modified = parse_http_date_safe(response.headers.get("Last-Modified", ""))
        meta = ResponseMeta(
            last_modified=datetime.fromtimestamp(modified, tz=UTC) if modified is not None else None,
            surrogate_keys=None,
        )
        return finalize(request, response, meta, vary=FEED_VARY)


def _feed_cache_query(request: HttpRequest, *, full: bool, **kwargs: Any) -> str:
    return feed_query(full)


@cache_public_response(surrogate_keys=["feeds"], query=_feed_cache_query)
def _render_feed(request: HttpRequest, *, feed: PublicationFeed, full: bool, **kwargs: Any) -> HttpResponse:
    # Runs after FeedView's authentication and throttling, so a cached feed still counts against a rate.
    # The cache key is the canonical URL, which names the feed, its format and `full`.
    return feed(request, full=full, **kwargs)


def _feed_paths(prefix: str, feed_class: type[PublicationFeed], name: str) -> list[URLPattern]:
    return [
        path(
            f"{prefix}{format_name}/",
            FeedView.as_view(feed=feed_class(FEED_FORMATS[format_name])),
            name=f"{name}-{format_name}",
        )
        for format_name in FEED_FORMATS
    ]


# Included at /feeds/ by cissapi.urls; names like "feeds:author-atom".
app_name = "feeds"
urlpatterns = [
    *_feed_paths("", PublicationFeed, "site"),
    *_feed_paths("authors/<slug:slug>/", AuthorFeed, "author"),
    *_feed_paths("topics/<slug:slug>/", TopicFeed, "topic"),
    *_feed_paths("series/<slug:slug>/", SeriesFeed, "series"),
    *_feed_paths("types/<str:publication_type>/", TypeFeed, "type"),
]
