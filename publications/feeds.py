"""Syndication feeds (RSS 2.0, Atom 1.0, JSON Feed 1.1): site-wide, per author, topic, series and type.

Every URL has the three formats: `/feeds/rss/`, `/feeds/atom/`, `/feeds/json/`, and the same under
`/feeds/authors/<slug>/`, `/feeds/topics/<slug>/`, `/feeds/series/<slug>/`, `/feeds/types/<type>/`.
Items carry the summary; `?full=1` adds the full body (one URL per feed keeps discovery simple, and the
query string is part of every cache's key). Every filter of the publications list but `ordering` filters a
feed too (`/feeds/rss/?topic=a&author=b&type=policy_paper`), validated as the list validates it. Readers
append tracking parameters (utm_*): any other parameter is ignored, and never reaches a cache key nor the
feed's self link. Errors, HTTP caching, throttles and partner keys are the API's.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from html import unescape
from typing import Any, Generic, TypeVar, cast
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.contrib.syndication.views import Feed, add_domain
from django.core.exceptions import ObjectDoesNotExist
from django.core.files.storage import default_storage
from django.db import connections, router
from django.db.models import Max, Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from django.utils.feedgenerator import Enclosure, SyndicationFeed
from django.utils.html import escape
from django.utils.http import http_date, parse_http_date_safe
from django_filters.utils import translate_validation
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from authors.models import Author
from cissapi.api.filters import filter_parameters
from cissapi.api.http_caching import VARY, ResponseMeta, cache_public_response, finalize
from cissapi.api.parameters import check_query_parameters
from cissapi.prepared import CompiledQuery, server_binding
from cissapi.text import xml_text
from publications.api.filters import FEED_FILTERS, PublicationFilterSet, feed_filter_query
from publications.feedgenerators import JsonFeed, PublicationAtomFeed, PublicationRssFeed
from publications.models import Publication, PublicationChange
from publications.querysets import FeedAddresses, PublicationQuerySet, with_live_publications
from taxonomy.models import Series, Topic

FEED_LENGTH = 50
# As the API's, less Accept: a feed URL has one format whatever the client accepts.
FEED_VARY = tuple(header for header in VARY if header != "Accept")
# RSS and Atom through Django's feed generators; JSON Feed's items are built by Postgres (json_feed()).
FEED_FORMATS: dict[str, type[SyndicationFeed] | type[JsonFeed]] = {
    "rss": PublicationRssFeed,
    "atom": PublicationAtomFeed,
    "json": JsonFeed,
}
FULL_PARAM = "full"
FULL_VALUES = {"1": True, "true": True, "0": False, "false": False, "": False}


# nh3, which cleans every body on save, writes each attribute value in double quotes, `"` inside escaped.
URL_ATTRIBUTE = re.compile(r'\b(href|src)="([^"]*)"')


def absolute_urls(html: str, *, files_origin: str) -> str:
    """`html` with its relative links and image sources made absolute, as feed readers show an item away
    from our pages (and the W3C validator warns about each relative one).

    Uploads (under MEDIA_URL) and static files are served by this host, `files_origin`; any other path names
    a page of the public site, SITE_URL, where the item's own link points.
    """
    file_prefixes = tuple(
        prefix
        for prefix in (settings.MEDIA_URL, f"/{settings.STATIC_URL.lstrip('/')}")
        if prefix.startswith("/")
    )

    def absolute(match: re.Match[str]) -> str:
        url = unescape(match[2])
        if urlsplit(url).scheme or url.startswith("#"):
            return match[0]  # absolute already, or a mailto:; a fragment names a place in the item itself
        base = files_origin if url.startswith(file_prefixes) else settings.SITE_URL
        return f'{match[1]}="{escape(urljoin(base + "/", url))}"'

    return URL_ATTRIBUTE.sub(absolute, html)


def feed_query(full: bool, filters: str = "") -> str:
    """The canonical query string of a feed: its filters (publications.api.filters.feed_filter_query), then
    `full=1` or nothing, however the reader spelt them."""
    return "&".join(part for part in (filters, f"{FULL_PARAM}=1" if full else "") if part)


# What a feed is of: an author, topic or series, a publication type, or nothing (the whole catalogue).
CollectionT = TypeVar("CollectionT", Author, Topic, Series, str, None)


@dataclass(frozen=True)
class FeedScope(Generic[CollectionT]):
    """What one request asked for: the collection (author, topic, series) or type, summary or full text."""

    collection: CollectionT
    request: HttpRequest
    full: bool
    # The list filters asked for (FEED_FILTERS), validated, as a canonical query string.
    filters: str = ""
    # The moment the published rule is read at; None: now.
    at: datetime | None = None


@dataclass(frozen=True)
class FeedEntry:
    """A publication as seen from one feed request (so item methods can build absolute media URLs)."""

    publication: Publication
    scope: FeedScope[Any]


class BasePublicationFeed(Feed, Generic[CollectionT]):
    """The newest published pieces of a collection; subclasses say which in get_collection()."""

    language = settings.LANGUAGE_CODE
    # The feed's author: Atom requires one for entries without a byline (RFC 4287, 4.1.2).
    author_name = "Center for International Strategic Studies"

    def author_link(self) -> str:
        # Read when the feed is written, as every other link: the module may be imported under other settings.
        return settings.SITE_URL

    def __init__(self, feed_format: type[SyndicationFeed] | type[JsonFeed]) -> None:
        self.is_json = issubclass(feed_format, JsonFeed)
        if not issubclass(feed_format, JsonFeed):
            self.feed_type = feed_format

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.is_json:
            return super().__call__(request, *args, **kwargs)
        # As Django's Feed.__call__ does for the generators it drives.
        try:
            scope = self.get_object(request, *args, **kwargs)
        except ObjectDoesNotExist as error:
            raise Http404("Feed object does not exist.") from error
        return self.json_feed(scope)

    def json_feed(self, scope: FeedScope[CollectionT]) -> HttpResponse:
        """The JSON Feed of `scope`: its items as Postgres writes them, in one statement, around the feed's
        own keys; Last-Modified as Django's feeds set it (CatalogueDatesMixin.latest_post_date)."""
        request = scope.request
        addresses = FeedAddresses(
            site_url=settings.SITE_URL, media_url=request.build_absolute_uri(default_storage.url(""))
        )
        # Optimization (issue 16): bound on the server, the items' statement is prepared after a few runs and
        # planned once per connection; bound on the client it was planned anew on every request.
        with server_binding(router.db_for_read(Publication)):
            rows = _feed_items_statement(self, scope).fetch(
                at=timezone.now(), site=addresses.site_url, media=addresses.media_url
            )
        files_origin = request.build_absolute_uri("/").rstrip("/")
        items = []
        for head, body, tail, _, pdf_unmeasured, _ in rows:
            item = head
            if tail is not None:
                # The body's links are made absolute by Python's rules (absolute_urls), then put in place.
                content = xml_text(absolute_urls(body, files_origin=files_origin))
                item = f"{head}{json.dumps(content, ensure_ascii=False)}{tail}"
            if pdf_unmeasured is not None:
                item = _with_attachment(item, pdf_unmeasured, request=request)
            items.append(item)
        # Every row carries the catalogue's last change; with no row, it is read on its own.
        last_change = rows[0][5] if rows else self.feed_extra_kwargs(scope)["last_change"]
        dates = [row[3] for row in rows] + ([last_change] if last_change is not None else [])
        latest = max(dates) if dates else datetime.now(tz=UTC)
        feed = {
            "title": self.title(scope),
            "home_page_url": iri_to_uri(
                add_domain(get_current_site(request).domain, self.link(scope), request.is_secure())
            ),
            "feed_url": self.feed_url(scope),
            "description": self.description(scope),
            "language": self.language,
            "authors": [{"name": self.author_name, "url": iri_to_uri(self.author_link())}],
        }
        response = HttpResponse(JsonFeed.document(feed, items), content_type=JsonFeed.content_type)
        response.headers["Last-Modified"] = http_date(latest.timestamp())
        return response

    def _get_dynamic_attr(self, attname: str, obj: Any, default: Any = None) -> Any:
        # Optimization: Django's version inspects the method (unwrap, getattr_static) on each of its ~15
        # calls per item, a tenth of a feed's Python time; for a method of the class the answer is fixed.
        takes_item = _takes_item(cast(type, type(self)), attname)
        if takes_item is None:
            return super()._get_dynamic_attr(attname, obj, default)  # type: ignore[misc]  # Django's private helper is not in the stubs
        method = getattr(self, attname)
        return method(obj) if takes_item else method()

    def get_object(
        self, request: HttpRequest, *, full: bool = False, filters: str = "", **kwargs: Any
    ) -> FeedScope[CollectionT]:
        return FeedScope(
            collection=self.get_collection(**kwargs), request=request, full=full, filters=filters
        )

    def get_collection(self, *args: Any, **kwargs: Any) -> CollectionT:
        """The collection named by the URL's keyword arguments."""
        raise NotImplementedError

    def publications(self, scope: FeedScope[CollectionT]) -> PublicationQuerySet:
        return Publication.objects.published(scope.at)

    def get_feed(self, obj: FeedScope[CollectionT], request: HttpRequest) -> SyndicationFeed:
        feedgen = super().get_feed(obj, request)
        feedgen.feed["feed_url"] = self.feed_url(obj)
        return feedgen

    def feed_url(self, scope: FeedScope[CollectionT]) -> str:
        # rel="self" names this very document, with its canonical query string (?full=1, no utm_*).
        query = feed_query(scope.full, scope.filters)
        path = scope.request.path
        return scope.request.build_absolute_uri(f"{path}?{query}" if query else path)

    def feed_extra_kwargs(self, scope: FeedScope[CollectionT]) -> dict:
        # Unpublishing or deleting a piece changes no remaining item's date, yet must change the feed's.
        last_change = PublicationChange.objects.effective().aggregate(latest=Max("effective_at"))["latest"]
        return {"last_change": last_change}

    def title(self, scope: FeedScope[CollectionT]) -> str:
        return "CISS publications"

    def link(self, scope: FeedScope[CollectionT]) -> str:
        return f"{settings.SITE_URL}/publications/"

    def description(self, scope: FeedScope[CollectionT]) -> str:
        return "New publications from the Center for International Strategic Studies."

    def selected(self, scope: FeedScope[CollectionT]) -> PublicationQuerySet:
        """The collection's published pieces the request's filters keep."""
        publications = self.publications(scope)
        if scope.filters:
            # Validated already (FeedView), so the FilterSet's form cannot fail here.
            filtered = PublicationFilterSet(QueryDict(scope.filters), queryset=publications).qs
            publications = cast(PublicationQuerySet, filtered)
        return publications

    def items(self, scope: FeedScope[CollectionT]) -> list[FeedEntry]:
        # Optimization: bylines, topics and cross-posts as JSON array columns of the one items query.
        publications = self.selected(scope).with_feed(full=scope.full).order_by("-published_at", "-id")
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
        # A published piece always has its time (a check constraint on Publication).
        return cast(datetime, entry.publication.published_at)

    def item_updateddate(self, entry: FeedEntry) -> datetime:
        # Edits made while a piece was still scheduled predate its publication; never go below that.
        return max(entry.publication.updated_at, self.item_pubdate(entry))

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
            "content_html": absolute_urls(
                publication.body, files_origin=entry.scope.request.build_absolute_uri("/").rstrip("/")
            )
            if entry.scope.full
            else None,
            "canonical": {"url": canonical["url"], "name": canonical["outlet"]["name"]}
            if canonical
            else None,
            "language": publication.language,
        }


def _with_attachment(item: str, pdf: str, *, request: HttpRequest) -> str:
    """The JSON text `item` with its PDF attached, if the file's size can be read from storage.

    Sizes are stored on upload; a PDF stored before they were (or missing from storage) has none, and must
    not break the feed: an attachment without its size is left out, as RSS and Atom leave the enclosure.
    """
    storage = Publication._meta.get_field("pdf").storage
    try:
        size = storage.size(pdf)
    except OSError:
        return item
    attachment = {"url": request.build_absolute_uri(storage.url(pdf)), "mime_type": "application/pdf"}
    # "attachments" is an item's last key: it goes in before the closing brace.
    return f'{item[:-1]}, "attachments": {json.dumps([{**attachment, "size_in_bytes": size}])}}}'


@functools.cache
def _takes_item(feed_class: type, attname: str) -> bool | None:
    """Whether the method `attname` of `feed_class` takes the object (Django's test: two arguments with
    self); None when it is not a plain method of one or two arguments (an attribute, a static method,
    absent, a wrapper without functools.wraps): Django decides, or refuses."""
    attr = inspect.getattr_static(feed_class, attname, None)
    if not inspect.isfunction(attr):
        return None
    return {1: False, 2: True}.get(inspect.unwrap(attr).__code__.co_argcount)


class PublicationFeed(BasePublicationFeed[None]):
    """The newest published pieces of the whole catalogue."""

    def get_collection(self) -> None:
        return None


class AuthorFeed(BasePublicationFeed[Author]):
    """An author's published pieces, co-authored ones included."""

    def get_collection(self, *, slug: str) -> Author:
        return get_object_or_404(Author.objects.public(), slug=slug)

    def publications(self, scope: FeedScope[Author]) -> PublicationQuerySet:
        return Publication.objects.published(scope.at).by_author(scope.collection.pk)

    def title(self, scope: FeedScope[Author]) -> str:
        return f"{scope.collection.display_name} — CISS publications"

    def link(self, scope: FeedScope[Author]) -> str:
        return scope.collection.public_url

    def description(self, scope: FeedScope[Author]) -> str:
        return f"Publications by {scope.collection.display_name}."


class TopicFeed(BasePublicationFeed[Topic]):
    """Published pieces on one topic."""

    def get_collection(self, *, slug: str) -> Topic:
        return get_object_or_404(with_live_publications(Topic.objects.all()), slug=slug)

    def publications(self, scope: FeedScope[Topic]) -> PublicationQuerySet:
        return Publication.objects.published(scope.at).filter(topics=scope.collection)

    def title(self, scope: FeedScope[Topic]) -> str:
        return f"{scope.collection.name} — CISS publications"

    def link(self, scope: FeedScope[Topic]) -> str:
        return f"{settings.SITE_URL}/topics/{scope.collection.slug}/"

    def description(self, scope: FeedScope[Topic]) -> str:
        return f"Publications on {scope.collection.name}."


class SeriesFeed(BasePublicationFeed[Series]):
    """Published pieces of one series or journal."""

    def get_collection(self, *, slug: str) -> Series:
        return get_object_or_404(with_live_publications(Series.objects.all()), slug=slug)

    def publications(self, scope: FeedScope[Series]) -> PublicationQuerySet:
        return Publication.objects.published(scope.at).filter(series=scope.collection)

    def title(self, scope: FeedScope[Series]) -> str:
        return f"{scope.collection.name} — CISS publications"

    def link(self, scope: FeedScope[Series]) -> str:
        return f"{settings.SITE_URL}/series/{scope.collection.slug}/"

    def description(self, scope: FeedScope[Series]) -> str:
        return f"Publications in {scope.collection.name}."


class TypeFeed(BasePublicationFeed[str]):
    """Published pieces of one type (commentaries, policy papers, ...)."""

    def get_collection(self, *, publication_type: str) -> str:
        if publication_type not in Publication.Type.values:
            raise Publication.DoesNotExist(publication_type)
        return publication_type

    def publications(self, scope: FeedScope[str]) -> PublicationQuerySet:
        return Publication.objects.published(scope.at).of_type(scope.collection)

    def title(self, scope: FeedScope[str]) -> str:
        return f"{Publication.Type(scope.collection).label}s — CISS publications"

    def link(self, scope: FeedScope[str]) -> str:
        return f"{settings.SITE_URL}/publications/?type={scope.collection}"

    def description(self, scope: FeedScope[str]) -> str:
        return f"{Publication.Type(scope.collection).label} publications from CISS."


class IgnoreAcceptNegotiation(BaseContentNegotiation):
    """A feed URL has one format; feed readers' Accept headers vary, and errors are JSON regardless."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return next(iter(parsers), None)

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class FeedView(APIView):
    """One feed in one format, with the API's partner keys, throttles, problem+json errors and caching.

    Feeds accept `Authorization: Api-Key <key>` as the API does: partners then poll at their own rate
    rather than the anonymous one, and their use is counted. Anonymous polling works as before.
    """

    feed: BasePublicationFeed[Any] | None = None
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
        filters = self.valid_filters(request)
        try:
            return _render_feed(
                request._request, feed=self.feed, full=FULL_VALUES[raw_full], filters=filters, **kwargs
            )
        except Http404 as error:
            raise NotFound("No such author, topic, series or type.") from error

    def valid_filters(self, request: Request) -> str:
        """The list filters given (FEED_FILTERS), checked as the publications list checks them, as a
        canonical query string; a 400 naming each bad one."""
        names = FEED_FILTERS & request.query_params.keys()
        if not names:
            # Optimization: a FilterSet costs a tenth of a feed's time to build; with nothing to check, the
            # answer is no filter.
            return ""
        given = QueryDict(mutable=True)
        for name in names:
            given.setlist(name, request.query_params.getlist(name))
        check_query_parameters(given, filter_parameters(PublicationFilterSet))
        filterset = PublicationFilterSet(given, queryset=Publication.objects.none())
        if not filterset.is_valid():
            # django-filter's helper returns DRF's ValidationError; its stubs type it as a plain value.
            raise translate_validation(filterset.errors)  # type: ignore[misc]
        return feed_filter_query(given)

    # DRF's finalize_response takes and returns any HttpResponseBase; the stubs say Response only.
    def finalize_response(  # type: ignore[override]
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        """The API's caching rules (cissapi.api.http_caching.finalize) for a body that is already bytes."""
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[arg-type]  # as above
        # Last-Modified is the Feed's (its newest item); the surrogate keys are set where the feed is cached.
        # The ETag is strong, a hash of the exact bytes: the body is built either way (a fixed handful of
        # queries).
        modified = parse_http_date_safe(response.headers.get("Last-Modified", ""))
        meta = ResponseMeta(
            last_modified=datetime.fromtimestamp(modified, tz=UTC) if modified is not None else None,
            surrogate_keys=None,
        )
        return finalize(request, response, meta, vary=FEED_VARY)


# --- JSON Feed items, compiled once (issue 16, h18-frame) ----------------------------------------------
# Samples a compiled statement holds where the published rule's time and the items' origins go.
_TIME_SAMPLE = datetime(1, 1, 1, tzinfo=UTC)
_SITE_SAMPLE, _MEDIA_SAMPLE = "\x00site", "\x00media"
# Feeds (a feed, its collection, text and filters) whose items' statement each process keeps compiled.
COMPILED_FEEDS = 256
_compiled_items: dict[tuple[Any, ...], CompiledQuery] = {}


def _feed_items_statement(feed: BasePublicationFeed[Any], scope: FeedScope[Any]) -> CompiledQuery:
    """The statement of `scope`'s JSON Feed items (PublicationQuerySet.as_feed_items), with the time and the
    origins to fill in.

    Optimization (issue 16): building and compiling the items' query (the published rule, the collection's
    and the filters' conditions, the SQL-built items) cost Python about as much as Postgres takes to run it.
    A feed's statement differs only by those, so it is compiled once per process for each of the first
    COMPILED_FEEDS feeds asked for; others are compiled on each request, as before.
    """
    alias = router.db_for_read(Publication)
    collection = scope.collection.pk if isinstance(scope.collection, Model) else scope.collection
    # The stubs type the features as the base class, which lacks PostgreSQL's flag.
    binding = cast(Any, connections[alias].features).uses_server_side_binding
    key = (type(feed), collection, scope.full, scope.filters, alias, binding)
    statement = _compiled_items.get(key)
    if statement is None:
        items = feed.selected(replace(scope, at=_TIME_SAMPLE)).as_feed_items(
            FeedAddresses(site_url=_SITE_SAMPLE, media_url=_MEDIA_SAMPLE), full=scope.full, at=_TIME_SAMPLE
        )
        statement = CompiledQuery(
            items[:FEED_LENGTH], at=_TIME_SAMPLE, site=_SITE_SAMPLE, media=_MEDIA_SAMPLE
        )
        if len(_compiled_items) < COMPILED_FEEDS:
            _compiled_items[key] = statement
    return statement


def _feed_cache_query(request: HttpRequest, *, full: bool, filters: str, **kwargs: Any) -> str:
    return feed_query(full, filters)


@cache_public_response(surrogate_keys=["feeds"], query=_feed_cache_query)
def _render_feed(
    request: HttpRequest, *, feed: BasePublicationFeed[Any], full: bool, filters: str, **kwargs: Any
) -> HttpResponse:
    # Runs after FeedView's authentication and throttling, so a cached feed still counts against a rate.
    # The cache key is the canonical URL, which names the feed, its format, its filters and `full`.
    return feed(request, full=full, filters=filters, **kwargs)


def _feed_paths(prefix: str, feed_class: type[BasePublicationFeed[Any]], name: str) -> list[URLPattern]:
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
