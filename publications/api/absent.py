"""What the detail and its sub-resources (the citation) answer for a slug that is not a live piece."""

from __future__ import annotations

from django.http import Http404
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from cissapi.api.documents import ApiUrls
from cissapi.api.exceptions import PROBLEM_CONTENT_TYPE
from cissapi.api.http_caching import ResponseMeta
from publications.api.documents import withdrawn_problem
from publications.models import Publication


def absent_answer(request: Request, slug: str, *, route: str, meta: ResponseMeta) -> Response:
    """A withdrawn piece is gone with its notice (410); a slug a live piece had moves to `route` of its
    current slug, query kept (301); anything else is a 404."""
    withdrawn = Publication.objects.withdrawn().filter(slug=slug, trashed_at__isnull=True).first()
    if withdrawn is not None:
        meta.note_surrogate_keys([f"publication-{withdrawn.pk}"])
        document = withdrawn_problem(withdrawn, instance=request.get_full_path())
        return Response(document, status=410, content_type=PROBLEM_CONTENT_TYPE)
    current = Publication.objects.published().formerly_at(slug).values_list("slug", flat=True).first()
    if current is None:
        raise Http404
    location = ApiUrls(request).resource(route, current)
    if query := request.META.get("QUERY_STRING"):
        location = f"{location}?{query}"
    return Response(status=status.HTTP_301_MOVED_PERMANENTLY, headers={"Location": location})
