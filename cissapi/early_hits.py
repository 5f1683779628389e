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

EarlyHitApp (the WSGI application, cissapi/wsgi.py) answers the same hits before Django's handler: without a
request object, signals or any middleware. It learns, per kept response and per variant of a request (method,
Origin, whether gzip is accepted, 200 or 304, whether the throttle writes RateLimit fields, whether the body
goes compressed), the status line and headers Django's handler sent for the middleware's early answer, and
serves them once two answers in a row were alike but for the fields set per answer (the RateLimit fields, a
compressed body's length): a header that changes on every answer (a nonce, a request id) is never served
from memory. It checks and counts as the middleware does, and sends the body or a freshly padded gzip
stream. Whatever it cannot answer so (a variant not yet seen twice, a read needed, a throttled client, a
request the middleware would not answer early) goes through Django as before.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.http.cookie import parse_cookie
from django.http.response import ResponseHeaders
from django.middleware.gzip import re_accepts_gzip
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe

from cissapi.api import change_listener
from cissapi.api.cache_table import read_as_health_check
from cissapi.api.change_listener import Heard
from cissapi.api.generation import Validity, still_valid
from cissapi.api.http_caching import SAFE_METHODS, SharedEntry, use_canonical_host
from cissapi.api.rate_limits import POLICY_FIELD, STATE_FIELD
from cissapi.api.throttling import AnonymousRateThrottle
from cissapi.compression import (
    COMPRESSED_PATHS,
    CompressedOnce,
    CompressedOnceResponse,
    PublicGZipMiddleware,
    compressed_once_body,
)

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
# Where EarlyHitMiddleware notes, in the WSGI environ (request.META), the kept response it answered a request
# with: EarlyHitApp in front learns from it what the whole stack sent.
ANSWERED = "cissapi.early_hits.answered"
# Variants (kinds of answer the middleware above gives) learned per kept response: Origin is the client's
# to choose, so beyond this many a kept response's other variants go through Django.
MAX_VARIANTS = 16
# (method, Origin, accepts gzip, status code, RateLimit fields, body compressed)
Variant = tuple[str, str | None, bool, int, bool, bool]


@dataclass
class Sent:
    """What Django's handler sent for an early hit of a kept response in one variant: the status line and
    the headers, with the fields set per answer (RateLimit, a compressed body's length) at known places."""

    status: str
    headers: list[tuple[str, str]]
    policy_at: int | None
    state_at: int | None
    length_at: int | None
    # Seen twice alike (but for the fields above): only then EarlyHitApp serves it.
    confirmed: bool = False

    @classmethod
    def of(cls, status: str, headers: list[tuple[str, str]], *, compressed: bool) -> Sent:
        names = [name for name, _ in headers]

        def place(name: str) -> int | None:
            return names.index(name) if name in names else None

        return cls(
            status,
            headers,
            place(POLICY_FIELD),
            place(STATE_FIELD),
            place("Content-Length") if compressed else None,
        )

    def fixed(self) -> list[tuple[str, str]]:
        """The headers with the fields set per answer left out."""
        per_answer = (self.policy_at, self.state_at, self.length_at)
        return [header for place, header in enumerate(self.headers) if place not in per_answer]

    @property
    def size(self) -> int:
        return len(self.status) + sum(len(name) + len(value) for name, value in self.headers)


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
    # What Django's handler sent for it, per variant (EarlyHitApp).
    variants: dict[Variant, Sent] = field(init=False, default_factory=dict)
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

    def touch(self, key: str) -> KeptResponse | None:
        """The response kept under `key` (now the most recently used), if any."""
        with self.lock:
            kept = self.responses.get(key)
            if kept is not None:
                self.responses.move_to_end(key)
            return kept

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
            request.META[ANSWERED] = (self.kept, *found)
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
        vouched, heard, _ = unchanged(kept)
        if vouched:
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


def unchanged(kept: KeptResponse) -> tuple[bool, Heard | None, bool]:
    """(Whether the change listener vouches, without a read, that `kept` is still current: healthy, nothing
    heard since it was last found current names one of its keys, its generation's end not come; how far the
    listener has heard; whether it sent its heartbeat through Django's connection just now)."""
    heard, untouched, pinged = change_listener.check(kept.heard, kept.validity.keys)
    vouched = untouched and (kept.ends_at is None or time.time() < kept.ends_at)
    if vouched:
        kept.heard = heard
    return vouched, heard, pinged


# --- Before Django's handler ---------------------------------------------------------------------------
StartResponse = Callable[..., Any]
WSGIApplication = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
# A raw request's route: the environ's own values that EarlyHitMiddleware.route and the middleware above it
# read (scheme, host, script name, path, query, Accept); a request's own spelling, so several may lead to
# one kept response, each learned from an answer the stack made to it (which validated its host).
RawRoute = tuple[str | None, ...]
# Preflight-only (CORS): a GET that carries it is left to corsheaders.
PRIVATE_NETWORK = "HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK"


class EarlyHitApp:
    """The WSGI application: answers an early hit before Django's handler, with the status line and headers
    the whole stack sent for one alike before; everything else goes to `application` (Django's handler).

    Alike means the same raw route and variant: together they hold everything of a request that the
    middleware above EarlyHitMiddleware reads (security: the scheme; gzip: Accept-Encoding and the path;
    CSP and whitenoise: the path; CORS: Origin, the path, and the private-network header, left to the stack;
    RateLimit: the throttle, counted here). A middleware added above it that reads anything else of a
    request must add that to the variant (or the route), or requests differing in it get one answer.
    """

    def __init__(self, application: WSGIApplication) -> None:
        self.application = application
        # Keys, not responses: one evicted from its store is not kept alive here.
        self.routes: dict[RawRoute, tuple[ProcessResponses, str]] = {}
        self.lock = threading.Lock()
        proxy_header = settings.SECURE_PROXY_SSL_HEADER
        # The header that makes a request secure behind a TLS proxy (request.scheme reads it).
        self.proxy_header: str | None = proxy_header[0] if proxy_header else None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        raw = self.raw_route(environ)
        if raw is None:
            return self.application(environ, start_response)
        found = self.routes.get(raw)
        if found is not None and (answer := self.answer(environ, *found)) is not None:
            status, headers, body = answer
            start_response(status, headers)
            return [body]
        sent: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            sent[:] = [status, headers]
            return start_response(status, headers, exc_info)

        response = self.application(environ, capture)
        if ANSWERED in environ and sent and isinstance(response, HttpResponse):
            self.learn(environ, raw, sent[0], sent[1], response)
        return response

    def raw_route(self, environ: dict[str, Any]) -> RawRoute | None:
        """The request's route as sent, or None when EarlyHitMiddleware would not answer it early either (and
        for If-Match, If-Unmodified-Since: a 412 is the stack's to answer and log)."""
        if not settings.API_CACHE or environ.get("REQUEST_METHOD") not in SAFE_METHODS:
            return None
        if environ.get("CONTENT_LENGTH") not in (None, "", "0"):
            return None
        for name in (
            "HTTP_AUTHORIZATION",
            "HTTP_TRANSFER_ENCODING",
            "HTTP_IF_MATCH",
            "HTTP_IF_UNMODIFIED_SINCE",
        ):
            if name in environ:
                return None
        if PRIVATE_NETWORK in environ:
            return None
        if "HTTP_COOKIE" in environ:
            cookies = parse_cookie(environ["HTTP_COOKIE"])
            if any(name in cookies for name in personal_cookies()):
                return None
        return (
            environ.get("wsgi.url_scheme"),
            environ.get(self.proxy_header) if self.proxy_header else None,
            environ.get("HTTP_HOST"),
            environ.get("SERVER_NAME"),
            environ.get("SERVER_PORT"),
            environ.get("HTTP_X_FORWARDED_HOST"),
            environ.get("HTTP_X_FORWARDED_PORT"),
            environ.get("SCRIPT_NAME"),
            environ.get("SCRIPT_URL"),
            environ.get("REDIRECT_URL"),
            environ.get("PATH_INFO"),
            environ.get("QUERY_STRING"),
            environ.get("HTTP_ACCEPT"),
        )

    def answer(
        self, environ: dict[str, Any], store: ProcessResponses, key: str
    ) -> tuple[str, list[tuple[str, str]], bytes] | None:
        """(status line, headers, body) as the whole stack would send them, or None to go through Django.
        Checks in EarlyHitMiddleware.answer's order: its lifetime, the validators, whether it is current (only
        without a read: a read goes through Django, whose request_finished closes what it opened), then the
        throttle (a refused request goes through, and is refused there without being counted twice)."""
        kept = store.touch(key)
        if kept is None or time.time() >= kept.expires:
            return None
        method = environ["REQUEST_METHOD"]
        code = status_code(environ, method, kept)
        if code is None:
            return None
        accepts = bool(re_accepts_gzip.search(environ.get("HTTP_ACCEPT_ENCODING", "")))
        throttle = AnonymousRateThrottle() if kept.counted else None
        body = kept.content if code == 200 else b""
        compressed = False
        if code == 200 and accepts and COMPRESSED_PATHS.match(environ.get("PATH_INFO", "")):
            stream = compressed_once_body(kept.once, PublicGZipMiddleware.max_random_bytes)
            if stream is not None:
                body, compressed = stream, True
        variant = (
            method,
            environ.get("HTTP_ORIGIN"),
            accepts,
            code,
            throttle is not None and throttle.rate is not None,
            compressed,
        )
        sent = kept.variants.get(variant)
        if sent is None or not sent.confirmed:
            return None
        vouched, _, pinged = unchanged(kept)
        if not vouched:
            return None
        # What the throttle reads of a request (its META) and notes on it (the count, the allowance).
        client = SimpleNamespace(META=environ, headers=EnvironHeaders(environ))
        if throttle is not None and not throttle.allow_request(cast(HttpRequest, client), None):
            return None
        headers = list(sent.headers)
        rate_limit = getattr(client, "rate_limit", None)
        if rate_limit is not None and sent.policy_at is not None and sent.state_at is not None:
            headers[sent.policy_at] = (POLICY_FIELD, rate_limit.policy_field())
            headers[sent.state_at] = (STATE_FIELD, rate_limit.state_field())
        if sent.length_at is not None:
            headers[sent.length_at] = ("Content-Length", str(len(body)))
        # What Django's request_finished does after a request: the heartbeat went through Django's database
        # connection (closed there if past CONN_MAX_AGE or broken, as after any request); otherwise the hit
        # touched no connection (nothing else here reads the database) but the throttle's cache.
        if pinged:
            request_finished.send(sender=type(self))
        elif throttle is not None:
            throttle.cache.close()
        return sent.status, headers, body

    def learn(
        self,
        environ: dict[str, Any],
        raw: RawRoute,
        status: str,
        headers: list[tuple[str, str]],
        response: HttpResponse,
    ) -> None:
        """Note what the handler sent for the middleware's early answer to this request, under its variant."""
        store, key, kept = environ[ANSWERED]
        method = environ["REQUEST_METHOD"]
        code = response.status_code
        if code != status_code(environ, method, kept) or any(name == "Set-Cookie" for name, _ in headers):
            return
        compressed = code == 200 and ("Content-Encoding", "gzip") in headers
        content = gzip.decompress(response.content) if compressed else response.content
        if content != (kept.content if code == 200 else b""):
            return  # a middleware above changed the body: not what this layer sends
        accepts = bool(re_accepts_gzip.search(environ.get("HTTP_ACCEPT_ENCODING", "")))
        limited = any(name == POLICY_FIELD for name, _ in headers)
        variant = (method, environ.get("HTTP_ORIGIN"), accepts, code, limited, compressed)
        sent = Sent.of(status, list(headers), compressed=compressed)
        grown = 0
        with store.lock:
            seen = kept.variants.get(variant)
            if seen is None:
                if len(kept.variants) < MAX_VARIANTS:
                    kept.variants[variant] = sent
                    grown = sent.size
            elif not seen.confirmed:
                if seen.status == sent.status and seen.fixed() == sent.fixed():
                    seen.confirmed = True
                else:
                    kept.variants[variant] = sent  # not alike: wait for the next answer to be
        if grown:
            store.grown(key, kept, grown)
        with self.lock:
            self.routes.pop(raw, None)
            self.routes[raw] = (store, key)
            if len(self.routes) > MAX_ROUTES:
                del self.routes[next(iter(self.routes))]


class EnvironHeaders:
    """A request's `headers` as the throttle reads them (DRF's get_ident: X-Forwarded-For) from the environ,
    without building Django's HttpHeaders from every variable on each hit."""

    def __init__(self, environ: dict[str, Any]) -> None:
        self.environ = environ

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.environ.get("HTTP_" + name.upper().replace("-", "_"), default)


def status_code(meta: dict[str, Any], method: str, kept: KeptResponse) -> int | None:
    """200, or 304 when the request's If-None-Match or If-Modified-Since says the client holds `kept`
    (Django's rule, as the view applies it); None with If-Match or If-Unmodified-Since (left to the stack)."""
    if not any(name in meta for name in CONDITIONAL_HEADERS):
        return 200
    if "HTTP_IF_MATCH" in meta or "HTTP_IF_UNMODIFIED_SINCE" in meta:
        return None
    # Without those two, Django's rule answers a 304 or nothing, reading only META and the method.
    request = cast(HttpRequest, SimpleNamespace(META=meta, method=method))
    conditional = get_conditional_response(
        request,
        etag=kept.headers.get("ETag"),
        last_modified=parse_http_date_safe(kept.headers.get("Last-Modified", "")),
    )
    return 200 if conditional is None else 304
