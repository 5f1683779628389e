"""Django's handler400/404/500, the trailing-slash redirect, and the 503 of a database that cannot answer.

problem+json under /api/ and /feeds/ (and, for the 503, everywhere public: sitemaps too); Django's usual
pages elsewhere, and a plain page for the admin.
"""

from __future__ import annotations

import logging
import sys

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.common import CommonMiddleware
from django.views import defaults

from cissapi.api.exceptions import (
    DATABASE_RETRY_AFTER,
    database_unavailable_detail,
    is_database_unavailable,
    malformed_request_detail,
    problem_response,
)

API_PREFIX = "/api/"
# Where machines read: their errors are problem+json, never an HTML page.
MACHINE_PREFIXES = (API_PREFIX, "/feeds/")

logger = logging.getLogger(__name__)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    # A Host header outside ALLOWED_HOSTS, too many query parameters, a malformed cookie: Django refuses
    # the request before any view (or DRF) sees it.
    if request.path.startswith(MACHINE_PREFIXES):
        return problem_response(request, 400, malformed_request_detail(exception))
    return defaults.bad_request(request, exception)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(MACHINE_PREFIXES):
        return problem_response(request, 404, "No resource at this address.")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this inside its `except`, so the exception is at hand: a database that failed outside a
    # view (in a middleware, a session lookup) still gets its 503.
    exception = sys.exc_info()[1]
    if exception is not None and is_database_unavailable(exception):
        return database_unavailable(request, exception)
    if request.path.startswith(API_PREFIX):
        return problem_response(request, 500, "The server could not answer this request.")
    return defaults.server_error(request)


def database_unavailable(request: HttpRequest, exception: BaseException) -> HttpResponse:
    """503 with Retry-After: problem+json for the public surfaces, a plain page for the admin."""
    logger.warning("Database unavailable: %s", exception)
    detail = database_unavailable_detail(exception)
    headers = {"Retry-After": str(DATABASE_RETRY_AFTER)}
    match = request.resolver_match
    if match is not None and "admin" in match.namespaces:
        return HttpResponse(
            f"<!doctype html><title>Service unavailable</title><h1>Service unavailable</h1><p>{detail}</p>",
            status=503,
            headers={**headers, "Cache-Control": "no-store"},
        )
    return problem_response(request, 503, detail, headers)


class SlashRedirectMiddleware(CommonMiddleware):
    """Django's CommonMiddleware, but its APPEND_SLASH redirect under /api/ and /feeds/ is a 301 whose body is
    problem details naming the address to use (an HTML redirect page means nothing to an API client)."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        answer = super().process_response(request, response)
        # A new response is CommonMiddleware's own redirect of a 404; a view's 301 (an old slug's) is kept.
        if answer is not response and answer.status_code == 301 and request.path.startswith(MACHINE_PREFIXES):
            location = answer["Location"]
            # Permanent, so clients and caches may keep it; still problem details, so a client that does
            # not follow redirects can read why.
            return problem_response(
                request,
                301,
                f"Addresses under {API_PREFIX} and /feeds/ end with a slash: use {location}",
                {"Location": location, "Cache-Control": "public, max-age=86400"},
            )
        return answer
