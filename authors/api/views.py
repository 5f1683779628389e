"""Author bios. What counts or lists an author's publications is added by the publications app."""

from __future__ import annotations

from typing import Any

import orjson
from django.db.models import QuerySet
from django.http import Http404
from rest_framework.serializers import Serializer

from authors.api.documents import author_item, bio_addresses
from authors.api.filters import AuthorFilterSet
from authors.api.serializers import AuthorDetailSerializer, AuthorListSerializer
from authors.models import Author
from authors.querysets import PublicBio, public_bio
from cissapi.api.documents import ApiUrls, Document, ProducedDocumentsMixin
from cissapi.api.filters import FilterBackend
from cissapi.api.viewsets import PublicReadOnlyViewSet


class AuthorViewSet(ProducedDocumentsMixin, PublicReadOnlyViewSet):
    """Author bios (every author, whether or not anything of theirs is published yet).

    Override points: `count_publications()` annotates the `publication_count` (and `last_published_at`) a
    list item shows, `publication_stats()` is the SQL that counts them for a bio. Authors sit below
    publications and cannot count them, so the router registers the publications app's subclass
    (publications.api.authors), which fills both and adds `/authors/{slug}/publications/`.
    """

    filter_backends = [FilterBackend]
    # A bio's anonymous reads skip DRF's steps for other answers (cissapi.api.lean_dispatch).
    lean_actions = ("retrieve",)

    @property
    def filterset_class(self) -> type | None:
        # A bio is addressed by its slug alone; the list's filters do not apply to it.
        return AuthorFilterSet if self.action == "list" else None

    def get_queryset(self) -> QuerySet:
        # The photo and its renditions (a JSON column) come with the author's row.
        return self.count_publications(Author.objects.public().select_related("photo"))

    def get_object(self) -> PublicBio:
        # A bio is the JSON Postgres builds (public_bio): no queryset to filter, nothing for Python to build.
        author = public_bio(
            self.kwargs[self.lookup_field],
            addresses=bio_addresses(ApiUrls(self.request)),
            **self.publication_stats(),
        )
        if author is None:
            raise Http404
        self.check_object_permissions(self.request, author)
        return author

    def count_publications(self, authors: QuerySet[Author]) -> QuerySet[Author]:
        """`authors` with `publication_count` and `last_published_at`."""
        raise NotImplementedError

    def publication_stats(self) -> dict[str, Any]:
        """public_bio's `stats` (SQL of the row `count`, `latest` of the published pieces of the author
        aliased `a`) and `stats_params` (its parameters)."""
        raise NotImplementedError

    def get_serializer_class(self) -> type[Serializer]:
        return AuthorDetailSerializer if self.action == "retrieve" else AuthorListSerializer

    def produce(self, item: Any, urls: ApiUrls) -> Document:
        if self.action == "retrieve":
            # Parsed to be rendered as every document is (compact, as author_detail's would be): Postgres
            # writes JSON with spaces. A few microseconds for a bio.
            return orjson.loads(item.bio_json)
        return author_item(item, urls=urls)
