"""`/api/v1/preview/{token}/`: an unpublished piece as its detail will show it once published, for the
frontend an editor's preview link opens (tokens: publications.preview).

Never cached: `Cache-Control: private, no-store`, and no response cache, ETag or surrogate keys, since the
document is a draft only the token's holder may see and changes with every edit.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cissapi.api.documents import ApiUrls, api_datetime
from cissapi.api.exceptions import PROBLEM_CONTENT_TYPE
from cissapi.api.parameters import FORMAT_PARAM, Parameter, check_query_parameters
from cissapi.text import html_to_text, sanitize_html, word_count
from publications.api.documents import publication_detail
from publications.api.serializers import PublicationDetailSerializer
from publications.models import Publication
from publications.preview import ExpiredPreview, InvalidPreview, read_preview
from publications.revisions import STATE_FIELDS, autosave_latest, tracked_fields
from publications.services import as_published


class PreviewGone(exceptions.APIException):
    status_code = status.HTTP_410_GONE
    default_detail = "This preview link has expired or was revoked."
    default_code = "gone"


class PreviewSerializer(PublicationDetailSerializer):
    """The detail's document with the `preview` marker (the schema of the preview answer only)."""

    preview = inline_serializer(
        "PreviewMarker",
        {
            "expires_at": serializers.DateTimeField(help_text="When this preview link stops working."),
            "status": serializers.ChoiceField(Publication.Status.choices, help_text="The piece's state now."),
        },
    )


def show_autosave(publication: Publication) -> None:
    """Put the newest unsaved autosave's fields (what an editor typed since the last save) on `publication`,
    in memory only, so a preview shows the work in progress. Its state, dates and the byline, topics and
    cross-posts shown stay the saved ones."""
    draft = autosave_latest(publication)
    if draft is None:
        return
    for field in tracked_fields():
        if field.name not in STATE_FIELDS:
            setattr(publication, field.attname, getattr(draft, field.attname))
    # An autosave keeps the form as typed, never saved: cleaned here as a save would clean it, so a
    # preview carries only what the sanitizer lets into a stored body.
    publication.clean_plain_text()
    publication.body = sanitize_html(publication.body)
    publication.word_count = word_count(html_to_text(publication.body))


class PreviewView(APIView):
    """An unpublished piece, exactly as its detail will give it once published, plus `preview`."""

    @extend_schema(
        summary="Preview of an unpublished piece, by an editor's preview token",
        responses={
            200: PreviewSerializer,
            (404, PROBLEM_CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.OBJECT, description="Not a preview token, or its piece is gone (a problem)."
            ),
            (410, PROBLEM_CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.OBJECT, description="The preview link expired or was revoked (a problem)."
            ),
        },
    )
    def get(self, request: Request, token: str) -> Response:
        try:
            preview = read_preview(token)
        except InvalidPreview as error:
            raise exceptions.NotFound(f"No preview: {error}.") from error
        except ExpiredPreview as error:
            raise PreviewGone(f"No preview: {error}.") from error
        publication = Publication.objects.kept().with_detail().filter(pk=preview.publication_id).first()
        if publication is None:  # trashed or deleted since the token was read
            raise exceptions.NotFound("No preview: the previewed publication no longer exists.")
        show_autosave(publication)
        related = list(
            Publication.objects.published().related_to(
                publication,
                topic_ids=[topic["id"] for topic in publication.topic_list],
                author_ids=[author["id"] for author in publication.byline],
            )
        )
        state = publication.status
        document: dict[str, Any] = publication_detail(
            as_published(publication), urls=ApiUrls(request), related=related
        )
        document["preview"] = {"expires_at": api_datetime(preview.expires_at), "status": state}
        return Response(document)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # The token is the whole question; any query parameter but ?format= is a 400, as everywhere.
        check_query_parameters(request.query_params, {FORMAT_PARAM: Parameter()})

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        # Errors too: a token that fails now may be a different answer after a restore or a new link.
        response["Cache-Control"] = "private, no-store"
        return response
