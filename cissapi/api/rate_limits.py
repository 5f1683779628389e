"""Rate limits said up front: the `RateLimit-Policy` and `RateLimit` header fields of
draft-ietf-httpapi-ratelimit-headers (revision 10: Structured Field lists of quota policy items).

    RateLimit-Policy: "anonymous";q=300;w=60
    RateLimit: "anonymous";r=299;t=60

`q` is the quota (requests), `w` the window in seconds, `r` the requests left and `t` the seconds until
the quota is restored. The throttle that counted a request notes the client's allowance on it
(`note_rate_limit`); the middleware writes the fields on whatever answers it, a cached answer included.
They are per client, so they are added after the response cache (which never stores them), never kept in it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponseBase
from rest_framework.request import Request

POLICY_FIELD = "RateLimit-Policy"
STATE_FIELD = "RateLimit"


@dataclass(frozen=True)
class RateLimit:
    """One client's allowance under one quota policy, as its throttle counted this request."""

    # The policy's name: "anonymous" (per client address) or "partner" (a partner's keys together).
    policy: str
    quota: int
    window: int
    remaining: int
    # Seconds until the allowance is whole again (the window's end, or the oldest counted request's expiry).
    reset: float

    def policy_field(self) -> str:
        return f'"{self.policy}";q={self.quota};w={self.window}'

    def state_field(self) -> str:
        # Rounded up: a client that waits `t` seconds must not arrive a fraction too early.
        return f'"{self.policy}";r={max(0, self.remaining)};t={max(0, math.ceil(self.reset))}'


def note_rate_limit(request: HttpRequest | Request, rate_limit: RateLimit) -> None:
    """Record on the request (Django's own, which the middleware sees) the allowance a throttle counted."""
    django_request = request._request if isinstance(request, Request) else request
    # An attribute of this request only, read back with getattr (HttpRequest declares no such attribute).
    django_request.rate_limit = rate_limit  # type: ignore[attr-defined]


class RateLimitHeadersMiddleware:
    """Writes the allowance a throttle noted as `RateLimit-Policy` and `RateLimit` on the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        rate_limit: RateLimit | None = getattr(request, "rate_limit", None)
        if rate_limit is not None:
            response.headers[POLICY_FIELD] = rate_limit.policy_field()
            response.headers[STATE_FIELD] = rate_limit.state_field()
        return response
