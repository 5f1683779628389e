"""One error shape for the whole API: RFC 9457 problem details, served as application/problem+json.

    {"type": "about:blank", "title": "Bad Request", "status": 400,
     "detail": "Invalid value for page_size.", "instance": "/api/v1/publications/?page_size=0",
     "errors": [{"parameter": "page_size", "detail": "Enter a whole number from 1 to 100."}]}

`errors` appears on 400s only and names each offending query parameter.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import orjson
from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    DisallowedHost,
    PermissionDenied,
    SuspiciousOperation,
    TooManyFieldsSent,
)
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

PROBLEM_CONTENT_TYPE = "application/problem+json"
# Seconds a client is asked to wait when the database cannot answer (down, restarting, or too slow).
DATABASE_RETRY_AFTER = 5
# Postgres's SQLSTATE for a statement cancelled by statement_timeout (or by an operator).
QUERY_CANCELED = "57014"

logger = logging.getLogger(__name__)


def problem(
    request: HttpRequest | None, status: int, detail: str, errors: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """The problem details document for an error response."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.get_full_path()
    if errors:
        body["errors"] = errors
    return body


def _parameter_errors(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """Flatten DRF's nested validation detail into one entry per parameter and message."""
    if isinstance(detail, dict):
        return [
            error
            for key, value in detail.items()
            for error in _parameter_errors(value, key if key != "non_field_errors" else prefix)
        ]
    if isinstance(detail, list):
        return [error for item in detail for error in _parameter_errors(item, prefix)]
    return [{"parameter": prefix, "detail": str(detail)}]


def is_database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` means the database cannot answer now (refused, lost, restarting, timed out).

    Only these: an error in the query itself (bad SQL, a constraint) is a bug and stays a 500.
    """
    return isinstance(exc, OperationalError | InterfaceError)


def database_unavailable_detail(exc: BaseException) -> str:
    """The problem detail for a database error that `is_database_unavailable`."""
    if getattr(exc.__cause__, "sqlstate", None) == QUERY_CANCELED:
        return "The database took too long to answer; try again shortly."
    return "The database is unavailable; try again shortly."


def malformed_request_detail(exc: BaseException) -> str:
    """The problem detail for a request Django refuses to read (SuspiciousOperation, BadRequest)."""
    if isinstance(exc, DisallowedHost):
        return "The Host header names a host this server does not serve."
    if isinstance(exc, TooManyFieldsSent):
        return f"Too many query parameters: at most {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} are read."
    return "The request is malformed and cannot be read."


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's EXCEPTION_HANDLER: every exception a view raises becomes a problem+json response."""
    request = context.get("request")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    headers: dict[str, str] = {}
    if isinstance(exc, exceptions.ValidationError):
        errors = _parameter_errors(exc.detail)
        names = ", ".join(dict.fromkeys(error["parameter"] for error in errors if error["parameter"]))
        detail = f"Invalid value for {names}." if names else "Invalid request."
        body = problem(request, 400, detail, errors)
    elif isinstance(exc, exceptions.APIException):
        if wait := getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(wait))
        if auth_header := getattr(exc, "auth_header", None):
            # DRF turns a 403 into a 401 only when the authenticator names its scheme here.
            headers["WWW-Authenticate"] = auth_header
        body = problem(request, exc.status_code, str(exc.detail))
    elif isinstance(exc, SuspiciousOperation | BadRequest):
        body = problem(request, 400, malformed_request_detail(exc))
        # As Django's handler logs what it answers with a 400: a line under django.security, not a crash.
        if isinstance(exc, SuspiciousOperation):
            logging.getLogger(f"django.security.{type(exc).__name__}").warning("%s", exc)
    elif is_database_unavailable(exc):
        logger.warning("Database unavailable: %s", exc)
        headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
        body = problem(request, 503, database_unavailable_detail(exc))
    else:
        # Never a stack trace to the client; the log keeps it for us.
        logger.exception("Unhandled error in API view", exc_info=exc)
        body = problem(request, 500, "The server could not answer this request.")

    set_rollback()
    return Response(body, status=body["status"], headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def problem_response(
    request: HttpRequest, status: int, detail: str, headers: dict[str, str] | None = None
) -> HttpResponse:
    """A problem+json response outside DRF views (unknown URLs, crashes in middleware)."""
    return HttpResponse(
        orjson.dumps(problem(request, status, detail)),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )
