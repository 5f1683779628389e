"""HTTP caching for API responses and feeds: validators, 304s, lifetimes, surrogate keys and whole-response
caching in the shared cache (per catalogue generation, cissapi.api.generation).

Validators: the ETag is a hash of the exact bytes sent, so it is strong and changes with any change a client
could see (including a piece going live at its scheduled time). Last-Modified is the newest change among
what the response shows, as views report it; when a client sends both, If-None-Match wins (RFC 9110,
13.2.2).

Whole responses (settings.API_CACHE) are kept under the catalogue generation. Nothing is cached that was not
a 200 to a GET or HEAD, nor a body over settings.API_CACHE_MAX_BODY_BYTES. Entries are keyed on the
canonical request: scheme, the host as links spell it (lowercase, no default port), path, and only the
parameters the view reads, sorted (cissapi.api.parameters); so other spellings of one request share one
entry.

`Surrogate-Key` (Fastly, and Varnish with xkey) and `Cache-Tag` (Cloudflare, Akamai) name what each
response shows, so a CDN in front can purge precisely; see the README's API section.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import wraps
from hashlib import md5
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.http.request import split_domain_port
from django.template.response import SimpleTemplateResponse
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import http_date
from rest_framework.request import Request

if TYPE_CHECKING:
    from rest_framework.views import APIView

from cissapi.api import generation
from cissapi.api.generation import Generation, Validity
from cissapi.api.parameters import (
    FORMAT_PARAM,
    Parameter,
    canonical_query,
    check_query_parameters,
)

# Authorization: a shared cache (a CDN) must keep partners' answers apart from everyone else's.
VARY = ("Accept", "Accept-Encoding", "Origin", "Authorization")
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
# Headers an API view sets itself that a stored answer replays; finalize() derives the rest (validators,
# lifetimes, Link, surrogate keys) from the stored meta.
API_REPLAYED_HEADERS = ("Content-Disposition",)  # a citation's file name (publications.api.cite)
DEFAULT_PORTS = {"http": 80, "https": 443}
# The preconditions Django's get_conditional_response() reads (RFC 9110, 13.1).
CONDITIONAL_HEADERS = (
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
)
SAFE_METHODS = ("GET", "HEAD")


@dataclass
class ResponseMeta:
    """What one response shows and where it is kept, gathered while the view builds it, read when it is
    finalized."""

    # The newest change among what the response shows (its Last-Modified).
    last_modified: datetime | None = None
    # Surrogate keys of what it shows (`publication-12`, `author-3`); None leaves the headers as they are.
    surrogate_keys: list[str] | None = field(default_factory=list)
    # Where to keep the response in the shared cache; None when it is not to be kept (or came from there).
    cache_key: str | None = None
    # The catalogue generation, read at most once per response (with its cached answer or page count).
    generation: Generation | None = None
    # `Link` header values that belong with the body (pagination's next, prev, ...), kept with it in the
    # cache; per-response links (feed alternates) are added after.
    links: list[str] = field(default_factory=list)
    # When the view started, before it read anything: what it shows is at least this fresh (generation.keep).
    born: float = field(default_factory=time.time)

    def note_last_modified(self, moments: Iterable[datetime | None]) -> None:
        """Views call this with the change times of what they show; the newest becomes Last-Modified."""
        known = [moment for moment in moments if moment is not None]
        if known:
            newest = max(known)
            self.last_modified = max(self.last_modified, newest) if self.last_modified else newest

    def note_surrogate_keys(self, keys: Iterable[str]) -> None:
        """Views call this with keys of what they show (`publication-12`, `author-3`)."""
        self.surrogate_keys = [*(self.surrogate_keys or []), *keys]


def use_canonical_host(request: HttpRequest) -> str:
    """Make the request's host its canonical spelling, and return `scheme://host[:port]`.

    `LOCALHOST`, `localhost.` and `localhost:80` name one site. Links in a body are built on the request's
    host (build_absolute_uri), so with the host normalized before the view runs every spelling gives the
    same bytes, and the response cache keeps one entry for them.
    """
    domain, port = split_domain_port(request.get_host())
    # The stubs allow a None scheme; a request always has one ("http" at least).
    if port and int(port) != DEFAULT_PORTS.get(request.scheme):  # type: ignore[arg-type]
        domain = f"{domain}:{int(port)}"
    request.META["HTTP_HOST"] = domain
    return f"{request.scheme}://{domain}"


def response_key(origin: str, path: str, query: str) -> str:
    """The shared cache's key of a response: scheme and host appear in its links, the query in its content."""
    return generation.entry_key("response", f"{origin}{path}?{query}")


@dataclass(frozen=True)
class SharedEntry:
    """The shared cache's entry a response was answered from or stored as: noted on the request, so that a
    layer in front (cissapi.early_hits) can keep the final response under the same key, valid as long as
    the entry is."""

    key: str
    validity: Validity


def note_shared_entry(request: HttpRequest | Request, key: str, validity: Validity) -> None:
    """Record on the (Django) request which shared cache entry its answer is."""
    django_request = request._request if isinstance(request, Request) else request
    # An attribute of this request only, read back with getattr (HttpRequest declares no such attribute).
    django_request.shared_entry = SharedEntry(key, validity)  # type: ignore[attr-defined]


def cacheable(request: HttpRequest) -> bool:
    """Whether the answer to `request` may come from (and go to) the shared response cache."""
    # Bodies never vary by client (no sessions, partners see what everyone sees), so every read shares.
    return settings.API_CACHE and request.method in SAFE_METHODS


def storable(content: bytes) -> bool:
    """Whether a body is small enough to keep."""
    # A few huge bodies (full-text feeds of books) would otherwise crowd out thousands of ordinary ones.
    return len(content) <= settings.API_CACHE_MAX_BODY_BYTES


def patch_cache_lifetime(request: HttpRequest, response: HttpResponseBase) -> None:
    """Cache-Control of a successful answer: public for everyone, private to a request with credentials."""
    # An answer to a request with credentials is for that client only: a CDN must not hand it to others.
    # Partners see what everyone sees, but their requests are counted and rate-limited at the origin.
    shared = "HTTP_AUTHORIZATION" not in request.META
    _patch_cache_control(
        response,
        ("public", True) if shared else ("private", True),
        ("max_age", settings.API_CACHE_MAX_AGE),
        ("stale_while_revalidate", settings.API_CACHE_STALE_WHILE_REVALIDATE),
    )


# Optimization (issue 16): patching a header parses what the response has and writes it anew (~10
# microseconds each, two or three a response); on a response without the header yet (nearly every one),
# the outcome depends only on the arguments, so it is worked out once per process and set as it is.
@functools.lru_cache(maxsize=64)
def _fresh_cache_control(directives: tuple[tuple[str, Any], ...]) -> str:
    """Cache-Control of an empty response after patch_cache_control(response, **dict(directives))."""
    response = HttpResponse()
    patch_cache_control(response, **dict(directives))
    return response.headers["Cache-Control"]


# Bounded: a response's Vary is the application's and its middleware's (a few values), never a client's.
@functools.lru_cache(maxsize=256)
def _patched_vary(current: str | None, vary: tuple[str, ...]) -> str:
    """Vary of a response whose Vary is `current` (None: it has none) after patch_vary_headers(response,
    vary)."""
    response = HttpResponse()
    if current is not None:
        response.headers["Vary"] = current
    patch_vary_headers(response, vary)
    return response.headers["Vary"]


def _patch_cache_control(response: HttpResponseBase, *directives: tuple[str, Any]) -> None:
    """patch_cache_control(response, **dict(directives))."""
    if "Cache-Control" in response.headers:
        patch_cache_control(response, **dict(directives))
        return
    response.headers["Cache-Control"] = _fresh_cache_control(directives)


def patch_vary(response: HttpResponseBase, vary: Iterable[str]) -> None:
    """patch_vary_headers(response, vary), its outcome for each Vary worked out once per process.

    Optimization (issue 16): patching parses the header and writes it anew (~5 microseconds), two or three
    times a response (this finalizing, CORS's Origin); the outcome depends only on the header's value."""
    response.headers["Vary"] = _patched_vary(response.headers.get("Vary"), tuple(vary))


# Optimization (issue 16): formatting a date costs a few microseconds a response; the pieces a process
# serves change rarely, so their dates repeat. Bounded, the least recently used going first.
@functools.lru_cache(maxsize=4096)
def _http_date(timestamp: float) -> str:
    """http_date(timestamp)."""
    return http_date(timestamp)


def surrogate_headers(keys: Iterable[str]) -> dict[str, str]:
    """`Surrogate-Key` (space-separated) and `Cache-Tag` (comma-separated) naming the given keys."""
    names = list(dict.fromkeys([CATALOGUE_KEY, *keys]))
    return {"Surrogate-Key": " ".join(names), "Cache-Tag": ",".join(names)}


def finalize(
    request: HttpRequest, response: HttpResponse, meta: ResponseMeta, *, vary: Iterable[str]
) -> HttpResponse:
    """The last step of every API and feed response: Vary; on an error, no-store; on a success, its lifetime,
    surrogate keys, Last-Modified, the shared cache's copy, a strong ETag and a 304 when the client's copy
    is current."""
    patch_vary(response, vary)
    if not 200 <= response.status_code < 300:
        # Errors (404 for a piece not yet live, 429) must not outlive the condition that caused them.
        _patch_cache_control(response, ("no_store", True))
        return response
    patch_cache_lifetime(request, response)
    if meta.links:
        # One header: the body's links (pagination's), then any the view added for this response (feeds).
        response.headers["Link"] = ", ".join([*meta.links, *filter(None, [response.headers.get("Link")])])
    if meta.surrogate_keys is not None:
        meta.surrogate_keys = list(dict.fromkeys(meta.surrogate_keys))
        for name, value in surrogate_headers(meta.surrogate_keys).items():
            response.headers[name] = value
    if request.method not in SAFE_METHODS:
        return response
    if meta.last_modified is not None:
        response.headers["Last-Modified"] = _http_date(meta.last_modified.timestamp())
    if isinstance(response, SimpleTemplateResponse):
        # The body exists only once DRF renders it, so the ETag is set after rendering.
        response.add_post_render_callback(lambda rendered: _validate(request, rendered, meta))
        return response
    return _validate(request, response, meta)


def _validate(request: HttpRequest, response: HttpResponse, meta: ResponseMeta) -> HttpResponse:
    if meta.cache_key and meta.generation and response.status_code == 200 and storable(response.content):
        keys = tuple(sorted(set(meta.surrogate_keys or ())))
        note_shared_entry(request, meta.cache_key, Validity(meta.generation.token, meta.born, keys))
        generation.keep(
            meta.generation,
            meta.cache_key,
            {
                "content": response.content,
                "content_type": response.headers["Content-Type"],
                "last_modified": meta.last_modified.timestamp() if meta.last_modified else None,
                "keys": meta.surrogate_keys,
                "links": meta.links,
                "headers": {name: response[name] for name in API_REPLAYED_HEADERS if name in response},
            },
            born=meta.born,
            surrogate_keys=meta.surrogate_keys or (),
        )
    # As set_response_etag(): quote_etag() of a hex digest is the digest in quotes (its check of the digest
    # against a lazily compiled pattern costs more than the hashing of a bio).
    content = b"" if response.streaming else response.content
    if content:
        response.headers["ETag"] = f'"{md5(content, usedforsecurity=False).hexdigest()}"'
    if not any(name in request.META for name in CONDITIONAL_HEADERS):
        # Optimization (issue 16): without a precondition Django answers with the response itself, after
        # parsing four absent headers (a few percent of a bio's time, nearly every request).
        return response
    conditional = get_conditional_response(
        request,
        etag=response.headers.get("ETag"),
        last_modified=int(meta.last_modified.timestamp()) if meta.last_modified else None,
        response=response,
    )
    # Given a response, Django answers with it or a 304/412; the stubs allow None.
    if conditional is not None and conditional.status_code == 412:
        return precondition_failed(request, response)
    return cast(HttpResponse, conditional)


def precondition_failed(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """The 412 for a request whose If-Match or If-Unmodified-Since `response` fails: problem+json naming the
    header, as every other API error (Django's own 412 is an empty text/html page), with the Vary of the
    answer it stands for."""
    # Imported here: cissapi.api.exceptions loads DRF's views, whose settings import models, and this module
    # loads while the apps do.
    from cissapi.api.exceptions import problem_response

    failed = "If-Match" if "HTTP_IF_MATCH" in request.META else "If-Unmodified-Since"
    answer = problem_response(
        request, 412, f"The resource has changed: its current version does not satisfy {failed}."
    )
    if "Vary" in response.headers:
        answer.headers["Vary"] = response.headers["Vary"]
    return answer


# --- API views ------------------------------------------------------------------------------------------
if TYPE_CHECKING:
    # What the mixin is mixed into, for the type checker only.
    _ViewBase = APIView
else:
    _ViewBase = object


class ConditionalGetMixin(_ViewBase):
    """For DRF views: validators and 304s on successful GETs, cache lifetimes on every response, surrogate
    keys, and whole responses from the shared cache (settings.API_CACHE) for handlers decorated with
    `answer_from_cache`.

    What a response shows is noted on `self.response_meta` (a ResponseMeta) while the view builds it.
    """

    response_meta: ResponseMeta

    def query_parameters(self) -> dict[str, Parameter]:
        """The query parameters this view reads; any other is a 400 (cissapi.api.parameters)."""
        return {FORMAT_PARAM: Parameter()}

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.response_meta = ResponseMeta()
        # After authentication and throttling, so a cached answer (or a refusal) is still rate-limited.
        super().initial(request, *args, **kwargs)
        if request.method not in SAFE_METHODS:
            return  # reads nothing: OPTIONS, or a method answered with a 405
        use_canonical_host(request)
        check_query_parameters(request.query_params, self.query_parameters())

    def cached_response(self, request: Request) -> HttpResponse | None:
        """The stored answer to `request`, or None; then the answer the view builds is stored (when it is a
        200 small enough to keep)."""
        if not cacheable(request):
            return None
        meta = self.response_meta
        query = canonical_query(request.query_params, self.query_parameters())
        if variant := self.response_variant():
            query = f"{query}#{variant}"
        # The host is canonical already (initial), so this is the origin as the body's links spell it.
        meta.cache_key = response_key(use_canonical_host(request), request.path, query)
        meta.generation, entry = generation.read_entry(meta.cache_key, known=meta.generation)
        if entry is None:
            return None
        note_shared_entry(
            request, meta.cache_key, Validity(meta.generation.token, entry["born"], tuple(entry["keys"]))
        )
        meta.cache_key = None  # already stored
        cached = entry["value"]
        if cached["last_modified"] is not None:
            meta.last_modified = datetime.fromtimestamp(cached["last_modified"], tz=UTC)
        meta.surrogate_keys = cached["keys"]
        meta.links = cached["links"]
        response = HttpResponse(cached["content"], content_type=cached["content_type"])
        # After Content-Type, where the view set them; entries stored before they were kept have none.
        for name, value in cached.get("headers", {}).items():
            response[name] = value
        return response

    def response_variant(self) -> str:
        """What picks the answer besides the URL (a format negotiated from Accept), as part of its cache key;
        empty when the URL alone does."""
        return ""

    # DRF's finalize_response takes and returns any HttpResponseBase (a cached answer is a plain
    # HttpResponse); the stubs say Response.
    def finalize_response(  # type: ignore[override]
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        finalized = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[arg-type]  # as above
        return finalize(request, finalized, self.response_meta, vary=VARY)


def cached_value(
    key: str,
    compute: Callable[[], Any],
    *,
    surrogate_keys: Iterable[str],
    known: Generation | None = None,
) -> tuple[Generation, Any]:
    """The catalogue's generation (`known`, when read already) and `compute()` (such as a page count), kept
    under `key` in the shared cache for that generation until a change of what `surrogate_keys` name."""
    current, value = generation.read(key, known=known)
    if value is None:
        born = time.time()
        value = compute()
        generation.keep(current, key, value, born=born, surrogate_keys=surrogate_keys)
    return current, value


def answer_from_cache(handler: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator for the GET handlers of ConditionalGetMixin views whose answers may be shared: the stored
    answer when the shared cache has one, else the handler's (which is then stored).

    The lookup runs after `initial()` (authentication, throttling, the parameter check), so a cached answer
    is still rate-limited and a refused request never reaches the cache.
    """

    @wraps(handler)
    def answer(view: ConditionalGetMixin, request: Request, *args: Any, **kwargs: Any) -> Any:
        cached = view.cached_response(request)
        if cached is not None:
            return cached
        return handler(view, request, *args, **kwargs)

    return answer


# --- Plain Django views (feeds, sitemaps) ----------------------------------------------------------------
def cache_public_response(
    *,
    surrogate_keys: Iterable[str] = (),
    query: Callable[..., str | None] = lambda request, **kwargs: "",
) -> Callable:
    """Decorator for plain Django views: their 200 answers in the shared cache, per catalogue generation.

    `query(request, **view_kwargs)` gives the canonical query string of what the view reads (parameters it
    ignores, such as a feed reader's utm_*, never reach the key), or None for a request not worth caching.
    Put it inside the step that sets validators (`finalize`, `conditional_page`), so cached answers still
    get ETags and 304s.
    """
    keys = list(surrogate_keys)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def cached_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            origin = use_canonical_host(request)
            canonical = query(request, **kwargs)
            if not cacheable(request) or canonical is None:
                return view(request, *args, **kwargs)
            key = response_key(origin, request.path, canonical)
            born = time.time()
            current, entry = generation.read_entry(key)
            if entry is not None:
                note_shared_entry(request, key, Validity(current.token, entry["born"], tuple(entry["keys"])))
                cached = entry["value"]
                return HttpResponse(cached["content"], headers=cached["headers"])
            response = view(request, *args, **kwargs)
            if response.status_code == 200:
                if hasattr(response, "render"):
                    response.render()  # a TemplateResponse (sitemaps) has its bytes only once rendered
                # Keys the view named for what it shows (a public page's) are kept beside the decorator's.
                shown = [*keys, *response.headers.get("Surrogate-Key", "").split()]
                for name, value in surrogate_headers(shown).items():
                    response.headers[name] = value
                if storable(response.content):
                    validity = Validity(current.token, born, tuple(sorted(set(shown))))
                    note_shared_entry(request, key, validity)
                    headers = {name: response.headers[name] for name in REPLAYED_HEADERS if name in response}
                    generation.keep(
                        current,
                        key,
                        {"content": response.content, "headers": headers},
                        born=born,
                        surrogate_keys=shown,
                    )
            return response

        return cached_view

    return decorator
