"""Pagination for every collection: page numbers for sites, a cursor for clients that walk everything.

Page-number mode: `?page=`, `?page_size=` (default 20, hard maximum 100), an envelope with `count`.
Cursor mode (`?mode=cursor`, then the `next` links carry `?cursor=`): no count and no offsets, so the
hundredth page is as cheap as the first.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, QuerySet, Window
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from cissapi.api.caching import cached_count
from cissapi.api.parameters import Parameter
from publications.querysets import PublicationQuerySet

PAGE_PARAM = "page"
PAGE_SIZE_PARAM = "page_size"
CURSOR_PARAM = "cursor"
MODE_PARAM = "mode"
MODES = ("page", "cursor")
NOT_FILTERS = {PAGE_PARAM, PAGE_SIZE_PARAM, CURSOR_PARAM, MODE_PARAM, "ordering", "fields", "format"}
# OFFSET is a bigint in Postgres; a page number beyond it is simply past the end.
MAX_OFFSET = 2**62


def _filter_params(request: Request) -> list[tuple[str, list[str]]]:
    """The query parameters that choose which rows a list has (not which page of them, nor their order)."""
    return [
        (name, request.query_params.getlist(name)) for name in request.query_params if name not in NOT_FILTERS
    ]


def _whole_number(request: Request, name: str, default: int, maximum: int | None = None) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    expected = f"a whole number from 1 to {maximum}" if maximum else "a whole number of 1 or more"
    # ASCII digits without leading zeros only: int() also reads `१`, `01` and ` 1`, other spellings of one
    # page that would each be a response of their own (and a cache entry).
    try:
        value = int(raw) if re.fullmatch(r"[1-9][0-9]*", raw) else 0
    except ValueError:  # more digits than int() converts
        value = 0
    if value < 1 or (maximum and value > maximum):
        raise ValidationError({name: f"Enter {expected}."})
    return value


class _Cursor(pagination.CursorPagination):
    page_size_query_param = None
    cursor_query_param = CURSOR_PARAM

    def get_ordering(self, request: Request, queryset: QuerySet, view: Any) -> tuple[str, ...]:
        # The FilterSet already ordered the queryset (ordering=...); walk it in that order.
        ordering = tuple(queryset.query.order_by) or tuple(queryset.model._meta.ordering)
        if not all(isinstance(field, str) for field in ordering):
            raise ValidationError(
                {MODE_PARAM: "Cursor mode is not available for this ordering (e.g. with q)."}
            )
        return ordering

    def decode_cursor(self, request: Request):
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None and "\x00" in cursor.position:
            raise NotFound(self.invalid_cursor_message)
        return cursor

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list:
        try:
            return super().paginate_queryset(queryset, request, view)
        except (DjangoValidationError, ValueError, TypeError) as exc:
            # A tampered cursor whose position does not fit the ordering field.
            raise NotFound(self.invalid_cursor_message) from exc


class ApiPagination(pagination.BasePagination):
    """Page numbers by default, cursor mode on request; one SQL query for the page and its count."""

    def query_parameters(self) -> dict[str, Parameter]:
        """The query parameters pagination reads."""
        numbers = {name: Parameter() for name in (PAGE_PARAM, PAGE_SIZE_PARAM, MODE_PARAM)}
        # A cursor is opaque: any text that is not one this API gave out is a 404 (never cached).
        return {**numbers, CURSOR_PARAM: Parameter(free_text=True)}

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list:
        self.request = request
        self.page_size = _whole_number(
            request, PAGE_SIZE_PARAM, settings.API_PAGE_SIZE, maximum=settings.API_MAX_PAGE_SIZE
        )
        mode = request.query_params.get(MODE_PARAM) or (
            "cursor" if request.query_params.get(CURSOR_PARAM) else "page"
        )
        if mode not in MODES:
            raise ValidationError({MODE_PARAM: f"Choose one of: {', '.join(MODES)}."})
        # Validated in cursor mode too, where it means nothing, so a mistaken request is not half-obeyed.
        self.page = _whole_number(request, PAGE_PARAM, 1)
        self.cursor_mode = mode == "cursor"
        if self.cursor_mode:
            self.cursor = _Cursor()
            self.cursor.page_size = self.page_size
            return self.cursor.paginate_queryset(queryset, request, view)
        return self._paginate_by_number(queryset, request)

    def _paginate_by_number(self, queryset: QuerySet, request: Request) -> list:
        offset = (self.page - 1) * self.page_size
        if offset > MAX_OFFSET:
            raise NotFound(f"Page {self.page} is past the last page.")
        if isinstance(queryset, PublicationQuerySet):
            rows = self._publication_page(queryset, request, offset)
        else:
            # Optimization: COUNT(*) OVER () gives the total with the page rows, saving a COUNT query; the
            # groups (authors, topics, ...) are a few thousand rows at most.
            rows = list(queryset.annotate(total_count=Window(Count("*")))[offset : offset + self.page_size])
            self.count = rows[0].total_count if rows else 0
        if not rows and self.page > 1:
            raise NotFound(f"Page {self.page} is past the last page.")
        return rows

    def _publication_page(self, queryset: PublicationQuerySet, request: Request, offset: int) -> list:
        # Optimization: COUNT(*) OVER () would read every match before the first row comes back (tens of
        # milliseconds at 100,000 pieces, a second for a common search word). The count is taken once per
        # filter and catalogue generation instead (cissapi.api.caching.cached_count); the page is sliced
        # by id first (PublicationQuerySet.page).
        filter_key = f"{request.path}?{urlencode(sorted(_filter_params(request)), doseq=True)}"
        self.count, window_end = cached_count(request, filter_key, queryset.page_summary)
        if offset >= self.count:
            return []
        return queryset.page(offset, self.page_size, window_end=window_end)

    def get_paginated_response(self, data: list) -> Response:
        if self.cursor_mode:
            return self.cursor.get_paginated_response(data)
        return Response(
            {
                "count": self.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_next_link(self) -> str | None:
        if self.page * self.page_size >= self.count:
            return None
        return replace_query_param(self.request.build_absolute_uri(), PAGE_PARAM, self.page + 1)

    def get_previous_link(self) -> str | None:
        if self.page == 1:
            return None
        url = self.request.build_absolute_uri()
        if self.page == 2:
            return remove_query_param(url, PAGE_PARAM)
        return replace_query_param(url, PAGE_PARAM, self.page - 1)

    def get_paginated_response_schema(self, schema: dict) -> dict:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "count": {"type": "integer", "description": "Absent in cursor mode.", "example": 123},
                "next": link,
                "previous": link,
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        def param(name: str, description: str, schema: dict) -> dict:
            return {
                "name": name,
                "required": False,
                "in": "query",
                "description": description,
                "schema": schema,
            }

        return [
            param(PAGE_PARAM, "Page number (page-number mode).", {"type": "integer", "minimum": 1}),
            param(
                PAGE_SIZE_PARAM,
                f"Results per page (default {settings.API_PAGE_SIZE}).",
                {"type": "integer", "minimum": 1, "maximum": settings.API_MAX_PAGE_SIZE},
            ),
            param(
                MODE_PARAM,
                "`cursor` to walk the whole collection by cursor.",
                {"type": "string", "enum": MODES},
            ),
            param(CURSOR_PARAM, "Opaque cursor from a `next` or `previous` link.", {"type": "string"}),
        ]
