"""Author bios as API v1 serves them: with their counts of published pieces and their publication lists.

The authors app knows nothing of publications; this subclass of its viewset, registered by the router,
fills its `count_publications()` hook, adds `/authors/{slug}/publications/` and links the author's feed.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
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
from publications.querysets import author_publication_stats_sql, authors_with_publication_counts

# Optimization (issue 16): the SQL depends on nothing that changes while a process runs; written once, it is
# also the same string object every time, so public_bio's statement for it is found without hashing it anew.
_stats_sql = functools.cache(author_publication_stats_sql)


class AuthorViewSet(PublicationPagesMixin, author_views.AuthorViewSet):
    """Author bios (every author, whether or not anything of theirs is published yet)."""

    publication_actions = ("publications",)
    collection_feed = "author"

    def get_queryset(self) -> QuerySet:
        if self.action == "publications":
            return self.listed_publications()
        return super().get_queryset()

    def count_publications(self, authors: QuerySet[Author]) -> QuerySet[Author]:
        return authors_with_publication_counts(authors)

    def publication_stats(self) -> dict[str, Any]:
        # The published rule reads Python's clock, as published() does.
        return {"stats": _stats_sql(), "stats_params": {"now": timezone.now()}}

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
        return self.collection_list_page(
            lambda: Author.objects.public().filter(slug=slug),
            self.listed_publications().by_author_slugs([slug]),
        )
