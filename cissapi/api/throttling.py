"""Throttling by client address: anonymous requests, and requests that fail to authenticate.

Rates come from settings (API_THROTTLE_ANON_RATE, API_AUTH_FAILURE_RATE in the environment). The client's
address is the socket's unless settings.NUM_PROXIES says how many proxies in front of us append to
X-Forwarded-For (see `client_address`).
"""

from __future__ import annotations

import time
from typing import Any, cast

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, BaseThrottle, SimpleRateThrottle

from cissapi.api.rate_limits import RateLimit, note_rate_limit


def client_address(request: HttpRequest | Request) -> str:
    """The address a request came from, as far as we can trust it.

    REMOTE_ADDR with NUM_PROXIES = 0 (X-Forwarded-For is then whatever the client chose to send); with N
    proxies, the Nth address from the right of X-Forwarded-For, the one the farthest of our proxies saw.
    Entries left of it were written by the client and are never trusted. This is DRF's own rule
    (REST_FRAMEWORK["NUM_PROXIES"]), so the anonymous throttle and the failed-key counter agree.
    """
    # get_ident reads only request.META, which a Django request has too; the stubs ask for DRF's Request.
    return BaseThrottle().get_ident(request)  # type: ignore[arg-type]


def parse_rate(rate: str) -> tuple[int, int]:
    """DRF's reading of a rate such as "20/minute": (requests, seconds per window)."""
    # parse_rate uses no instance state; given a rate (not None) it returns two ints.
    limit, duration = SimpleRateThrottle.parse_rate(None, rate)  # type: ignore[arg-type]
    return cast(int, limit), cast(int, duration)


class AnonymousRateThrottle(AnonRateThrottle):
    """Per client address, counted in the "throttle" cache (Redis in production, see settings)."""

    # The quota policy's name in the RateLimit header fields.
    policy = "anonymous"

    def __init__(self) -> None:
        # Optimization: a separate cache, so counting requests costs no SQL when the shared cache is the
        # database table.
        self.cache = caches["throttle"]
        super().__init__()

    def get_rate(self) -> str | None:
        # Read per request rather than at import, so a changed setting (or a test) takes effect.
        # The stubs type the rates as numbers (they are strings such as "100/hour") and the scope as optional.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)  # type: ignore[return-value, arg-type]

    # Set by SimpleRateThrottle.__init__ from the rate; the stubs do not declare them.
    num_requests: int
    duration: int

    def get_cache_key(self, request: Request | HttpRequest, view: Any) -> str | None:
        # DRF's, for a Django request too (cissapi.early_hits counts a request before any authentication):
        # one without a user yet is anonymous there, as it only ever sees requests without credentials.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}

    def allow_request(self, request: Request | HttpRequest, view: Any) -> bool:
        """Count `request` (a DRF request, or a Django one answered early by cissapi.early_hits)."""
        # The view counts anonymous requests: an early answer for the same URL must count them too.
        note_counted_anonymously(request)
        # DRF's reads only request.META and request.user, which getattr above takes from either kind.
        allowed = super().allow_request(request, view)  # type: ignore[arg-type]
        if self.rate is not None and self.key is not None:
            # The history holds this request once allowed; the oldest entry leaves the window first.
            oldest = self.history[-1] if self.history else self.now
            note_rate_limit(
                request,
                RateLimit(
                    policy=self.policy,
                    quota=self.num_requests,
                    window=self.duration,
                    remaining=self.num_requests - len(self.history),
                    reset=oldest + self.duration - self.now,
                ),
            )
        return allowed


class AnonymousExportThrottle(AnonymousRateThrottle):
    """The whole-catalogue export's own allowance per client address (API_EXPORT_ANON_RATE), besides the
    anonymous rate: the throttles count requests, and one export costs what thousands of pages do. Partners
    download it under their own rate (partners.throttles)."""

    scope = "anon_export"
    policy = "anonymous-export"


def note_counted_anonymously(request: HttpRequest | Request) -> None:
    """Record on the (Django) request that the anonymous throttle counted it."""
    django_request = request._request if isinstance(request, Request) else request
    # An attribute of this request only, read back with getattr (HttpRequest declares no such attribute).
    django_request.counted_anonymously = True  # type: ignore[attr-defined]


# --- Failed authentication ---------------------------------------------------------------------------
# A request with a bad key costs a key lookup and never reaches the throttles (authentication comes
# first), so failures are counted per client address on their own, in fixed windows.
def _failure_window(request: HttpRequest | Request) -> tuple[str, int, float] | None:
    """The counter's cache key, the limit and the seconds left in the current window; None when off."""
    rate = settings.API_AUTH_FAILURE_RATE
    if rate is None:
        return None
    limit, duration = parse_rate(rate)
    now = time.time()
    window = int(now // duration)
    key = f"auth-failures:{client_address(request)}:{duration}:{window}"
    return key, limit, (window + 1) * duration - now


def authentication_failures_wait(request: HttpRequest | Request) -> float | None:
    """Seconds until this client address may try a key again, or None while it is under the limit."""
    window = _failure_window(request)
    if window is None:
        return None
    key, limit, remaining = window
    return remaining if caches["throttle"].get(key, 0) >= limit else None


def record_authentication_failure(request: HttpRequest | Request) -> None:
    """Count one failed authentication against the client's address."""
    window = _failure_window(request)
    if window is None:
        return
    key, _, remaining = window
    counters = caches["throttle"]
    counters.add(key, 0, timeout=int(remaining) + 1)
    try:
        counters.incr(key)
    except ValueError:
        # The window's entry expired between add and incr: this failure opens the next window.
        counters.set(key, 1, timeout=int(remaining) + 1)
