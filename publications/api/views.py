"""Views for publications, topics, series and outlets (an author's: publications.api.authors).

They only wire querysets, filters, producers (publications.api.documents) and the serializers that are
the documents' schema.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

import orjson
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer, Serializer

from cissapi.api.documents import ApiUrls, Document, ProducedDocumentsMixin, only
from cissapi.api.exceptions import PROBLEM_CONTENT_TYPE
from cissapi.api.feed_links import feed_urls
from cissapi.api.filters import FilterBackend
from cissapi.api.http_caching import answer_from_cache
from cissapi.api.serializers import FIELDS_PARAM
from cissapi.api.viewsets import PublicReadOnlyViewSet
from cissapi.prepared import server_binding
from publications.api.absent import absent_answer
from publications.api.cite import CiteMixin
from publications.api.documents import (
    item_addresses,
    outlet_document,
    publication_detail,
    series_document,
    topic_document,
)
from publications.api.filters import (
    PublicationFilterSet,
    edit_sensitive,
    feed_filter_query,
    lone_search,
    lone_topics,
)
from publications.api.pagination import PublicationPagination
from publications.api.serializers import (
    OutletSerializer,
    PublicationDetailSerializer,
    PublicationListSerializer,
    SeriesSerializer,
    TopicSerializer,
    WithdrawnProblemSerializer,
)
from publications.invalidation import EDITS_KEY
from publications.models import Publication
from publications.querysets import (
    PublicationQuerySet,
    public_detail,
    public_related,
    with_live_publications,
    with_publication_counts,
)
from taxonomy.models import Outlet, Series, Topic


def fields_parameter(serializer_class: type) -> OpenApiParameter:
    """Document `?fields=` with the top-level fields `serializer_class` can return."""
    # A whole array schema: drf-spectacular's many=True wraps only basic types, not an enum of names.
    return OpenApiParameter(
        FIELDS_PARAM,
        {"type": "array", "items": {"type": "string", "enum": list(serializer_class().fields)}},
        style="form",
        explode=True,
        description="Only these top-level fields: `fields=slug&fields=title`, or comma-separated "
        "(`fields=slug,title`). Each item then has only those (see the `...Fields` schema).",
    )


LIST_FIELDS_PARAMETER = fields_parameter(PublicationListSerializer)


def surrogate_keys_of(pieces: list[Publication]) -> list[str]:
    """The surrogate keys of `pieces`: each one's `publication-12`, and its authors', topics' and series'
    keys too (their pages count it); in one pass for a whole page."""
    keys = []
    for piece in pieces:
        keys.append(f"publication-{piece.pk}")
        keys += [f"author-{pk}" for pk in piece.author_ids]
        keys += [f"topic-{pk}" for pk in piece.topic_ids]
        if piece.series_id:
            keys.append(f"series-{piece.series_id}")
    return keys


class PublicationPagesMixin(ProducedDocumentsMixin):
    """Publication lists shared by every resource that has some (publications, and the collections: authors,
    topics, series, outlets): their filters, paging, surrogate keys and feeds."""

    filter_backends = [FilterBackend]
    # The actions that list publications.
    publication_actions: tuple[str, ...] = ("list", "publications")
    # The feed of the collection a page shows (URL names `feeds:<collection_feed>-<format>`), linked from the
    # collection's page and its list of publications; None when it has none.
    collection_feed: str | None = None

    def listed_publications(self) -> PublicationQuerySet:
        """What the actions that list publications start from: published pieces (filter_queryset makes them
        list items)."""
        return Publication.objects.published()

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.action not in self.publication_actions:
            return super().filter_queryset(queryset)
        # A search or topics with no other filter skip the FilterSet (lone_search, lone_topics); FilterBackend
        # is the only backend.
        params = self.request.query_params
        text = lone_search(params)
        slugs = lone_topics(params) if text is None else None
        if text is not None:
            queryset = PublicationFilterSet.search_in(cast(PublicationQuerySet, queryset), text)
        elif slugs is not None:
            # No slug (`?topic=`) filters nothing, as in the FilterSet.
            queryset = cast(PublicationQuerySet, queryset).in_topics(slugs) if slugs else queryset
        else:
            queryset = super().filter_queryset(queryset)
        # Last, so that the item carries a search's snippet: Postgres builds each item with only the
        # chosen fields, and produce() embeds it as it comes.
        fields = self.chosen_fields()
        return cast(PublicationQuerySet, queryset).as_items(
            item_addresses(ApiUrls(self.request)), fields=frozenset(fields) if fields is not None else None
        )

    def produce(self, item: Any, urls: ApiUrls) -> Document:
        if self.action in self.publication_actions:
            return orjson.Fragment(item.item)
        return super().produce(item, urls)

    @property
    def filterset_class(self) -> type | None:
        if self.action in self.publication_actions:
            return PublicationFilterSet
        return getattr(super(), "filterset_class", None)

    @property
    # Chosen per action; DRF only reads the attribute (once per view, for `paginator`).
    def pagination_class(self) -> type[BasePagination] | None:  # type: ignore[override]
        if self.action in self.publication_actions:
            return PublicationPagination
        return super().pagination_class

    def keys_of(self, item: Any) -> list[str]:
        if self.action in self.publication_actions:
            return self.publication_keys(item)
        return super().keys_of(item)

    def list_page(self, queryset: Any) -> Response:
        if self.action in self.publication_actions and edit_sensitive(self.request.query_params):
            # Any edit of a live piece may bring it into this list or move it (publications.invalidation).
            self.response_meta.note_surrogate_keys([EDITS_KEY])
        return super().list_page(queryset)

    def page_change_times(self, page: list[Any]) -> list[datetime | None]:
        if self.action not in self.publication_actions:
            return super().page_change_times(page)
        # Optimization (issue 16): change_times() of each piece (its edit, its going live; a piece has no
        # last_published_at), read in two passes rather than three lookups and a call per piece.
        return [piece.updated_at for piece in page] + [piece.published_at for piece in page]

    def page_keys(self, page: list[Any]) -> list[str]:
        if self.action not in self.publication_actions:
            return super().page_keys(page)
        return surrogate_keys_of(page)

    def publication_keys(self, publication: Publication) -> list[str]:
        """`publication-12`, and its authors', topics' and series' keys too (their pages count it)."""
        return surrogate_keys_of([publication])

    def matching_feeds(self) -> dict[str, str]:
        if self.collection_feed and self.action in ("retrieve", "publications"):
            query = self.feed_query() if self.action == "publications" else ""
            return feed_urls(self.request, self.collection_feed, query=query, slug=self.kwargs["slug"])
        return super().matching_feeds()

    def feed_query(self) -> str:
        """The filters of this list that a feed takes too, as the feed's canonical query string: a filtered
        list links the feed of the same pieces."""
        return feed_filter_query(self.request.query_params)


@extend_schema_view(
    list=extend_schema(summary="Published publications, newest first", parameters=[LIST_FIELDS_PARAMETER]),
    retrieve=extend_schema(
        summary="One published publication, whole",
        parameters=[fields_parameter(PublicationDetailSerializer)],
        responses={
            200: PublicationDetailSerializer,
            301: OpenApiResponse(
                description="An old slug of a live piece: `Location` is its current detail (empty body).",
                response=None,
            ),
            (410, PROBLEM_CONTENT_TYPE): OpenApiResponse(
                WithdrawnProblemSerializer,
                description="Withdrawn by its publishers: problem details (application/problem+json) "
                "carrying the public notice, the piece's slug, title and time of withdrawal.",
            ),
        },
    ),
)
class PublicationViewSet(CiteMixin, PublicationPagesMixin, PublicReadOnlyViewSet):
    """Published publications: lean list items, whole details."""

    # A detail's and a list page's anonymous reads skip DRF's steps for other answers
    # (cissapi.api.lean_dispatch; tests/test_anonymous_reads.py holds both ways to the same bytes).
    lean_actions = ("retrieve", "list")

    def get_queryset(self) -> QuerySet:
        if self.action == "retrieve":
            return Publication.objects.published().with_detail()
        if self.action == "cite":
            # A citation names the byline, topics and series: the listing's columns, on one piece.
            return Publication.objects.published().with_listing()
        return self.listed_publications()

    def get_serializer_class(self) -> type[Serializer]:
        return PublicationDetailSerializer if self.action == "retrieve" else PublicationListSerializer

    def keys_of(self, item: Any) -> list[str]:
        return self.publication_keys(item)

    def matching_feeds(self) -> dict[str, str]:
        """The site-wide feed with the list's filters, or the type's when one type is the only filter."""
        if self.action not in ("list", "retrieve"):
            return {}  # OPTIONS
        query = self.feed_query() if self.action == "list" else ""
        only_type = query.removeprefix("type=") if query.startswith("type=") and "&" not in query else None
        if only_type in Publication.Type.values:
            return feed_urls(self.request, "type", publication_type=only_type)
        return feed_urls(self.request, "site", query=query)

    def get_object(self) -> Publication:
        if self.action != "retrieve":
            return super().get_object()
        # What DRF's get_object() finds in get_queryset() (there is no filter for a detail), by a statement
        # compiled once per process (publications.querysets.public_detail).
        publication = public_detail(self.kwargs[self.lookup_field])
        if publication is None:
            raise Http404
        self.check_object_permissions(self.request, publication)
        return publication

    @answer_from_cache
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The detail's two statements are the same every time: planned once per connection (cissapi.prepared).
        with server_binding(Publication.objects.db):
            publication: Publication | None
            try:
                publication = self.get_object()
            except Http404:
                publication = None
            if publication is not None:
                related = public_related(
                    publication,
                    topic_ids=[topic["id"] for topic in publication.topic_list],
                    author_ids=[author["id"] for author in publication.byline],
                )
        if publication is None:
            return absent_answer(request, kwargs["slug"], route="publication-detail", meta=self.response_meta)
        meta = self.response_meta
        meta.note_last_modified(self.change_times(publication))
        meta.note_last_modified(item.published_at for item in related)
        meta.note_surrogate_keys(self.keys_of(publication))
        meta.note_surrogate_keys(f"publication-{item.pk}" for item in related)
        document = publication_detail(publication, urls=ApiUrls(request), related=related)
        return Response(only(document, self.chosen_fields()))


class CollectionViewSet(PublicationPagesMixin, PublicReadOnlyViewSet):
    """Topics, series and outlets: each with its count of published pieces and a list of them.

    Only those with at least one published piece exist here; the others are 404s, as drafts are.
    """

    model: type[Topic] | type[Series] | type[Outlet] = Topic
    publication_actions = ("publications",)
    # A collection's anonymous reads skip DRF's steps for other answers (cissapi.api.lean_dispatch).
    lean_actions = ("retrieve",)
    # The producer of the collection's documents, as serializer_class is their schema.
    collection_document: Callable[..., dict[str, Any]] = staticmethod(topic_document)

    def get_queryset(self) -> QuerySet:
        if self.action == "publications":
            return self.listed_publications()
        return self.count_publications(self.live_only(self.model.objects.all()))

    def get_serializer_class(self) -> type[BaseSerializer]:
        return PublicationListSerializer if self.action == "publications" else super().get_serializer_class()

    def produce(self, item: Any, urls: ApiUrls) -> Document:
        if self.action == "publications":
            return super().produce(item, urls)
        return self.collection_document(item, urls=urls)

    def live_only(self, collections: QuerySet) -> QuerySet:
        """`collections` that have a published piece: the others are not public."""
        return with_live_publications(collections)

    def count_publications(self, collections: QuerySet) -> QuerySet:
        """`collections` with `publication_count` and `last_published_at` of their published pieces."""
        return with_publication_counts(collections)

    def publications_of(self, slug: str) -> PublicationQuerySet:
        """The published pieces of the topic, series or outlet `slug`."""
        raise NotImplementedError

    @extend_schema(
        summary="Its published publications",
        parameters=[LIST_FIELDS_PARAMETER],
        responses=PublicationListSerializer(many=True),
    )
    @action(detail=True)
    @answer_from_cache
    def publications(self, request: Request, slug: str) -> Response:
        return self.collection_list_page(
            lambda: self.live_only(self.model.objects.filter(slug=slug)), self.publications_of(slug)
        )


class TopicViewSet(CollectionViewSet):
    """Topics with at least one published piece, with the number of them in each (others are 404s)."""

    model = Topic
    serializer_class = TopicSerializer
    collection_feed = "topic"

    def get_queryset(self) -> QuerySet:
        topics = super().get_queryset()
        # The document names the parent topic: loaded in the same query.
        return topics if self.action == "publications" else topics.select_related("parent")

    def publications_of(self, slug: str) -> PublicationQuerySet:
        return self.listed_publications().in_topics([slug])


class SeriesViewSet(CollectionViewSet):
    """Journals, series and newsletters with a published piece, with the number of them (others are 404s)."""

    model = Series
    serializer_class = SeriesSerializer
    collection_document = staticmethod(series_document)
    collection_feed = "series"

    def publications_of(self, slug: str) -> PublicationQuerySet:
        return self.listed_publications().in_series([slug])


class OutletViewSet(CollectionViewSet):
    """Outside outlets a published piece was cross-posted to, with the number of them (others are 404s)."""

    model = Outlet
    serializer_class = OutletSerializer
    collection_document = staticmethod(outlet_document)

    def publications_of(self, slug: str) -> PublicationQuerySet:
        return self.listed_publications().cross_posted_at([slug])
