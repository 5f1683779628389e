"""OpenAPI additions drf-spectacular cannot infer: the problem+json errors every operation may return."""

from __future__ import annotations

from typing import Any

from cissapi.api.exceptions import PROBLEM_CONTENT_TYPE

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
    "400": "A query parameter has an invalid value; `errors` names it.",
    "404": "No such resource (or page, or cursor).",
    "406": "The Accept header asks for a format the API does not produce.",
    "429": "Too many requests; retry after the Retry-After header's seconds.",
}


def add_problem_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: document the error responses of every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    problem = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_RESPONSES.items():
                responses.setdefault(status, {"description": description, "content": problem})
            responses.setdefault(
                "304", {"description": "Not modified since the ETag or date the client sent."}
            )
    return result
