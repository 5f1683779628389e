"""`/api/v1/publications/{slug}/cite/`: a publication's citation in the format asked for by `?format=` or,
without it, by `Accept` (DOI content negotiation's media types), produced by publications.citations.

Visible as the detail is (live pieces; 301 from an old slug, 410 for a withdrawn piece, else 404), cached
and validated as the detail is; errors are problem+json whatever the client accepts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, OpenApiTypes, extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import NotAcceptable, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from cissapi.api.exceptions import PROBLEM_CONTENT_TYPE
from cissapi.api.http_caching import answer_from_cache
from cissapi.api.parameters import FORMAT_PARAM, Parameter
from publications.api.absent import absent_answer
from publications.api.serializers import WithdrawnProblemSerializer
from publications.citations import CITATION_FORMATS, CitationFormat, cite
from publications.feeds import IgnoreAcceptNegotiation

if TYPE_CHECKING:
    from cissapi.api.viewsets import PublicReadOnlyViewSet

    # What the mixin is mixed into, for the type checker only.
    _Base = PublicReadOnlyViewSet
else:
    _Base = object

# Other names clients send for the same formats (citation.js, older Zotero and Crossref spellings).
MEDIA_TYPE_ALIASES = {
    "application/citeproc+json": "csl-json",
    "application/json": "csl-json",
    "text/x-bibtex": "bibtex",
    "application/x-bibtex": "bibtex",
    "application/x-research-info-systems": "ris",
    "application/vnd.citationstyles.csl+json": "csl-json",
}
# `text/x-bibliography; style=...`: the style names this endpoint renders, and the one without a style.
BIBLIOGRAPHY_STYLES = {"apa": "apa", "chicago": "chicago", "chicago-author-date": "chicago"}
BIBLIOGRAPHY_DEFAULT = "apa"
ACCEPT_ENTRIES_MAX = 32


def format_from_accept(accept: str) -> CitationFormat | None:
    """The format an `Accept` header prefers among ours (by q, then in the client's order; ties on a
    wildcard go to CSL-JSON, then CITATION_FORMATS' order); None when it accepts none of them."""
    ranges = []
    for position, entry in enumerate(accept.split(",")[:ACCEPT_ENTRIES_MAX]):
        media_type, *raw_params = (part.strip() for part in entry.split(";"))
        params = {
            key.strip().lower(): value.strip().strip('"')
            for key, _, value in (param.partition("=") for param in raw_params)
        }
        try:
            quality = float(params.pop("q", "1"))
        except ValueError:
            quality = 0.0
        if media_type and quality > 0:
            ranges.append((-quality, position, media_type.lower(), params))
    for _, _, media_type, params in sorted(ranges):
        if media_type == "text/x-bibliography":
            style = BIBLIOGRAPHY_STYLES.get(params.get("style", BIBLIOGRAPHY_DEFAULT).lower())
            if style:
                return CITATION_FORMATS[style]
        elif media_type in MEDIA_TYPE_ALIASES:
            return CITATION_FORMATS[MEDIA_TYPE_ALIASES[media_type]]
        elif media_type.endswith("/*"):
            kind = media_type.removesuffix("*")
            matching = [f for f in CITATION_FORMATS.values() if f.media_type.startswith(kind) or kind == "*/"]
            if matching:
                return matching[0]
    return None


def chosen_format(request: Request) -> CitationFormat:
    """`?format=` when given (a 400 naming the accepted names if unknown), else what `Accept` prefers (a
    406 naming our media types if it accepts none); CSL-JSON without either."""
    # An empty value is not given (the API's rule for every query parameter).
    if name := request.query_params.get(FORMAT_PARAM, "").lower():
        if name not in CITATION_FORMATS:
            raise ValidationError(
                {FORMAT_PARAM: f"Unknown format. Choose one of: {', '.join(CITATION_FORMATS)}."}
            )
        return CITATION_FORMATS[name]
    accept = request.headers.get("Accept", "").strip()
    if not accept:
        return CITATION_FORMATS["csl-json"]
    chosen = format_from_accept(accept)
    if chosen is None:
        offered = sorted({f.content_type.removesuffix("; charset=utf-8") for f in CITATION_FORMATS.values()})
        raise NotAcceptable(
            f"Cannot answer in the media types accepted. This endpoint offers: {', '.join(offered)}."
        )
    return chosen


# CSL-JSON is an array of one item (citeproc's input); the item's own vocabulary is CSL's, open-ended.
CSL_JSON_SCHEMA = {
    "type": "array",
    "minItems": 1,
    "maxItems": 1,
    "items": {
        "type": "object",
        "required": ["id", "type", "title"],
        "properties": {"id": {"type": "string"}, "type": {"type": "string"}, "title": {"type": "string"}},
        "additionalProperties": True,
    },
}

CITE_SCHEMA = extend_schema(
    summary="Its citation: BibTeX, RIS, CSL-JSON, APA or Chicago",
    description="By `?format=` or, without it, by `Accept` (`application/x-bibtex`, "
    "`application/x-research-info-systems`, `application/vnd.citationstyles.csl+json`, "
    "`text/x-bibliography; style=apa` or `style=chicago`); CSL-JSON when neither says. APA and Chicago "
    "(author-date) are plain text rendered with the official CSL styles. `Content-Disposition` names the "
    "file `<slug>.json`, `.bib`, `.ris` or `.txt` (inline).",
    parameters=[
        OpenApiParameter(
            FORMAT_PARAM,
            OpenApiTypes.STR,
            enum=list(CITATION_FORMATS),
            description="The format.",
        )
    ],
    responses={
        **{
            (200, citation_format.media_type): OpenApiResponse(
                CSL_JSON_SCHEMA if citation_format.media_type.endswith("json") else OpenApiTypes.STR,
                description=f"{citation_format.name}: {citation_format.content_type}",
            )
            for citation_format in CITATION_FORMATS.values()
            if citation_format.name != "chicago"
        },
        301: OpenApiResponse(
            description="An old slug of a live piece: `Location` is its current citation (empty body).",
            response=None,
        ),
        (410, PROBLEM_CONTENT_TYPE): OpenApiResponse(
            WithdrawnProblemSerializer,
            description="Withdrawn by its publishers: problem details with the notice.",
        ),
    },
)


class CiteMixin(_Base):
    """The `cite` action of the publications viewset."""

    citation_format: CitationFormat

    def query_parameters(self) -> dict[str, Parameter]:
        if self.action == "cite":
            return {FORMAT_PARAM: Parameter()}
        return super().query_parameters()

    def response_variant(self) -> str:
        # `?format=` and Accept ask for the same citation in different words: one cache entry per format.
        return self.citation_format.name if self.action == "cite" else super().response_variant()

    @CITE_SCHEMA
    @action(detail=True, content_negotiation_class=IgnoreAcceptNegotiation)
    def cite(self, request: Request, slug: str) -> Any:
        # Negotiated before the cache lookup, which keys on the format (response_variant).
        self.citation_format = chosen_format(request)
        return self.citation_answer(request, slug)

    @answer_from_cache
    def citation_answer(self, request: Request, slug: str) -> HttpResponse | Response:
        try:
            publication = self.get_object()
        except Http404:
            return absent_answer(request, slug, route="publication-cite", meta=self.response_meta)
        meta = self.response_meta
        meta.note_last_modified(self.change_times(publication))
        meta.note_surrogate_keys(self.keys_of(publication))
        response = HttpResponse(
            cite(publication, self.citation_format), content_type=self.citation_format.content_type
        )
        # Inline, so a browser shows what it can (APA, Chicago) and saves the rest (BibTeX, RIS) under a name
        # a reference manager takes, rather than "cite".
        disposition = content_disposition_header(
            as_attachment=False, filename=f"{publication.slug}.{self.citation_format.extension}"
        )
        if disposition:  # None only for an empty file name; a slug is never empty
            response["Content-Disposition"] = disposition
        return response
