"""Cache hits answered early: an anonymous GET or HEAD whose answer this process has sent before, and which
is still what the shared response cache would serve, is answered here, before sessions, authentication, the
URL resolver and DRF.

Each server process keeps in its own memory (at most settings.API_CACHE_PROCESS_BYTES) the final 200
responses that left the stack below this middleware, under the shared cache's key of the entry they were
answered from or stored as (cissapi.api.http_caching notes it on the request: the view computes the key,
nothing here spells it). Requests reach a kept response through the route they took to it: the request's
canonical origin, path, raw query string and Accept header (everything the views' keys and negotiation read
for an anonymous request), learned from the views' own answers, so another spelling of the query first goes
through the view once.

A kept response is served only while its shared entry would be (cissapi.api.generation.still_valid: the same
generation, not past its scheduled end, none of its surrogate keys marked since it was born): without a read
while this process's change listener is healthy and heard nothing it shows change since a read last found it
current (cissapi.api.change_listener, whose docstring gives the bound), otherwise by one read of the shared
cache; so an edit, an unpublish or a scheduled piece's time is seen by the next request once its notice has
reached the listener, as with the view's own lookup. It is counted by the anonymous throttle first when the
view counts it (a refused request goes on to the view, which answers the 429 without counting it again).
Middleware above this one (security headers, gzip, CSP, CORS, RateLimit fields) runs for it as for any
answer; what the middleware below added is part of the kept bytes. gzip compresses a kept body once, not on
every hit (cissapi.compression.CompressedOnce), its stream counted within the process's budget. 304s are
answered from the headers the stack below sent for a 304 of the same entry, once it has sent one; 412s and
everything else go through.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.http.response import ResponseHeaders
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe

from cissapi.api import change_listener
from cissapi.api.cache_table import read_as_health_check
from cissapi.api.change_listener import Heard
from cissapi.api.generation import Validity, still_valid
from cissapi.api.http_caching import SAFE_METHODS, SharedEntry, use_canonical_host
from cissapi.api.throttling import AnonymousRateThrottle
from cissapi.compression import CompressedOnce, CompressedOnceResponse

# Requests carrying one of these cookies may be answered for their sender (an editor's session, a form's
# CSRF token, a flash message): they always go through the stack. Other cookies (analytics) change nothing.
CONDITIONAL_HEADERS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)
# Routes (spellings of a request) kept per process: a few per kept response; beyond, the oldest go.
MAX_ROUTES = 20_000

Route = tuple[str, str, str, str]


@dataclass
class KeptResponse:
    """A final 200 of the stack below, and what says whether its shared entry is still current."""

    validity: Validity
    headers: dict[str, str]
    content: bytes
    # Whether the view counted the request with the anonymous throttle (API and feeds; not site pages).
    counted: bool
    # Never served after this (a POSIX time): the shared entry's own lifetime, counted from when it was kept.
    expires: float
    # The time of the last change when the entry was last found current (generation.still_valid).
    checked: float | None = None
    # How far the change listener had heard when the entry was last found current, and when its generation
    # ends (a scheduled change is due): until then, and while nothing heard since names one of its keys, it
    # is current without a read (cissapi.api.change_listener). None: read the shared cache.
    heard: Heard | None = None
    ends_at: float | None = None
    # The headers of the stack's 304 for this entry, once it sent one.
    not_modified: dict[str, str] | None = None
    # The body with its gzip stream once a client accepted gzip (compressed once, not on every hit).
    once: CompressedOnce = field(init=False)
    # `headers`, checked and encoded once (each answer copies them).
    prepared: ResponseHeaders = field(init=False)
    size: int = field(init=False)

    def __post_init__(self) -> None:
        self.once = CompressedOnce(self.content)
        self.prepared = ResponseHeaders(self.headers)
        self.size = len(self.content) + sum(len(name) + len(value) for name, value in self.headers.items())


class ProcessResponses:
    """Kept responses by shared cache key, least recently used first, within a byte budget; and routes."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.used = 0
        self.responses: OrderedDict[str, KeptResponse] = OrderedDict()
        self.routes: OrderedDict[Route, str] = OrderedDict()
        # gthread workers serve requests on several threads of one process.
        self.lock = threading.Lock()

    def find(self, route: Route) -> tuple[str, KeptResponse] | None:
        with self.lock:
            key = self.routes.get(route)
            kept = self.responses.get(key) if key is not None else None
            if key is None or kept is None:
                return None
            self.responses.move_to_end(key)
            return key, kept

    def keep(self, route: Route, key: str, kept: KeptResponse) -> None:
        if kept.size > self.budget:
            return
        with self.lock:
            self._drop(key)
            self.responses[key] = kept
            self.used += kept.size
            while self.used > self.budget:
                self._drop(next(iter(self.responses)))
            self.routes[route] = key
            self.routes.move_to_end(route)
            if len(self.routes) > MAX_ROUTES:
                self.routes.popitem(last=False)

    def drop(self, key: str) -> None:
        with self.lock:
            self._drop(key)

    def grown(self, key: str, kept: KeptResponse, size: int) -> None:
        """Count `size` more bytes for `kept` (its compressed stream), if it is still kept under `key`."""
        with self.lock:
            if self.responses.get(key) is not kept:
                return
            kept.size += size
            self.used += size
            while self.used > self.budget:
                self._drop(next(iter(self.responses)))

    def _drop(self, key: str) -> None:
        kept = self.responses.pop(key, None)
        if kept is not None:
            self.used -= kept.size


class EarlyHitMiddleware:
    """Answers an anonymous read from this process's kept responses while their shared entries are current;
    keeps the final 200s (and 304s) of the stack below for the next such read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        # One per handler: a server process has one; each test client has its own.
        self.kept = ProcessResponses(settings.API_CACHE_PROCESS_BYTES)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        route = self.route(request)
        if route is None:
            return self.get_response(request)
        found = self.kept.find(route)
        if found is not None and (answer := self.answer(request, *found)) is not None:
            return answer
        response = self.get_response(request)
        self.learn(request, route, response)
        return response

    def route(self, request: HttpRequest) -> Route | None:
        """How a request reaches a kept response, or None when it must go through the stack."""
        if not (settings.API_CACHE and self.kept.budget) or request.method not in SAFE_METHODS:
            return None
        meta = request.META
        if "HTTP_AUTHORIZATION" in meta or meta.get("CONTENT_LENGTH") not in (None, "", "0"):
            return None  # a partner's (counted and answered per partner), or a body the stack must bound
        if "HTTP_TRANSFER_ENCODING" in meta:
            return None
        if "HTTP_COOKIE" in meta and any(name in request.COOKIES for name in personal_cookies()):
            return None
        try:
            origin = use_canonical_host(request)
        except DisallowedHost:
            return None  # the stack answers it (a 400)
        return origin, request.path, meta.get("QUERY_STRING", ""), meta.get("HTTP_ACCEPT", "")

    def answer(self, request: HttpRequest, key: str, kept: KeptResponse) -> HttpResponseBase | None:
        """The kept response (or its 304) when it may be served now; None to go through the stack."""
        if time.time() >= kept.expires:
            self.kept.drop(key)
            return None
        response = self.response(request, kept)
        if response is None:
            return None  # decided before the shared cache is read: the stack reads it once
        if not self.current(key, kept):
            return None
        if kept.counted and not AnonymousRateThrottle().allow_request(request, None):
            return None  # the view answers the 429 (a refused request is not counted twice)
        return response

    def current(self, key: str, kept: KeptResponse) -> bool:
        """Whether `kept` is still what the shared cache would serve: without reading it while the change
        listener is healthy and heard nothing `kept` shows change since it was last found current (nor the
        generation end, nor its scheduled end come); otherwise by reading the shared cache."""
        heard, untouched = change_listener.check(kept.heard, kept.validity.keys)
        if untouched and (kept.ends_at is None or time.time() < kept.ends_at):
            kept.heard = heard
            return True
        try:
            with read_as_health_check():
                verdict = still_valid(kept.validity, checked=kept.checked)
        except Exception:
            # Whatever failed (the database or Redis is down), the stack answers as it would: a 503.
            return False
        if not verdict.current:
            self.kept.drop(key)
            return False
        # Heard before the read: whatever commits after the read is heard after that.
        kept.checked, kept.ends_at, kept.heard = verdict.checked, verdict.ends_at, heard
        return True

    def response(self, request: HttpRequest, kept: KeptResponse) -> HttpResponseBase | None:
        """What the stack would answer with `kept` current: the 200, or the 304 it sent before; None for a
        304 it has not sent yet or a 412."""
        response = CompressedOnceResponse(kept.once, kept.prepared)
        if not any(name in request.META for name in CONDITIONAL_HEADERS):
            return response
        # Django's own rule, as the view applies it (cissapi.api.http_caching.finalize).
        conditional = get_conditional_response(
            request,
            etag=kept.headers.get("ETag"),
            last_modified=parse_http_date_safe(kept.headers.get("Last-Modified", "")),
            response=response,
        )
        if conditional is response:
            return response
        if conditional is not None and conditional.status_code == 304 and kept.not_modified is not None:
            return HttpResponseNotModified(headers=kept.not_modified)
        return None

    def learn(self, request: HttpRequest, route: Route, response: HttpResponseBase) -> None:
        """Keep the stack's answer to `request` when it is its shared cache entry's, as the stack sent it."""
        entry: SharedEntry | None = getattr(request, "shared_entry", None)
        if entry is None or response.streaming or response.cookies:
            return
        if request.method != "GET":
            return  # kept from GETs only, so a HEAD answered with an empty body can never be served to a GET
        if response.status_code == 304:
            found = self.kept.find(route)
            if found is not None and found[1].headers.get("ETag") == response.headers.get("ETag"):
                found[1].not_modified = dict(response.headers.items())
            return
        if response.status_code != 200 or not isinstance(response, HttpResponse):
            return
        kept = KeptResponse(
            validity=entry.validity,
            headers=dict(response.headers.items()),
            content=response.content,
            counted=getattr(request, "counted_anonymously", False),
            # The shared entry lives API_CACHE_TIMEOUT from when it was stored, after it was born.
            expires=entry.validity.born + settings.API_CACHE_TIMEOUT,
        )
        kept.once.compressed = lambda size: self.kept.grown(entry.key, kept, size)
        self.kept.keep(route, entry.key, kept)


def personal_cookies() -> tuple[str, ...]:
    """The cookies that may make an answer its sender's own."""
    return (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, "messages")
