"""HTTP caching for API responses: validators (ETag, Last-Modified), 304s, Cache-Control and Vary.

The ETag is a hash of the exact bytes sent, so it is strong and changes with any change a client could
see (including a piece going live at its scheduled time). Last-Modified is the newest change among what the
response shows, as views report it; when a client sends both, If-None-Match wins (RFC 9110, 13.2.2).

This mixin is the one place responses get their caching headers; whole-response caching and surrogate
keys for a CDN belong here too when they come.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpResponseBase
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
    set_response_etag,
)
from django.utils.http import http_date
from rest_framework.request import Request

VARY = ("Accept", "Accept-Encoding", "Origin")


class ConditionalGetMixin:
    """For DRF views: validators and 304s on successful GETs, cache lifetimes on every response."""

    last_modified: datetime | None = None

    def note_last_modified(self, moments: Iterable[datetime | None]) -> None:
        """Views call this with the change times of what they show; the newest becomes Last-Modified."""
        known = [moment for moment in moments if moment is not None]
        if known:
            newest = max(known)
            self.last_modified = max(self.last_modified, newest) if self.last_modified else newest

    def finalize_response(self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, VARY)
        if not 200 <= response.status_code < 300:
            # Errors (404 for a piece not yet live, 429) must not outlive the condition that caused them.
            patch_cache_control(response, no_store=True)
            return response
        patch_cache_control(
            response,
            public=True,
            max_age=settings.API_CACHE_MAX_AGE,
            stale_while_revalidate=settings.API_CACHE_STALE_WHILE_REVALIDATE,
        )
        if request.method in ("GET", "HEAD"):
            if self.last_modified is not None:
                response.headers["Last-Modified"] = http_date(self.last_modified.timestamp())
            # The body exists only once DRF renders it, so the ETag is set after rendering.
            response.add_post_render_callback(lambda rendered: self._answer_conditionally(request, rendered))
        return response

    def _answer_conditionally(self, request: Request, response: HttpResponseBase) -> HttpResponseBase:
        set_response_etag(response)
        return get_conditional_response(
            request,
            etag=response.headers.get("ETag"),
            last_modified=self.last_modified and int(self.last_modified.timestamp()),
            response=response,
        )
