"""Syndication feeds (RSS 2.0, Atom 1.0, JSON Feed 1.1): site-wide, per author, topic, series and type.

Every URL has the three formats: `/feeds/rss/`, `/feeds/atom/`, `/feeds/json/`, and the same under
`/feeds/authors/<slug>/`, `/feeds/topics/<slug>/`, `/feeds/series/<slug>/`, `/feeds/types/<type>/`.
Items carry the summary; `?full=1` adds the full body (one URL per feed keeps discovery simple, and the
query string is part of every cache's key).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path
from django.utils.feedgenerator import Enclosure, SyndicationFeed
from django.utils.html import escape
from django.views.decorators.cache import cache_control
from django.views.decorators.http import conditional_page, require_safe

from authors.models import Author
from cissapi.api.caching import cache_public_response
from publications.feedgenerators import JsonFeed, PublicationAtomFeed, PublicationRssFeed
from publications.models import Publication, PublicationChange, Series, Topic

FEED_LENGTH = 50
# Partners poll; a short freshness window plus ETag/Last-Modified revalidation keeps them cheap and current.
FEED_MAX_AGE = 300
FEED_FORMATS: dict[str, type[SyndicationFeed]] = {
    "rss": PublicationRssFeed,
    "atom": PublicationAtomFeed,
    "json": JsonFeed,
}
FULL_VALUES = {"1": True, "true": True, "0": False, "false": False, "": False}


@dataclass(frozen=True)
class FeedScope:
    """What one request asked for: the subject (author, topic, ...), the request and summary or full text."""

    subject: Author | Topic | Series | str | None
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

    def __init__(self, feed_type: type[SyndicationFeed]) -> None:
        self.feed_type = feed_type

    def get_object(self, request: HttpRequest, *, full: bool = False, **kwargs) -> FeedScope:
        return FeedScope(subject=self.get_subject(**kwargs), request=request, full=full)

    def get_subject(self, **kwargs) -> Author | Topic | Series | str | None:
        return None

    def publications(self, scope: FeedScope):
        return Publication.objects.published()

    def get_feed(self, obj: FeedScope, request: HttpRequest) -> SyndicationFeed:
        feedgen = super().get_feed(obj, request)
        # rel="self" names this very document, query string (?full=1) included.
        feedgen.feed["feed_url"] = request.build_absolute_uri()
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
        publications = self.publications(scope).with_detail().order_by("-published_at", "-id")
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
        try:
            size = pdf.size
        except OSError:
            # A PDF missing from storage must not break the feed; the enclosure's length is required.
            return []
        return [Enclosure(entry.scope.request.build_absolute_uri(pdf.url), str(size), "application/pdf")]

    def item_extra_kwargs(self, entry: FeedEntry) -> dict:
        publication = entry.publication
        canonical = next((post for post in publication.cross_post_list if post["is_canonical"]), None)
        return {
            "authors": [
                {"name": author["name"], "url": Author(slug=author["slug"]).public_url}
                for author in publication.byline
            ],
            "summary_text": publication.summary,
            "content_html": publication.body if entry.scope.full else None,
            "canonical": {"url": canonical["url"], "name": canonical["outlet"]["name"]}
            if canonical
            else None,
            "image_url": entry.scope.request.build_absolute_uri(publication.image.url)
            if publication.image
            else None,
            "language": publication.language,
        }


class AuthorFeed(PublicationFeed):
    """An author's published pieces, co-authored ones included."""

    def get_subject(self, *, slug: str) -> Author:
        return get_object_or_404(Author, slug=slug)

    def publications(self, scope: FeedScope):
        return Publication.objects.published().by_author(scope.subject.pk)

    def title(self, scope: FeedScope) -> str:
        return f"{scope.subject.display_name} — CISS publications"

    def link(self, scope: FeedScope) -> str:
        return scope.subject.public_url

    def description(self, scope: FeedScope) -> str:
        return f"Publications by {scope.subject.display_name}."


class TopicFeed(PublicationFeed):
    """Published pieces on one topic."""

    def get_subject(self, *, slug: str) -> Topic:
        return get_object_or_404(Topic, slug=slug)

    def publications(self, scope: FeedScope):
        return Publication.objects.published().filter(topics=scope.subject)

    def title(self, scope: FeedScope) -> str:
        return f"{scope.subject.name} — CISS publications"

    def link(self, scope: FeedScope) -> str:
        return f"{settings.SITE_URL}/topics/{scope.subject.slug}/"

    def description(self, scope: FeedScope) -> str:
        return f"Publications on {scope.subject.name}."


class SeriesFeed(PublicationFeed):
    """Published pieces of one series or journal."""

    def get_subject(self, *, slug: str) -> Series:
        return get_object_or_404(Series, slug=slug)

    def publications(self, scope: FeedScope):
        return Publication.objects.published().filter(series=scope.subject)

    def title(self, scope: FeedScope) -> str:
        return f"{scope.subject.name} — CISS publications"

    def link(self, scope: FeedScope) -> str:
        return f"{settings.SITE_URL}/series/{scope.subject.slug}/"

    def description(self, scope: FeedScope) -> str:
        return f"Publications in {scope.subject.name}."


class TypeFeed(PublicationFeed):
    """Published pieces of one type (commentaries, policy papers, ...)."""

    def get_subject(self, *, publication_type: str) -> str:
        if publication_type not in Publication.Type.values:
            raise Publication.DoesNotExist(publication_type)
        return publication_type

    def publications(self, scope: FeedScope):
        return Publication.objects.published().filter(type=scope.subject)

    def title(self, scope: FeedScope) -> str:
        return f"{Publication.Type(scope.subject).label}s — CISS publications"

    def link(self, scope: FeedScope) -> str:
        return f"{settings.SITE_URL}/publications/?type={scope.subject}"

    def description(self, scope: FeedScope) -> str:
        return f"{Publication.Type(scope.subject).label} publications from CISS."


def feed_view(feed_class: type[PublicationFeed], format_name: str) -> Callable[..., HttpResponse]:
    """A view serving `feed_class` in one format, with conditional GET (ETag, Last-Modified) and caching."""
    feed = feed_class(FEED_FORMATS[format_name])

    # conditional_page sets a strong ETag from the body and answers If-None-Match / If-Modified-Since with
    # 304; the body is built either way (two queries, three with a subject), or comes from the shared cache.
    @require_safe
    @conditional_page
    @cache_public_response(surrogate_keys=["feeds"])
    @cache_control(public=True, max_age=FEED_MAX_AGE)
    def view(request: HttpRequest, **kwargs) -> HttpResponse:
        raw_full = request.GET.get("full", "").lower()
        if raw_full not in FULL_VALUES:
            return problem(400, "Bad Request", "full must be 1 or 0.", errors={"full": ["Must be 1 or 0."]})
        try:
            return feed(request, full=FULL_VALUES[raw_full], **kwargs)
        except Http404:
            return problem(404, "Not Found", "No such author, topic, series or type.")

    return view


def problem(status: int, title: str, detail: str, errors: dict[str, list[str]] | None = None) -> JsonResponse:
    """An RFC 9457 problem document, the error shape of the API."""
    body: dict = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return JsonResponse(body, status=status, content_type="application/problem+json")


def _feed_paths(prefix: str, feed_class: type[PublicationFeed], name: str) -> list[URLPattern]:
    return [
        path(f"{prefix}{format_name}/", feed_view(feed_class, format_name), name=f"{name}-{format_name}")
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
