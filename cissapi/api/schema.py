"""OpenAPI additions drf-spectacular cannot infer: the problem+json errors every operation may return, the
response headers, what `?fields=` trims, and the parameters a generated client sends as arrays or dates.

The served document is OpenAPI 3.1 (SPECTACULAR_SETTINGS["OAS_VERSION"]); tests/conftest.py validates every
API response of the suite against it, so what it says here must be what the server does.
"""

from __future__ import annotations

import copy
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import translation
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SCHEMA_KWARGS, SpectacularAPIView
from rest_framework.response import Response

from cissapi.api.exceptions import PROBLEM_CONTENT_TYPE
from cissapi.api.serializers import FIELDS_PARAM, SparseFieldsMixin

# Array parameters sent as `name=a&name=b` (explode), which is what most generators send; the slug lists
# keep `name=a,b` (both forms are read everywhere).
REPEATED_ARRAYS = {FIELDS_PARAM, "ordering"}

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

HEADER = {"schema": {"type": "string"}}
# Response headers every successful API answer carries (see cissapi.api.http_caching and rate_limits).
SUCCESS_HEADERS = {
    "ETag": "A hash of the uncompressed body (weak, `W/`, on a gzip-compressed answer); send it back in "
    "If-None-Match.",
    "Last-Modified": "When what the response shows last changed; send it back in If-Modified-Since.",
    "Cache-Control": "How long a cache may keep the answer (private when the request carried a key).",
    "Vary": "The request headers the answer depends on (Accept, Accept-Encoding, Origin, Authorization).",
    "Link": 'Related resources (RFC 8288): on lists, rel="next"/"prev" (and "first"/"last" in page '
    'mode); rel="alternate" feeds of the same pieces.',
}
RATE_LIMIT_HEADERS = {
    "RateLimit-Policy": "The client's quota policy (draft-ietf-httpapi-ratelimit-headers), e.g. "
    '`"anonymous";q=300;w=60`: q requests per w seconds.',
    "RateLimit": 'The client\'s remaining allowance, e.g. `"anonymous";r=299;t=60`: r requests left, '
    "whole again in t seconds.",
}
RETRY_AFTER = {"Retry-After": "Seconds to wait before trying again."}
# Headers only some operations' success answers carry, by operationId.
OPERATION_HEADERS = {
    "publications_cite_retrieve": {
        "Content-Disposition": '`inline; filename="<slug>.<ext>"`: the file name to save the citation as '
        "(`.json`, `.bib`, `.ris`, `.txt`).",
    },
}
# Headers of error answers beyond the rate-limit ones, by status.
ERROR_HEADERS = {
    "401": {"WWW-Authenticate": "`Api-Key`: the only scheme the API takes."},
    "429": RETRY_AFTER,
    "503": RETRY_AFTER,
}

ERROR_RESPONSES = {
    "400": "A query parameter is unknown, given twice or has an invalid value; `errors` names it. Also "
    "a query of more parameters than the server reads (DATA_UPLOAD_MAX_NUMBER_FIELDS), or a Host header "
    "naming a host it does not serve.",
    "401": "The Authorization header is not `Api-Key <key>` (another scheme, a bare key), or names a "
    "malformed, unknown, revoked or expired partner key.",
    "404": "No such resource (or page, or cursor).",
    "405": "The API is read-only: only GET, HEAD and OPTIONS are allowed (see Allow).",
    "406": "The Accept header asks for a format the API does not produce.",
    "412": "If-Match or If-Unmodified-Since names a version of the resource it no longer has.",
    "413": "The request carries a body larger than the server accepts (MAX_ANONYMOUS_REQUEST_BODY_BYTES).",
    "429": "Too many requests (or bad partner keys) from this address; retry after Retry-After seconds.",
    "500": "An unexpected error; the problem details carry no trace.",
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
    trimmed = _add_trimmed_variants(components)
    problem = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            parameter_names = set()
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    parameter_names.add(parameter["name"])
                    _describe_query_parameter(parameter)
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_RESPONSES.items():
                responses.setdefault(status, {"description": description, "content": problem})
            responses.setdefault(
                "304", {"description": "Not modified since the ETag or date the client sent."}
            )
            for status, response in responses.items():
                response.setdefault("headers", {}).update(_response_headers(status))
                if status.startswith("2"):
                    extra = OPERATION_HEADERS.get(operation.get("operationId", ""), {})
                    response["headers"].update(
                        {name: {**HEADER, "description": text} for name, text in extra.items()}
                    )
                if FIELDS_PARAM in parameter_names and status.startswith("2"):
                    _admit_trimmed(response, trimmed)
    _make_the_key_optional(result)
    # Schemas drf-spectacular takes as given (pagination's envelopes, extend_schema_field dicts) still say
    # 3.0's `nullable`, which 3.1 no longer knows: a strict validator would refuse their nulls.
    result["components"] = _without_nullable(result["components"])
    result["paths"] = _without_nullable(result["paths"])
    return result


def _make_the_key_optional(result: dict[str, Any]) -> None:
    """The partner key as a document-wide requirement with an anonymous alternative (`{}`): generators
    (openapi-python-client) demand an authenticated client for any operation that lists a requirement of
    its own, even with `{}` among them."""
    schemes = result.get("components", {}).get("securitySchemes", {})
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            operation.pop("security", None)
    result["security"] = [{}, *({name: []} for name in schemes)]


def _describe_query_parameter(parameter: dict[str, Any]) -> None:
    """Empty values, NUL, bounds of arrays, the repeated form of `fields`/`ordering`, and the date filters."""
    # An empty value means "not given" (django-filter's rule), never an error.
    parameter["allowEmptyValue"] = True
    schema = parameter.get("schema", {})
    _forbid_nul(schema)
    if schema.get("type") == "array":
        # `fields` takes each of its names once; other lists settings.API_MAX_FILTER_VALUES values.
        names = schema.get("items", {}).get("enum")
        limit = len(names) if parameter["name"] == FIELDS_PARAM and names else settings.API_MAX_FILTER_VALUES
        schema["maxItems"] = limit
    if parameter["name"] in REPEATED_ARRAYS:
        # What most generators send for an array (`fields=slug&fields=title`); commas are read too.
        parameter["style"], parameter["explode"] = "form", True
    if schema.get("format") == "date-time":
        parameter["schema"] = {
            "oneOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]
        }
        parameter["description"] = (
            parameter.get("description", "") + " A date (its midnight) or an ISO 8601 date-time; one "
            f"without an offset is read in the site's time zone ({settings.TIME_ZONE})."
        ).strip()


def _response_headers(status: str) -> dict[str, Any]:
    """The headers a response with `status` carries, as OpenAPI header objects."""
    described: dict[str, str] = dict(RATE_LIMIT_HEADERS)
    if status.startswith("2"):
        described |= SUCCESS_HEADERS
    elif status == "304":
        described |= {
            name: SUCCESS_HEADERS[name] for name in ("ETag", "Last-Modified", "Cache-Control", "Vary")
        }
    described |= ERROR_HEADERS.get(status, {})
    return {name: {**HEADER, "description": description} for name, description in described.items()}


def _add_trimmed_variants(components: dict[str, Any]) -> dict[str, str]:
    """Beside each component `?fields=` can trim (`PublicationList`), whose `required` lists every field the
    whole document always has, a `PublicationListFields` variant requiring none: what an answer with
    `?fields=` is. Returns their references by the whole component's reference."""
    trimmed = {}
    for name in sorted(_sparse_component_names() & components.keys()):
        variant = copy.deepcopy(components[name])
        variant.pop("required", None)
        variant["description"] = (
            f"{name} trimmed by `?fields=`: only the top-level fields asked for, any of them."
        )
        components[f"{name}Fields"] = variant
        trimmed[f"#/components/schemas/{name}"] = f"#/components/schemas/{name}Fields"
    for envelope in components.values():
        items = envelope.get("properties", {}).get("results", {}).get("items", {})
        if items.get("$ref") in trimmed:
            # Pagination envelopes of trimmable items serve only operations that take `?fields=`.
            reference = items.pop("$ref")
            items["anyOf"] = [{"$ref": reference}, {"$ref": trimmed[reference]}]
    return trimmed


def _admit_trimmed(response: dict[str, Any], trimmed: dict[str, str]) -> None:
    """A success answer of an operation with `?fields=`: the whole document or its trimmed variant."""
    for media in response.get("content", {}).values():
        reference = media.get("schema", {}).get("$ref")
        if reference in trimmed:
            media["schema"] = {"anyOf": [{"$ref": reference}, {"$ref": trimmed[reference]}]}


def _without_nullable(node: Any) -> Any:
    """`node` with OpenAPI 3.0's `nullable: true` said the 3.1 way: `null` among the types."""
    if isinstance(node, list):
        return [_without_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _without_nullable(value) for key, value in node.items()}
    # `is True`: a property may be called "nullable".
    if node.get("nullable") is True:
        del node["nullable"]
        kind = node.get("type")
        if isinstance(kind, str):
            node["type"] = [kind, "null"]
        elif not (isinstance(kind, list) and "null" in kind):
            node = {"oneOf": [node, {"type": "null"}]}
    return node


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


class ApiSchemaView(SpectacularAPIView):
    """drf-spectacular's schema view, its document generated once per process, version and language.

    Optimization: generating the document walks every view and serializer, 0.5-1 s, and nothing cached it
    (not even with API_CACHE on): any request, with any query parameter (`?x=1`), generated it again. It
    depends on the code, the settings and the language only (no host, no credentials: SERVE_PUBLIC); a
    changed setting (tests) empties the store.
    """

    def _get_schema_response(self, request: Any) -> Response:
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (type(self), self.urlconf, version, translation.get_language())
        if key not in _generated:
            # Bounded: a key per language Django knows (get() names every `lang` so).
            _generated[key] = self.generator_class(
                urlconf=self.urlconf, api_version=version, patterns=self.patterns
            ).get_schema(request=request, public=self.serve_public)
        return Response(
            data=_generated[key],
            headers={"Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'},
        )

    # The base's own schema settings (SERVE_INCLUDE_SCHEMA: the schema leaves itself out).
    @extend_schema(**SCHEMA_KWARGS)
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        # drf-spectacular renders in the `lang` given, whose catalogue is its supported variant's (`fr-xx`
        # reads `fr`'s), or LANGUAGE_CODE's for one Django does not know: it is served under that name.
        lang = request.GET.get("lang")
        if settings.USE_I18N and lang:
            try:
                supported = translation.get_supported_language_variant(lang)
            except LookupError:
                supported = None
            query = request._request.GET.copy()
            if supported:
                query["lang"] = supported
            else:
                query.pop("lang")
            request._request.GET = query
        return super().get(request, *args, **kwargs)


_generated: dict[tuple[Any, ...], dict[str, Any]] = {}


@receiver(setting_changed)
def _forget_generated(**kwargs: Any) -> None:
    _generated.clear()
