"""Author bios and each author's publications (co-authored ones included)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from authors.api.filters import AuthorFilterSet
from authors.api.serializers import AuthorDetailSerializer, AuthorListSerializer
from authors.models import Author
from cissapi.api.filters import FilterBackend
from cissapi.api.viewsets import PublicReadOnlyViewSet
from publications.api.filters import PublicationFilterSet
from publications.api.serializers import PublicationListSerializer
from publications.api.views import LIST_FIELDS_PARAMETER
from publications.models import Publication


class AuthorViewSet(PublicReadOnlyViewSet):
    """Author bios (every author, whether or not anything of theirs is published yet)."""

    filter_backends = [FilterBackend]

    @property
    def filterset_class(self) -> type | None:
        # A bio is addressed by its slug alone; the list's filters do not apply to it.
        return {"publications": PublicationFilterSet, "list": AuthorFilterSet}.get(self.action)

    def get_queryset(self) -> QuerySet:
        if self.action == "publications":
            return Publication.objects.published().with_listing()
        authors = Author.objects.all()
        return authors.with_bio() if self.action == "retrieve" else authors.with_publication_count()

    def get_serializer_class(self) -> type[Serializer]:
        return {"retrieve": AuthorDetailSerializer, "publications": PublicationListSerializer}.get(
            self.action, AuthorListSerializer
        )

    @extend_schema(
        summary="The author's published publications, co-authored ones included",
        parameters=[LIST_FIELDS_PARAMETER],
        responses=PublicationListSerializer(many=True),
    )
    @action(detail=True)
    def publications(self, request: Request, slug: str) -> Response:
        authors = Author.objects.filter(slug=slug)
        return self.owned_list_page(authors, self.get_queryset().by_author_slugs([slug]))
