"""`/api/v1/export/`: the whole public catalogue in one download, for partners that load everything once
and then follow the change feed.

JSON Lines (`application/x-ndjson`): one publication detail document per line, the detail's own producer
(`publication_detail`), oldest first. gzip-compressed when the client accepts it, as every API answer
(cissapi.compression); `X-Change-Cursor` is the change feed's cursor the export is consistent with.

Memory stays bounded at any catalogue size: the rows come through a server-side cursor in chunks and are
written out chunk by chunk, never as a list. Throttled and authenticated (partner keys) as the API is;
never kept in the response cache, nor in any other (each download is its own snapshot).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.http import StreamingHttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from cissapi.api.documents import ApiUrls
from cissapi.api.parameters import check_query_parameters
from cissapi.api.renderers import ORJSONRenderer
from cissapi.api.throttling import AnonymousExportThrottle
from publications.api.documents import publication_detail
from publications.api.serializers import PublicationDetailSerializer
from publications.changelog import changelog_position
from publications.feeds import IgnoreAcceptNegotiation
from publications.models import Publication

CONTENT_TYPE = "application/x-ndjson"
CURSOR_HEADER = "X-Change-Cursor"
# Rows fetched (and lines written) at a time: a few hundred detail documents, bodies included, are a few
# megabytes at most, and a network round trip per chunk is nothing beside the download.
CHUNK_SIZE = 200


def export_lines(urls: ApiUrls, *, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """The public catalogue as JSON Lines, `chunk_size` documents per chunk, oldest first."""
    renderer = ORJSONRenderer()
    publications = Publication.objects.published().with_detail().order_by("pk")
    chunk: list[bytes] = []
    # iterator(): a server-side cursor, so the rows are never all in memory (nor in the queryset's cache).
    for publication in publications.iterator(chunk_size=chunk_size):
        # `related` is left empty: a navigation aid computed per piece (one query each) that changes
        # whenever another piece does, which the change feed does not announce; the detail serves it.
        document = publication_detail(publication, urls=urls, related=[])
        chunk.append(renderer.render(document) + b"\n")
        if len(chunk) == chunk_size:
            yield b"".join(chunk)
            chunk = []
    if chunk:
        yield b"".join(chunk)


class ExportView(APIView):
    """The whole public catalogue as JSON Lines of publication details, with its change-feed cursor."""

    http_method_names = ["get", "head", "options"]
    # The answer is JSON Lines whatever the client accepts; errors are problem documents regardless.
    content_negotiation_class = IgnoreAcceptNegotiation

    def get_throttles(self) -> list[BaseThrottle]:
        # An anonymous client's exports are counted apart as well (the API's rate counts requests, not
        # their cost); last, so the tighter allowance is the one the RateLimit fields tell.
        return [*super().get_throttles(), AnonymousExportThrottle()]

    @extend_schema(
        operation_id="export_retrieve",
        summary="The whole public catalogue as JSON Lines, with the change-feed cursor it is consistent with",
        description=(
            "One publication detail document per line (`related` is empty), oldest first, "
            "gzip-compressed when the client accepts it. Load it, then follow `/api/v1/changes/` from the "
            f"`{CURSOR_HEADER}` header (absent while nothing has ever been published: start without `since`)."
        ),
        parameters=[
            OpenApiParameter(
                CURSOR_HEADER,
                str,
                OpenApiParameter.HEADER,
                response=[200],
                description="The change feed's cursor (`since`) to follow from after loading this export.",
            )
        ],
        responses={
            (200, CONTENT_TYPE): OpenApiResponse(
                PublicationDetailSerializer, description="One detail document per line."
            )
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> StreamingHttpResponse:
        check_query_parameters(request.query_params, {})
        # Before reading the catalogue, so the catalogue read is at least as new as the cursor.
        cursor = changelog_position()
        response = StreamingHttpResponse(export_lines(ApiUrls(request)), content_type=CONTENT_TYPE)
        if cursor is not None:
            response[CURSOR_HEADER] = cursor
        response["Content-Disposition"] = 'attachment; filename="ciss-catalogue.jsonl"'
        # A snapshot as of its cursor: a shared cache must not hand an old one to the next partner.
        response["Cache-Control"] = "no-store"
        return response
