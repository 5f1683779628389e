"""OpenAPI additions drf-spectacular cannot infer: the problem+json errors every operation may return."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from cissapi.api.exceptions import PROBLEM_CONTENT_TYPE
from cissapi.api.serializers import SparseFieldsMixin

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "example": "about:blank"},
        "title": {"type": "string", "example": "Bad Request"},
        "status": {"type": "integer", "example": 400},
        "detail": {"type": "string", "example": "Invalid value for page_size."},
        "instance": {"type": "string", "example": "/api/v1/publications/?page_size=0"},
        "errors": {
            "type": "array",
            "description": "On 400s: one entry per offending query parameter.",
            "items": {
                "type": "object",
                "required": ["parameter", "detail"],
                "properties": {"parameter": {"type": "string"}, "detail": {"type": "string"}},
            },
        },
    },
}

ERROR_RESPONSES = {
    "400": "A query parameter is unknown, given twice or has an invalid value; `errors` names it.",
    "401": "The Authorization header names a malformed, unknown, revoked or expired partner key.",
    "404": "No such resource (or page, or cursor).",
    "406": "The Accept header asks for a format the API does not produce.",
    "413": "The request carries a body larger than the server accepts (MAX_ANONYMOUS_REQUEST_BODY_BYTES).",
    "429": "Too many requests (or bad partner keys) from this address; retry after Retry-After seconds.",
    "503": "The database is unavailable or too slow just now; retry after Retry-After seconds.",
}


QUERY_PARAMETERS_RULE = (
    "\n\nEach operation accepts only the query parameters it lists: an unknown one (a typo such as "
    "`topics` for `topic`) is a 400 naming it, never silently ignored. Only the slug lists (`author`, "
    "`topic`, `series`, `outlet`) may be given more than once (`?author=a&author=b` as `?author=a,b`); "
    "any other parameter given twice is a 400. Values other than free text (`q`, `language`) are ASCII. "
    "A multi-valued parameter takes at most {max_values} values."
)


def add_problem_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: error responses, query parameter rules and sparse fieldsets."""
    info = result.setdefault("info", {})
    info["description"] = info.get("description", "") + QUERY_PARAMETERS_RULE.format(
        max_values=settings.API_MAX_FILTER_VALUES
    )
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    for name in _sparse_component_names():
        if name in components:
            # ?fields= may leave any field out, so none can be promised.
            components[name].pop("required", None)
    problem = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    # An empty value means "not given" (django-filter's rule), never an error.
                    parameter["allowEmptyValue"] = True
                    _forbid_nul(parameter.get("schema", {}))
                    if parameter.get("schema", {}).get("type") == "array":
                        parameter["schema"]["maxItems"] = settings.API_MAX_FILTER_VALUES
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_RESPONSES.items():
                responses.setdefault(status, {"description": description, "content": problem})
            responses.setdefault(
                "304", {"description": "Not modified since the ETag or date the client sent."}
            )
    return result


def _sparse_component_names() -> set[str]:
    """Component names (drf-spectacular's: class name less "Serializer") of serializers with ?fields=."""
    found: set[str] = set()
    pending = list(SparseFieldsMixin.__subclasses__())
    while pending:
        cls = pending.pop()
        found.add(cls.__name__.removesuffix("Serializer"))
        pending.extend(cls.__subclasses__())
    return found


def _forbid_nul(schema: dict[str, Any]) -> None:
    """Free-text parameters cannot hold NUL characters (Postgres text cannot); say so in the schema."""
    target = schema.get("items", schema)
    if target.get("type") == "string" and "enum" not in target and "format" not in target:
        target.setdefault("pattern", "^[^\\u0000]*$")
