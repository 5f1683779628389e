"""Every response a unit test receives from API v1 is held to the served OpenAPI schema (issue 14).

tests/conftest.py wraps django.test.Client.request (DRF's APIClient goes through it too) with
`check_response`, so tests written later, by anyone, are validated as well: a field a producer adds but the
schema does not declare (or declares with another type, or as required when it can be absent) fails the
test that received it, with the path and openapi-core's reason.

A request without `?fields=` is held to the whole documents (every field they require), not to the
`anyOf` of them and their trimmed `...Fields` variants that the schema declares for answers with `fields`.

The schema is the one /api/v1/schema/ serves, generated once per test process and rebuilt when a test
changes a setting the schema reads (see `_schema_settings`).
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponseBase, StreamingHttpResponse
from jsonschema import Draft202012Validator
from openapi_core import Config, OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from werkzeug.datastructures import Headers

from cissapi.api.schema import PROBLEM_SCHEMA
from cissapi.api.serializers import FIELDS_PARAM

API_PREFIX = "/api/v1/"

# Responses under /api/v1/ not validated, each with its reason.
EXCLUDED_PATHS = {
    # The schema itself (JSON or YAML): openapi-spec-validator checks it (tests/api/test_index_and_schema.py).
    "/api/v1/schema/": "the OpenAPI document, validated as a specification elsewhere",
    # A gzip-compressed JSON Lines stream, not one JSON document: its lines are checked against the
    # detail schema by tests/publications/test_export.py.
    "/api/v1/export/": "a JSON Lines stream, one detail document per line",
}
EXCLUDED_METHODS = {
    # No body to check, and the schema describes GETs (a HEAD answers with a GET's headers).
    "HEAD": "no body",
    # DRF's metadata answer: drf-spectacular documents no OPTIONS operations.
    "OPTIONS": "DRF's metadata, not part of the documented API",
}


class ContractViolation(AssertionError):
    """An API response that does not match the served OpenAPI schema."""


@dataclass
class _Response:
    """A response as openapi-core reads it, its body decompressed when it was sent gzip-encoded."""

    status_code: int
    content_type: str
    headers: Headers
    data: bytes


@cache
def _openapi(_settings_key: tuple[Any, ...], *, whole: bool) -> OpenAPI:
    """The served schema; with `whole`, as it applies to a request without `?fields=`: the documents
    whole, not `anyOf` them and their trimmed `...Fields` variants (which require nothing)."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(api_version="v1").get_schema(request=None, public=True)
    if whole:
        schema = _whole_documents_only(schema)
    # openapi-core reads application/json only; errors are application/problem+json (RFC 9457), CSL-JSON
    # citations JSON too, and the other citation formats text (declared as strings).
    deserializers: dict[str, Any] = {
        "application/problem+json": _json,
        "application/vnd.citationstyles.csl+json": _json,
        **dict.fromkeys(TEXT_MEDIA_TYPES, _text),
    }
    return OpenAPI.from_dict(schema, config=Config(extra_media_type_deserializers=deserializers))


# Text answers the schema declares as `type: string` (the citation formats of /cite/).
TEXT_MEDIA_TYPES = ("application/x-bibtex", "application/x-research-info-systems", "text/x-bibliography")


def _json(data: bytes, **_parameters: str) -> Any:
    return json.loads(data)


def _text(data: bytes, charset: str = "utf-8", **_parameters: str) -> str:
    """openapi-core hands a deserializer the media type's parameters (`charset`, a bibliography's `style`)."""
    return data.decode(charset)


def _whole_documents_only(node: Any) -> Any:
    if isinstance(node, list):
        return [_whole_documents_only(item) for item in node]
    if not isinstance(node, dict):
        return node
    options = node.get("anyOf", [])
    if len(options) == 2 and options[1].get("$ref") == f"{options[0].get('$ref')}Fields":
        return options[0]
    return {key: _whole_documents_only(value) for key, value in node.items()}


def _schema_settings() -> tuple[Any, ...]:
    """The settings the schema's text depends on: a test that overrides one gets a schema to match."""
    return (settings.API_MAX_FILTER_VALUES, settings.TIME_ZONE)


def _excluded(method: str, path: str, response: HttpResponseBase) -> bool:
    if not path.startswith(API_PREFIX) or method in EXCLUDED_METHODS or path in EXCLUDED_PATHS:
        return True
    # A stream read here would be consumed before the test reads it.
    return isinstance(response, StreamingHttpResponse)


def _answer(response: HttpResponseBase) -> _Response:
    return _Response(
        status_code=response.status_code,
        content_type=response.get("Content-Type", ""),
        headers=Headers(list(response.headers.items())),
        data=_body(response),
    )


def _body(response: HttpResponseBase) -> bytes:
    content = getattr(response, "content", b"")
    if response.get("Content-Encoding") == "gzip":
        return gzip.decompress(content)
    return content


def check_response(response: HttpResponseBase) -> None:
    """Raise ContractViolation when `response` (of Django's test client, to a request under /api/v1/) does not
    match the operation the served schema declares for its path, method and status."""
    request = getattr(response, "wsgi_request", None)
    if request is None:
        return
    method, path = request.method or "GET", request.path
    if _excluded(method, path, response):
        return
    if method != "GET":
        # The API is read-only: any other method is undeclared (a 405, a 413 before it). Not handed to
        # openapi-core, which would read the request's body (its Content-Length may lie, as tests make it).
        _check_undeclared(method, path, _answer(response))
        return
    try:
        fields_asked = FIELDS_PARAM in request.GET
        request.get_host()
    except SuspiciousOperation:
        # A query or Host Django refuses to read (its 400 says so): the request cannot be matched to the
        # schema.
        _check_undeclared(method, path, _answer(response))
        return
    openapi = _openapi(_schema_settings(), whole=not fields_asked)
    answer = _answer(response)
    try:
        openapi.validate_response(DjangoOpenAPIRequest(request), answer)
    except (PathNotFound, OperationNotFound):
        # An address or method the API does not have (`/api/v1/nope/`, a POST): its 404 or 405 is still
        # problem details.
        _check_undeclared(method, path, answer)
    except Exception as error:  # openapi-core raises a family of errors; each is a violation here
        raise ContractViolation(_explain(method, request.get_full_path(), answer, error)) from error


def _check_undeclared(method: str, path: str, answer: _Response) -> None:
    # A 301 is the trailing-slash redirect (cissapi.api.errorpages.SlashRedirectMiddleware).
    if answer.status_code not in (301, *range(400, 600)) or not answer.content_type.startswith(
        "application/problem+json"
    ):
        raise ContractViolation(
            f"{method} {path} → {answer.status_code} ({answer.content_type}): a path or method the schema "
            "does not declare must answer with problem+json, or be declared."
        )
    errors = [
        error.message for error in Draft202012Validator(PROBLEM_SCHEMA).iter_errors(json.loads(answer.data))
    ]
    if errors:
        raise ContractViolation(f"{method} {path} → {answer.status_code}: not problem details: {errors}")


def _explain(method: str, path: str, answer: _Response, error: Exception) -> str:
    """The path, the status and every reason openapi-core gives (nested schema errors included)."""
    reasons = [f"{type(error).__name__}: {error}"]
    cause: BaseException | None = error.__cause__
    while cause is not None:
        reasons.append(f"{type(cause).__name__}: {cause}")
        for schema_error in getattr(cause, "schema_errors", ()):
            location = "/".join(str(part) for part in schema_error.absolute_path) or "(document)"
            reasons.append(f"  at {location}: {schema_error.message}")
        cause = cause.__cause__
    excerpt = answer.data[:300].decode("utf-8", "replace")
    return (
        f"{method} {path} → {answer.status_code} ({answer.content_type}) does not match the served OpenAPI "
        "schema (/api/v1/schema/; fix the producer or the serializer that is its schema, or "
        "cissapi/api/schema.py):\n" + "\n".join(reasons) + f"\nbody: {excerpt}"
    )
