"""Author bios as API v1 serves them: with their counts of published pieces and their publication lists.

The authors app knows nothing of publications; this subclass of its viewset, registered by the router,
fills its `count_publications()` hook, adds `/authors/{slug}/publications/` and links the author's feed.
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from authors.api import views as author_views
from authors.models import Author
from cissapi.api.http_caching import answer_from_cache
from publications.api.serializers import PublicationListSerializer
from publications.api.views import LIST_FIELDS_PARAMETER, PublicationPagesMixin
from publications.querysets import authors_with_publication_counts, authors_with_publication_stats


class AuthorViewSet(PublicationPagesMixin, author_views.AuthorViewSet):
    """Author bios (every author, whether or not anything of theirs is published yet)."""

    publication_actions = ("publications",)
    collection_feed = "author"

    def get_queryset(self) -> QuerySet:
        if self.action == "publications":
            return self.listed_publications()
        return super().get_queryset()

    def count_publications(self, authors: QuerySet[Author], *, single: bool) -> QuerySet[Author]:
        if single:
            return authors_with_publication_stats(authors)
        return authors_with_publication_counts(authors)

    def get_serializer_class(self) -> type[Serializer]:
        return PublicationListSerializer if self.action == "publications" else super().get_serializer_class()

    @extend_schema(
        summary="The author's published publications, co-authored ones included",
        parameters=[LIST_FIELDS_PARAMETER],
        responses=PublicationListSerializer(many=True),
    )
    @action(detail=True)
    @answer_from_cache
    def publications(self, request: Request, slug: str) -> Response:
        authors = Author.objects.public().filter(slug=slug)
        return self.collection_list_page(authors, self.listed_publications().by_author_slugs([slug]))
