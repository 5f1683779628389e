"""HTTP caching for API responses and feeds: validators, 304s, lifetimes, surrogate keys and whole-response
caching in the shared cache.

Validators: the ETag is a hash of the exact bytes sent, so it is strong and changes with any change a client
could see (including a piece going live at its scheduled time). Last-Modified is the newest change among
what the response shows, as views report it; when a client sends both, If-None-Match wins (RFC 9110,
13.2.2).

Whole responses (settings.API_CACHE) and page counts (settings.API_CACHE_COUNTS) are kept in the shared cache
under a catalogue *generation*: a random token stored in the cache, replaced whenever anything public changes
(see cissapi.api.invalidation) and whenever the next scheduled `published_at` passes. Every entry carries
the token of its generation and counts only under that one, so a change makes every earlier entry stale at
once, and no entry can outlive the moment a scheduled piece goes live (its lifetime is also capped at that
moment). Nothing is
cached that was not a 200 to a GET or HEAD, nor a body over settings.API_CACHE_MAX_BODY_BYTES.

Entries are keyed on the canonical request: scheme, the host as links spell it (lowercase, no default port),
path, and only the parameters the view reads, sorted (cissapi.api.parameters); so other spellings of one
request share one entry. The generation lives in the same table, read with the entry in one query, but the
table's cull cannot delete it (cissapi.api.cache_table), so a flood of distinct URLs cannot empty the cache.

`Surrogate-Key` (Fastly, and Varnish with xkey) and `Cache-Tag` (Cloudflare, Akamai) name what each
response shows, so a CDN in front can purge precisely; see the README's API section.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.http.request import split_domain_port
from django.utils import timezone
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
    set_response_etag,
)
from django.utils.http import http_date
from rest_framework.request import Request

from cissapi.api.parameters import (
    FORMAT_PARAM,
    Parameter,
    canonical_query,
    check_query_parameters,
)

# Authorization: a shared cache (a CDN) must keep partners' answers apart from everyone else's.
VARY = ("Accept", "Accept-Encoding", "Origin", "Authorization")
GENERATION_KEY = "api:generation"
# Every response names the whole catalogue too, so one purge can empty a CDN.
CATALOGUE_KEY = "catalogue"
# Headers of a cached feed worth replaying; Django adds the rest (Content-Length, Vary from middleware).
REPLAYED_HEADERS = (
    "Content-Type",
    "Last-Modified",
    "Cache-Control",
    "Surrogate-Key",
    "Cache-Tag",
    "X-Robots-Tag",
)
DEFAULT_PORTS = {"http": 80, "https": 443}


# --- The catalogue generation ------------------------------------------------------------------------
@dataclass(frozen=True)
class Generation:
    token: str
    # When the next scheduled piece goes live (a POSIX time), or None when nothing is scheduled.
    ends_at: float | None

    def timeout(self, longest: int) -> int:
        """Seconds an entry of this generation may live: at most `longest`, and never past `ends_at`."""
        if self.ends_at is None:
            return longest
        return max(1, min(longest, int(self.ends_at - timezone.now().timestamp())))


def current_generation(request: HttpRequest | Request | None = None) -> Generation:
    """The catalogue's generation, starting a new one when the last ended (a scheduled piece went live).

    Looked up once per `request`: a response and its page count belong to the same generation.
    """
    return cached_entry(request, None)[0]


def cached_entry(request: HttpRequest | Request | None, key: str | None) -> tuple[Generation, Any]:
    """The generation, and the value cached under `key` in it (None when absent or of an older one).

    Optimization: the generation and the entry are read together (one query on the database cache, one
    MGET on Redis); entries carry the token of the generation they belong to, and any other is stale.
    """
    known = getattr(request, "_api_generation", None)
    keys = [name for name in (None if known else GENERATION_KEY, key) if name]
    found = cache.get_many(keys) if keys else {}
    generation = known or _valid_generation(found.get(GENERATION_KEY))
    if request is not None:
        request._api_generation = generation
    entry = found.get(key) if key else None
    if entry is None or entry["generation"] != generation.token:
        return generation, None
    return generation, entry["value"]


def cache_entry(generation: Generation, key: str, value: Any) -> None:
    """Keep `value` under `key` for `generation` (replacing any older generation's entry)."""
    entry = {"generation": generation.token, "value": value}
    cache.set(key, entry, generation.timeout(settings.API_CACHE_TIMEOUT))


def _valid_generation(stored: dict | None) -> Generation:
    now = timezone.now().timestamp()
    if stored is not None and (stored["ends_at"] is None or stored["ends_at"] > now):
        return Generation(**stored)
    from publications.models import Publication

    scheduled = Publication.objects.scheduled().order_by("published_at")
    moment = scheduled.values_list("published_at", flat=True).first()
    generation = Generation(token=secrets.token_hex(8), ends_at=moment.timestamp() if moment else None)
    cache.set(GENERATION_KEY, generation.__dict__, timeout=None)
    return generation


def end_generation() -> None:
    """Make every cached response and count unreachable: something public changed.

    Done now (inside the writer's transaction, which with the database cache commits with the change) and
    again after commit: a reader that started a new generation from data read before the commit cannot keep
    serving that data.
    """
    cache.delete(GENERATION_KEY)
    transaction.on_commit(lambda: cache.delete(GENERATION_KEY))


def cached_count(request: Request, filter_key: str, count: Callable[[], Any]) -> Any:
    """`count()` (a page count, with whatever else describes the filtered set), kept per generation."""
    if not settings.API_CACHE_COUNTS:
        return count()
    key = f"api:count:{_digest(filter_key)}"
    generation, value = cached_entry(request, key)
    if value is None:
        value = count()
        cache_entry(generation, key, value)
    return value


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _cacheable(request: HttpRequest) -> bool:
    # Bodies never vary by client (no sessions, partners see what everyone sees), so every read shares.
    return settings.API_CACHE and request.method in ("GET", "HEAD")


def _storable(content: bytes) -> bool:
    # A few huge bodies (full-text feeds of books) would otherwise crowd out thousands of ordinary ones.
    return len(content) <= settings.API_CACHE_MAX_BODY_BYTES


def use_canonical_host(request: HttpRequest) -> str:
    """Make the request's host its canonical spelling, and return `scheme://host[:port]`.

    `LOCALHOST`, `localhost.` and `localhost:80` name one site. Links in a body are built on the request's
    host (build_absolute_uri), so with the host normalized before the view runs every spelling gives the
    same bytes, and the response cache keeps one entry for them.
    """
    domain, port = split_domain_port(request.get_host())
    if port and int(port) != DEFAULT_PORTS.get(request.scheme):
        domain = f"{domain}:{int(port)}"
    request.META["HTTP_HOST"] = domain
    return f"{request.scheme}://{domain}"


def _response_key(origin: str, path: str, query: str) -> str:
    # Scheme and host appear in the body's links, the canonical query string in its content.
    return f"api:response:{_digest(f'{origin}{path}?{query}')}"


def patch_cache_lifetime(request: HttpRequest, response: HttpResponseBase) -> None:
    """Cache-Control of a successful answer: public for everyone, private to a request with credentials."""
    # An answer to a request with credentials is for that client only: a CDN must not hand it to others.
    # Partners see what everyone sees, but their requests are counted and rate-limited at the origin.
    shared = "HTTP_AUTHORIZATION" not in request.META
    patch_cache_control(
        response,
        **({"public": True} if shared else {"private": True}),
        max_age=settings.API_CACHE_MAX_AGE,
        stale_while_revalidate=settings.API_CACHE_STALE_WHILE_REVALIDATE,
    )


def surrogate_headers(keys: Iterable[str]) -> dict[str, str]:
    """`Surrogate-Key` (space-separated) and `Cache-Tag` (comma-separated) naming the given keys."""
    names = list(dict.fromkeys([CATALOGUE_KEY, *keys]))
    return {"Surrogate-Key": " ".join(names), "Cache-Tag": ",".join(names)}


# --- API views ------------------------------------------------------------------------------------------
class ConditionalGetMixin:
    """For DRF views: validators and 304s on successful GETs, cache lifetimes on every response, surrogate
    keys, and whole responses from the shared cache when settings.API_CACHE is on."""

    last_modified: datetime | None = None
    # Views whose answers must be computed fresh every time opt out of the shared response cache.
    cache_responses = True

    def note_last_modified(self, moments: Iterable[datetime | None]) -> None:
        """Views call this with the change times of what they show; the newest becomes Last-Modified."""
        known = [moment for moment in moments if moment is not None]
        if known:
            newest = max(known)
            self.last_modified = max(self.last_modified, newest) if self.last_modified else newest

    def note_surrogate_keys(self, keys: Iterable[str]) -> None:
        """Views call this with keys of what they show (`publication-12`, `author-3`)."""
        self.surrogate_keys = [*getattr(self, "surrogate_keys", []), *keys]

    def query_parameters(self) -> dict[str, Parameter]:
        """The query parameters this view reads; any other is a 400 (cissapi.api.parameters)."""
        return {FORMAT_PARAM: Parameter()}

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # After authentication and throttling, so a cached answer (or a refusal) is still rate-limited.
        super().initial(request, *args, **kwargs)
        self._cache_key = None
        if request.method not in ("GET", "HEAD"):
            return  # reads nothing: OPTIONS, or a method answered with a 405
        origin = use_canonical_host(request)
        accepted = self.query_parameters()
        check_query_parameters(request.query_params, accepted)
        if not self.cache_responses or not _cacheable(request):
            return
        self._cache_key = _response_key(origin, request.path, canonical_query(request.query_params, accepted))
        self._generation, cached = cached_entry(request, self._cache_key)
        if cached is not None:
            handler_name = request.method.lower()
            setattr(self, handler_name, lambda *a, **k: self._replay(cached))

    def _replay(self, cached: dict) -> HttpResponse:
        self._cache_key = None  # already stored
        if cached["last_modified"] is not None:
            self.last_modified = datetime.fromtimestamp(cached["last_modified"], tz=UTC)
        self.surrogate_keys = cached["keys"]
        return HttpResponse(cached["content"], content_type=cached["content_type"])

    def finalize_response(self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, VARY)
        if not 200 <= response.status_code < 300:
            # Errors (404 for a piece not yet live, 429) must not outlive the condition that caused them.
            patch_cache_control(response, no_store=True)
            return response
        patch_cache_lifetime(request, response)
        keys = list(dict.fromkeys(getattr(self, "surrogate_keys", [])))
        for name, value in surrogate_headers(keys).items():
            response.headers[name] = value
        if request.method in ("GET", "HEAD"):
            if self.last_modified is not None:
                response.headers["Last-Modified"] = http_date(self.last_modified.timestamp())
            if hasattr(response, "add_post_render_callback"):
                # The body exists only once DRF renders it, so the ETag is set after rendering.
                response.add_post_render_callback(
                    lambda rendered: self._answer_conditionally(request, rendered, keys)
                )
            else:
                response = self._answer_conditionally(request, response, keys)
        return response

    def _answer_conditionally(
        self, request: Request, response: HttpResponseBase, keys: list[str]
    ) -> HttpResponseBase:
        if getattr(self, "_cache_key", None) and response.status_code == 200 and _storable(response.content):
            cache_entry(
                self._generation,
                self._cache_key,
                {
                    "content": response.content,
                    "content_type": response.headers["Content-Type"],
                    "last_modified": self.last_modified.timestamp() if self.last_modified else None,
                    "keys": keys,
                },
            )
        set_response_etag(response)
        return get_conditional_response(
            request,
            etag=response.headers.get("ETag"),
            last_modified=self.last_modified and int(self.last_modified.timestamp()),
            response=response,
        )


# --- Plain Django views (feeds, sitemaps) ----------------------------------------------------------------
def cache_public_response(
    *,
    surrogate_keys: Iterable[str] = (),
    query: Callable[..., str | None] = lambda request, **kwargs: "",
) -> Callable:
    """Decorator for plain Django views: their 200 answers in the shared cache, per catalogue generation.

    `query(request, **view_kwargs)` gives the canonical query string of what the view reads (parameters it
    ignores, such as a feed reader's utm_*, never reach the key), or None for a request not worth caching.
    Put it inside `conditional_page`, so cached answers still get ETags and 304s.
    """
    keys = list(surrogate_keys)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def cached_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            origin = use_canonical_host(request)
            canonical = query(request, **kwargs)
            if not _cacheable(request) or canonical is None:
                return view(request, *args, **kwargs)
            key = _response_key(origin, request.path, canonical)
            generation, cached = cached_entry(request, key)
            if cached is not None:
                return HttpResponse(cached["content"], headers=cached["headers"])
            response = view(request, *args, **kwargs)
            if response.status_code == 200:
                if hasattr(response, "render"):
                    response.render()  # a TemplateResponse (sitemaps) has its bytes only once rendered
                for name, value in surrogate_headers(keys).items():
                    response.headers[name] = value
                if _storable(response.content):
                    headers = {name: response.headers[name] for name in REPLAYED_HEADERS if name in response}
                    cache_entry(generation, key, {"content": response.content, "headers": headers})
            return response

        return cached_view

    return decorator
