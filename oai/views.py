"""The OAI-PMH 2.0 endpoint: one URL, GET or POST (form-encoded), six verbs.

Protocol errors are 200 answers with <error> elements, as the specification says; HTTP errors (429 from the
API's throttles, 401 for a bad partner key, 415 for a POST that is not a form) are the API's problem+json.
Answers to GETs are kept in the shared response cache per catalogue generation, as feeds are, and carry
strong ETags.
"""

from __future__ import annotations

import re
from typing import Any, cast
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from drf_spectacular.utils import extend_schema
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser
from rest_framework.request import Request
from rest_framework.views import APIView

from cissapi.api.http_caching import VARY, ResponseMeta, cache_public_response, finalize
from oai import documents, records
from oai.documents import OAIWriter
from oai.protocol import (
    OAIError,
    check_metadata_prefix,
    datestamp,
    list_request,
    make_token,
    parse_identifier,
    request_arguments,
    token_expiry,
)
from publications.feeds import IgnoreAcceptNegotiation

CONTENT_TYPE = "text/xml; charset=utf-8"
OAI_VARY = tuple(header for header in VARY if header != "Accept")
# A repositoryIdentifier of the oai-identifier scheme: a domain name (the public site's host).
_REPOSITORY_IDENTIFIER = re.compile(r"[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+")


class FormNegotiation(DefaultContentNegotiation):
    """Answers are XML whatever the Accept header says (errors JSON, as feeds'); a POST body must be a form
    (DRF's parser choice: a 415 otherwise)."""

    select_renderer = IgnoreAcceptNegotiation.select_renderer


class OAIView(APIView):
    """/oai/ with the API's partner keys, throttles and caching."""

    http_method_names = ["get", "post", "head"]
    parser_classes = [FormParser]
    content_negotiation_class = FormNegotiation

    @extend_schema(exclude=True)
    def get(self, request: Request) -> HttpResponse:
        return _answer(request._request, arguments=request.query_params)

    @extend_schema(exclude=True)
    def post(self, request: Request) -> HttpResponse:
        # The form's arguments only; POST answers are never cached (the cache keys on the URL).
        # FormParser, the only parser here, gives a QueryDict.
        return _respond(request._request, arguments=cast(QueryDict, request.data))

    # DRF's finalize_response takes and returns any HttpResponseBase; the stubs say Response only.
    def finalize_response(  # type: ignore[override]
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[arg-type]  # as above
        return finalize(request, response, ResponseMeta(surrogate_keys=None), vary=OAI_VARY)


def _cache_query(request: HttpRequest, *, arguments: QueryDict) -> str:
    # Every argument counts (an unknown one is an error answer of its own); sorted, so spellings share.
    return urlencode(sorted(arguments.lists()), doseq=True)


@cache_public_response(surrogate_keys=["oai"], query=_cache_query)
def _answer(request: HttpRequest, *, arguments: QueryDict) -> HttpResponse:
    return _respond(request, arguments=arguments)


def _respond(request: HttpRequest, *, arguments: QueryDict) -> HttpResponse:
    base_url = request.build_absolute_uri(request.path)
    writer = OAIWriter()
    try:
        verb, given = request_arguments(arguments)
    except OAIError as problem:
        # After badVerb or badArgument, the request element carries the base URL only (section 3.6).
        return _xml(writer.document(base_url, {}, documents.error(problem.code, problem.message)))
    try:
        body = VERB_BODIES[verb](given, base_url)
    except OAIError as problem:
        attributes = {} if problem.code == "badArgument" else {"verb": verb, **given}
        return _xml(writer.document(base_url, attributes, documents.error(problem.code, problem.message)))
    return _xml(writer.document(base_url, {"verb": verb, **given}, body))


def _xml(content: bytes) -> HttpResponse:
    return HttpResponse(content, content_type=CONTENT_TYPE)


def _identify(arguments: dict[str, str], base_url: str) -> Any:
    host = urlsplit(settings.SITE_URL).hostname or ""
    return documents.identify(
        base_url=base_url,
        earliest=records.earliest_datestamp(),
        host=host if _REPOSITORY_IDENTIFIER.fullmatch(host) else None,
    )


def _list_metadata_formats(arguments: dict[str, str], base_url: str) -> Any:
    if "identifier" in arguments and records.record(parse_identifier(arguments["identifier"])) is None:
        raise OAIError("idDoesNotExist", f"No item has the identifier {arguments['identifier']!r}.")
    return documents.metadata_formats


def _list_sets(arguments: dict[str, str], base_url: str) -> Any:
    if "resumptionToken" in arguments:
        raise OAIError("badResumptionToken", "This repository's set list has no resumption tokens.")
    specs = records.sets()
    if not specs:
        raise OAIError("noSetHierarchy", "This repository has no sets yet.")
    return documents.list_sets(specs)


def _get_record(arguments: dict[str, str], base_url: str) -> Any:
    publication_uuid = parse_identifier(arguments["identifier"])
    check_metadata_prefix(arguments["metadataPrefix"])
    found = records.record(publication_uuid)
    if found is None:
        raise OAIError("idDoesNotExist", f"No item has the identifier {arguments['identifier']!r}.")

    def body(writer: OAIWriter) -> None:
        with writer.element("GetRecord"):
            documents.full_record(writer, found)

    return body


def _list(verb: str) -> Any:
    def listing(arguments: dict[str, str], base_url: str) -> Any:
        request = list_request(verb, arguments)
        page = records.records_page(request, limit=settings.OAI_PAGE_SIZE)
        if not page.records and request.after is None:
            raise OAIError("noRecordsMatch", "No records match these arguments.")
        token: tuple[str, dict[str, str]] | None = None
        cursor = {"cursor": str(request.cursor)}
        if page.has_more:
            value = make_token(page.request, last=page.records[-1].position, sent=len(page.records))
            token = (value, {"expirationDate": datestamp(token_expiry()), **cursor})
        elif request.after is not None:
            token = ("", cursor)  # the last page of a list that had tokens
        return documents.list_body(verb, page.records, token)

    return listing


VERB_BODIES = {
    "Identify": _identify,
    "ListMetadataFormats": _list_metadata_formats,
    "ListSets": _list_sets,
    "GetRecord": _get_record,
    "ListIdentifiers": _list("ListIdentifiers"),
    "ListRecords": _list("ListRecords"),
}
