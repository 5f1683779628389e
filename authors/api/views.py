"""Author bios. What counts or lists an author's publications is added by the publications app."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.serializers import Serializer

from authors.api.documents import author_detail, author_item
from authors.api.filters import AuthorFilterSet
from authors.api.serializers import AuthorDetailSerializer, AuthorListSerializer
from authors.models import Author
from cissapi.api.documents import ApiUrls, Document, ProducedDocumentsMixin
from cissapi.api.filters import FilterBackend
from cissapi.api.viewsets import PublicReadOnlyViewSet


class AuthorViewSet(ProducedDocumentsMixin, PublicReadOnlyViewSet):
    """Author bios (every author, whether or not anything of theirs is published yet).

    Override point: `count_publications()` annotates the `publication_count` (and `last_published_at`) a bio
    shows. Authors sit below publications and cannot count them, so the router registers the publications
    app's subclass (publications.api.authors), which fills it and adds `/authors/{slug}/publications/`.
    """

    filter_backends = [FilterBackend]

    @property
    def filterset_class(self) -> type | None:
        # A bio is addressed by its slug alone; the list's filters do not apply to it.
        return AuthorFilterSet if self.action == "list" else None

    def get_queryset(self) -> QuerySet:
        # The photo and its renditions (a JSON column) come with the author's row.
        authors = Author.objects.public().select_related("photo")
        if self.action == "retrieve":
            return self.count_publications(authors.with_bio(), single=True)
        return self.count_publications(authors, single=False)

    def count_publications(self, authors: QuerySet[Author], *, single: bool) -> QuerySet[Author]:
        """`authors` with `publication_count` and `last_published_at`; `single` for one bio's page."""
        raise NotImplementedError

    def get_serializer_class(self) -> type[Serializer]:
        return AuthorDetailSerializer if self.action == "retrieve" else AuthorListSerializer

    def produce(self, item: Any, urls: ApiUrls) -> Document:
        if self.action == "retrieve":
            return author_detail(item, urls=urls)
        return author_item(item, urls=urls)
