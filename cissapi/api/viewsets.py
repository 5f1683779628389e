"""The base of every public v1 view: read-only, slug-addressed, cacheable, with sparse fields.

Like Wagtail's BaseAPIViewSet, it knows no app; concrete viewsets fill its override points:
`get_queryset()` and `get_serializer_class()` as in DRF, `change_times()` (what moves Last-Modified),
`keys_of()` (surrogate keys) and `matching_feeds()` (Link headers, cissapi.api.feed_links).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from django.db.models import QuerySet
from django.http import Http404
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from cissapi.api.feed_links import FeedLinksMixin
from cissapi.api.filters import filter_parameters
from cissapi.api.http_caching import ConditionalGetMixin, answer_from_cache
from cissapi.api.pagination import ApiPagination
from cissapi.api.parameters import Parameter
from cissapi.api.serializers import FIELDS_PARAM, SparseFieldsMixin


class PublicReadOnlyViewSet(FeedLinksMixin, ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    def perform_authentication(self, request: Request) -> None:
        # Optimization (issue 16): the API's authenticators read credentials from the Authorization header
        # alone (partners' keys; the API has no sessions: tests/api/test_anonymous_dispatch.py holds each
        # configured one to it), so without that header none applies and the request is anonymous, as DRF
        # concludes after asking each in turn (building request.headers on the way: ~20 microseconds).
        if "HTTP_AUTHORIZATION" not in request.META:
            # DRF's own conclusion when no authenticator applies (a method the stubs do not declare).
            request._not_authenticated()  # type: ignore[attr-defined]  # see the line above
            return
        super().perform_authentication(request)

    def query_parameters(self) -> dict[str, Parameter]:
        """Pagination's on lists (every action but retrieve), the FilterSet's, and `fields` where the
        serializer honours it."""
        accepted = super().query_parameters()
        if self.action != "retrieve" and self.paginator is not None:
            # DEFAULT_PAGINATION_CLASS, or a subclass a viewset names.
            accepted |= cast(ApiPagination, self.paginator).query_parameters()
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None:
            accepted |= filter_parameters(filterset_class)
        if issubclass(self.get_serializer_class(), SparseFieldsMixin):
            # Generators send an array as `fields=a&fields=b`; read as `fields=a,b`.
            accepted[FIELDS_PARAM] = Parameter(repeatable=True)
        return accepted

    def get_serializer(self, *args: Any, **kwargs: Any):
        # Serializers with SparseFieldsMixin honour ?fields=; the others ignore it.
        if issubclass(self.get_serializer_class(), SparseFieldsMixin):
            raw = ",".join(self.request.query_params.getlist(FIELDS_PARAM))
            fields = [name.strip() for name in raw.split(",") if name.strip()]
            if fields:
                kwargs["fields"] = fields
        return super().get_serializer(*args, **kwargs)

    def list_page(self, queryset: Any) -> Response:
        """Filter, paginate and serialize `queryset`, noting when what is shown last changed."""
        # Every list is paginated (DEFAULT_PAGINATION_CLASS), so there is always a page.
        page = cast(builtins.list[Any], self.paginate_queryset(self.filter_queryset(queryset)))
        meta = self.response_meta
        meta.note_last_modified(self.page_change_times(page))
        # The list as such (`publications`, `authors`, ...): what a new piece or author must purge.
        meta.note_surrogate_keys([str(queryset.model._meta.verbose_name_plural)])
        meta.note_surrogate_keys(self.page_keys(page))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def page_change_times(self, page: builtins.list[Any]) -> builtins.list[datetime | None]:
        """change_times() of every item of a list's `page`; a viewset may say it for a whole page at once."""
        return [moment for item in page for moment in self.change_times(item)]

    def page_keys(self, page: builtins.list[Any]) -> builtins.list[str]:
        """keys_of() every item of a list's `page`; a viewset may say it for a whole page at once."""
        return [key for item in page for key in self.keys_of(item)]

    def collection_list_page(self, collection: Callable[[], QuerySet], queryset: Any) -> Response:
        """list_page of what the collection `collection()` finds (an author, topic, ... by slug) has; a 404
        when there is no such collection.

        Optimization: the collection is looked up only when the page is empty, so a list costs no query for
        it (its pieces are filtered by the collection's slug), nor the building of its queryset.
        """
        response = self.list_page(queryset)
        if not response.data["results"] and not collection().exists():
            raise Http404
        return response

    @answer_from_cache
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list_page(self.get_queryset())

    @answer_from_cache
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        self.response_meta.note_last_modified(self.change_times(instance))
        self.response_meta.note_surrogate_keys(self.keys_of(instance))
        return Response(self.get_serializer(instance).data)

    def change_times(self, item: Any) -> builtins.list[datetime | None]:
        """When `item` last changed in a way its representation shows.

        An edit moves updated_at; a scheduled piece going live moves nothing but is news all the same, so
        a publication's published_at and a collection's newest published piece (last_published_at) count too.
        """
        return [getattr(item, name, None) for name in ("updated_at", "published_at", "last_published_at")]

    def keys_of(self, item: Any) -> builtins.list[str]:
        """Surrogate keys of `item` for a CDN: `publication-12`, `topic-3`. Viewsets add the keys of what
        else an item shows (a publication, its authors')."""
        return [f"{item._meta.model_name}-{item.pk}"]
