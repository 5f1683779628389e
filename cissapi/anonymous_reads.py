"""A short way through the stack for the API's public reads: GETs and HEADs of the v1 viewsets that carry no
body and none of the cookies that make a request its sender's own.

Below the early hits, every request pays a dozen middleware and Django's handler: sessions, messages, CSRF,
authentication, the request-size bound, the admin's query check, legacy redirects, django-axes, the URL
resolver. For such a read all but three of them do nothing: no session or message is read or stored (no
such cookie came, and the API never touches them), CSRF checks no safe method and DRF's views are exempt,
no body is there to bound, no admin address is read, no login to lock out, and legacy addresses are never
looked up under /api/ (publications.legacy). Those three are the trailing-slash middleware (Content-Length,
and the problem+json redirect of an address without its slash, which never resolves here), the database's
statement timeout and 503, and X-Frame-Options. So such a read goes through just those three, in their
order, and then to the view, its URL resolved once per process and path; every other request, and every
read of any other view, goes through the whole stack as before. The answer is the same byte for byte and
header for header (tests/test_anonymous_reads.py compares both ways for every kind of answer).

Optimization (issue 16): the middleware and the resolver cost an author's bio about a tenth of its time.
The lane knows what each middleware below it does for such a read (`KEPT`, `IDLE`): with any other
middleware below it (a new one, or one in another order), it stands aside and every request goes through
the whole stack, until the lists say what the new one does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponseBase
from django.urls import Resolver404, ResolverMatch, get_resolver
from django.utils.module_loading import import_string

from cissapi.api.lean_dispatch import lean_action, lean_dispatch
from cissapi.api.viewsets import PublicReadOnlyViewSet
from cissapi.availability import DatabaseAvailabilityMiddleware
from cissapi.bounded import keep_bounded
from cissapi.early_hits import personal_cookies

# The middleware below this one whose work an anonymous read needs, in MIDDLEWARE's order.
KEPT = (
    "cissapi.api.errorpages.SlashRedirectMiddleware",
    "cissapi.availability.DatabaseAvailabilityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
)
# The middleware below this one that do nothing for such a read (see the module's docstring for why).
IDLE = (
    "cissapi.request_state.LazySessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cissapi.request_size.RequestSizeMiddleware",
    "cissapi.admin_queries.AdminQueryMiddleware",
    "cissapi.request_state.LazyMessageMiddleware",
    "publications.legacy.LegacyRedirectMiddleware",
    "axes.middleware.AxesMiddleware",
)
LANE_PREFIX = "/api/"
# Paths whose view was looked up, per process: a few per resource; beyond, the oldest go.
MAX_PATHS = 4096
# Longer paths (client input) are resolved every time, so what is kept stays within 4096 x 256 bytes.
MAX_KEPT_PATH = 256


def _below(middleware: list[str]) -> list[str]:
    """The middleware MIDDLEWARE lists below this one."""
    own = f"{__name__}.{AnonymousReadMiddleware.__name__}"
    return middleware[middleware.index(own) + 1 :] if own in middleware else []


class AnonymousReadMiddleware:
    """Sends the API's anonymous reads through the middleware that act on them, and on to their view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        below = _below(list(settings.MIDDLEWARE))
        # Only when every middleware below is known, and none is doubled or missing.
        self.active = sorted(below) == sorted((*KEPT, *IDLE))
        # The kept middleware around the view, chained as Django chains them (each one's exceptions become
        # responses there), in MIDDLEWARE's order.
        # Any: the stubs allow convert_exception_to_response an async answer; sync middleware never give one.
        lean: Callable[[HttpRequest], Any] = convert_exception_to_response(self.call_view)
        self.availability: DatabaseAvailabilityMiddleware | None = None
        for path in reversed([path for path in below if path in KEPT]):
            middleware = import_string(path)(lean)
            if isinstance(middleware, DatabaseAvailabilityMiddleware):
                self.availability = middleware
            lean = convert_exception_to_response(middleware)
        self.lean = lean
        # (resolver, path) -> the view's match, or None for a path the lane leaves to the stack.
        self.matches: dict[tuple[Any, str], ResolverMatch | None] = {}

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        match = self.lane_match(request) if self.active else None
        if match is None:
            return self.get_response(request)
        request.resolver_match = match
        return self.lean(request)

    def lane_match(self, request: HttpRequest) -> ResolverMatch | None:
        """The resolved view of `request` when it takes the lane; None when it goes through the stack."""
        if request.method not in ("GET", "HEAD") or not request.path_info.startswith(LANE_PREFIX):
            return None
        meta = request.META
        if meta.get("CONTENT_LENGTH") not in (None, "", "0") or "HTTP_TRANSFER_ENCODING" in meta:
            return None  # a body: the request-size bound applies
        if "HTTP_COOKIE" in meta and any(name in request.COOKIES for name in personal_cookies()):
            return None  # a session, a CSRF token or messages: the middleware that read them apply
        if hasattr(request, "urlconf"):
            return None  # a URLconf of its own (none of ours sets one): Django's handler resolves it
        resolver = get_resolver()
        key = (resolver, request.path_info)
        if key in self.matches:
            return self.matches[key]
        try:
            match: ResolverMatch | None = resolver.resolve(request.path_info)
        except Resolver404:
            match = None  # the stack answers it: a redirect to the address with its slash, or a 404
        if match is not None and not takes_lane(match.func):
            match = None
        if len(key[1]) <= MAX_KEPT_PATH:
            keep_bounded(self.matches, key, match, MAX_PATHS)
        return match

    def call_view(self, request: HttpRequest) -> HttpResponseBase:
        """What Django's handler does with a resolved view that no view middleware stops and that is not
        atomic: call it (the availability middleware seeing its exceptions), then render its answer."""
        match = request.resolver_match
        assert match is not None  # set by __call__
        try:
            # A read without credentials of an action its viewset has dispatched leanly skips the steps DRF
            # takes only for other answers (cissapi.api.lean_dispatch); a partner's goes through DRF's.
            if "HTTP_AUTHORIZATION" not in request.META and lean_action(match.func, request.method or ""):
                response = lean_dispatch(match.func, request, match.args, match.kwargs)
            else:
                response = match.func(request, *match.args, **match.kwargs)
        except Exception as exception:
            answer = self.availability.process_exception(request, exception) if self.availability else None
            if answer is None:
                raise
            response = answer
        render = getattr(response, "render", None)
        if callable(render):
            response = render()
        return response


def takes_lane(view: Callable[..., Any]) -> bool:
    """Whether the lane may call `view`: a v1 viewset's (CSRF-exempt, as DRF makes every view, and neither
    atomic nor using sessions, messages or Django's user)."""
    view_class = getattr(view, "cls", None)
    return (
        getattr(view, "csrf_exempt", False)
        and isinstance(view_class, type)
        and issubclass(view_class, PublicReadOnlyViewSet)
        and not any(database.get("ATOMIC_REQUESTS") for database in settings.DATABASES.values())
    )
