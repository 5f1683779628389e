"""Pagination for every list: page numbers for sites, a cursor for clients that walk everything.

Page-number mode: `?page=`, `?page_size=` (default 20, hard maximum 100), an envelope with `count`,
`count_is_exact` and, when the count is exact, `pages` (a page_rows() may count up to a bound only).
Cursor mode (`?mode=cursor`, then the `next` links carry `?cursor=`): no count and no offsets, so the
hundredth page is as cheap as the first.

Both modes also give their links as `Link` headers (RFC 8288): `next` and `prev`, and `first` and `last`
in page mode, where the count is known (`last` only when it is exact). They are noted on the view's
ResponseMeta, so they are kept with a cached body and joined with the feed alternates
(cissapi.api.feed_links) in one header.
"""

from __future__ import annotations

import re
from base64 import b64encode
from functools import cached_property
from math import ceil
from typing import Any, cast
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, QuerySet, Window
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from cissapi.api.parameters import Parameter


def whole_number(request: Request, name: str, default: int, maximum: int | None = None) -> int:
    """The query parameter `name` as a whole number (`default` when absent or empty); a 400 otherwise."""
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


class ParameterLinks:
    """A URL with one query parameter set to other values, or left out: what DRF's replace_query_param (and
    remove_query_param) make of it, its other parameters parsed and encoded (sorted by name, as those do)
    once for all of a page's links rather than for each."""

    def __init__(self, url: str, name: str) -> None:
        scheme, netloc, path, query, fragment = urlsplit(url)
        others = parse_qs(query, keep_blank_values=True)
        others.pop(name, None)
        ordered = sorted(others.items())
        self.name, self.parts = name, (scheme, netloc, path, fragment)
        # The parameter's place among the others, sorted by name.
        self.before = urlencode([item for item in ordered if item[0] < name], doseq=True)
        self.after = urlencode([item for item in ordered if item[0] > name], doseq=True)

    def url(self, value: object | None) -> str:
        """The URL with the parameter set to `value`, or without it for None."""
        own = urlencode({self.name: value}) if value is not None else ""
        scheme, netloc, path, fragment = self.parts
        query = "&".join(part for part in (self.before, own, self.after) if part)
        return urlunsplit((scheme, netloc, path, query, fragment))


def note_links(view: Any, targets: dict[str, str | None]) -> None:
    """Note `Link` targets by relation (None: no such page) on the view's response_meta, when it has one."""
    meta = getattr(view, "response_meta", None)
    if meta is not None:
        meta.links += [f'<{url}>; rel="{relation}"' for relation, url in targets.items() if url]


class ApiCursorPagination(pagination.CursorPagination):
    """Cursor mode: walks the queryset in the order its FilterSet gave it."""

    page_size_query_param = None
    cursor_query_param = "cursor"
    mode_query_param = "mode"

    def get_ordering(self, request: Request, queryset: QuerySet, view: Any) -> tuple[str, ...]:
        # The FilterSet already ordered the queryset (ordering=...); walk it in that order.
        ordering = tuple(queryset.query.order_by) or tuple(queryset.model._meta.ordering)
        names = tuple(field for field in ordering if isinstance(field, str))
        if len(names) != len(ordering):
            raise ValidationError(
                {self.mode_query_param: "Cursor mode is not available for this ordering (e.g. with q)."}
            )
        return names

    def encode_cursor(self, cursor: pagination.Cursor) -> str:
        # DRF's, its link made by ParameterLinks: the request's other parameters parsed and encoded once for
        # the next and previous links.
        tokens = {}
        if cursor.offset != 0:
            tokens["o"] = str(cursor.offset)
        if cursor.reverse:
            tokens["r"] = "1"
        if cursor.position is not None:
            # Text (DRF's str() of the ordering field); the stubs type it as a number.
            tokens["p"] = str(cursor.position)
        encoded = b64encode(urlencode(tokens, doseq=True).encode("ascii")).decode("ascii")
        return self.cursor_links.url(encoded)

    @cached_property
    def cursor_links(self) -> ParameterLinks:
        """The request's URL (DRF's base_url) with other cursors (a paginator serves one request)."""
        # Set by paginate_queryset() before any link is made; the stubs allow None.
        return ParameterLinks(cast(str, self.base_url), self.cursor_query_param)

    def decode_cursor(self, request: Request):
        cursor = super().decode_cursor(request)
        # A cursor's position is the text it carries; the stubs type it as a number.
        if cursor is not None and cursor.position is not None and "\x00" in cursor.position:  # type: ignore[operator]
            raise NotFound(self.invalid_cursor_message)
        return cursor

    def get_paginated_response(self, data: list) -> Response:
        # DRF's envelope, each link made once for it and the Link header both (each encodes a cursor and
        # rewrites the URL's query).
        next_link, previous_link = self.get_next_link(), self.get_previous_link()
        note_links(self.view, {"next": next_link, "prev": previous_link})
        return Response({"next": next_link, "previous": previous_link, "results": data})

    # Only querysets are paged here; the stubs' BasePagination also takes sequences.
    def paginate_queryset(  # type: ignore[override]
        self, queryset: QuerySet, request: Request, view: Any = None
    ) -> list[Any] | None:
        self.view = view
        try:
            return super().paginate_queryset(queryset, request, view)
        except (DjangoValidationError, ValueError, TypeError) as exc:
            # A tampered cursor whose position does not fit the ordering field.
            raise NotFound(self.invalid_cursor_message) from exc


class ApiPagination(pagination.BasePagination):
    """Page numbers by default, cursor mode on request; one SQL query for the page and its count.

    It knows query parameters and the envelope, never models. Override point: `page_rows()`, which fetches
    a page and its count (publications.api.pagination pages publications its own way).
    """

    page_query_param = "page"
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"
    mode_query_param = "mode"
    modes = ("page", "cursor")
    cursor_pagination_class = ApiCursorPagination
    # OFFSET is a bigint in Postgres; a page number beyond it is simply past the end.
    max_offset = 2**62

    def query_parameters(self) -> dict[str, Parameter]:
        """The query parameters pagination reads."""
        numbers = {
            name: Parameter()
            for name in (self.page_query_param, self.page_size_query_param, self.mode_query_param)
        }
        # A cursor is opaque: any text that is not one this API gave out is a 404 (never cached).
        return {**numbers, self.cursor_query_param: Parameter(free_text=True)}

    def get_page_size(self, request: Request) -> int:
        """`?page_size=`, settings.API_PAGE_SIZE by default, at most settings.API_MAX_PAGE_SIZE."""
        return whole_number(
            request, self.page_size_query_param, settings.API_PAGE_SIZE, maximum=settings.API_MAX_PAGE_SIZE
        )

    def get_mode(self, request: Request) -> str:
        """`?mode=`: cursor when given a cursor, page numbers otherwise."""
        mode = request.query_params.get(self.mode_query_param) or (
            "cursor" if request.query_params.get(self.cursor_query_param) else "page"
        )
        if mode not in self.modes:
            raise ValidationError({self.mode_query_param: f"Choose one of: {', '.join(self.modes)}."})
        return mode

    # Only querysets are paged here; the stubs' BasePagination also takes sequences.
    def paginate_queryset(  # type: ignore[override]
        self, queryset: QuerySet, request: Request, view: Any = None
    ) -> list[Any] | None:
        self.request = request
        self.view = view
        self.page_size = self.get_page_size(request)
        mode = self.get_mode(request)
        # Validated in cursor mode too, where it means nothing, so a mistaken request is not half-obeyed.
        self.page = whole_number(request, self.page_query_param, 1)
        self.cursor_mode = mode == "cursor"
        if self.cursor_mode:
            self.cursor = self.cursor_pagination_class()
            self.cursor.page_size = self.page_size
            self.cursor.cursor_query_param = self.cursor_query_param
            self.cursor.mode_query_param = self.mode_query_param
            return self.cursor.paginate_queryset(queryset, request, view)
        offset = (self.page - 1) * self.page_size
        self.count_is_exact = True
        if offset > self.max_offset:
            raise NotFound(f"Page {self.page} is past the last page.")
        rows = self.page_rows(queryset, offset)
        if not rows and self.page > 1:
            raise NotFound(f"Page {self.page} is past the last page.")
        self.page_is_full = len(rows) == self.page_size
        return rows

    def page_rows(self, queryset: QuerySet, offset: int) -> list:
        """The `self.page_size` rows of `queryset` from `offset`; sets `self.count`, the number of all (or a
        lower bound, with `self.count_is_exact` False)."""
        # Optimization: COUNT(*) OVER () gives the total with the page rows, saving a COUNT query; the
        # collections (authors, topics, ...) are a few thousand rows at most.
        rows = list(queryset.annotate(total_count=Window(Count("*")))[offset : offset + self.page_size])
        self.count = rows[0].total_count if rows else 0
        return rows

    def page_count(self) -> int:
        """How many pages the list has: at least one, as page 1 of an empty list is an empty page."""
        return max(1, ceil(self.count / self.page_size))

    def get_paginated_response(self, data: list) -> Response:
        if self.cursor_mode:
            return self.cursor.get_paginated_response(data)
        next_link, previous_link = self.get_next_link(), self.get_previous_link()
        note_links(
            self.view,
            {
                "first": self.page_link(1),
                "prev": previous_link,
                "next": next_link,
                "last": self.page_link(self.page_count()) if self.count_is_exact else None,
            },
        )
        envelope: dict[str, Any] = {"count": self.count, "count_is_exact": self.count_is_exact}
        if self.count_is_exact:
            envelope["pages"] = self.page_count()
        return Response({**envelope, "next": next_link, "previous": previous_link, "results": data})

    @cached_property
    def page_links(self) -> ParameterLinks:
        """The request's URL with other page numbers, made once for a page's links (a paginator serves one
        request)."""
        return ParameterLinks(self.request.build_absolute_uri(), self.page_query_param)

    def page_link(self, number: int) -> str:
        """The absolute URL of page `number` of this list (page 1 without a `page` parameter)."""
        return self.page_links.url(number if number != 1 else None)

    def get_next_link(self) -> str | None:
        # Past a bounded count, a full page may have a next one.
        if self.page * self.page_size >= self.count and (self.count_is_exact or not self.page_is_full):
            return None
        return self.page_link(self.page + 1)

    def get_previous_link(self) -> str | None:
        if self.page == 1:
            return None
        return self.page_link(self.page - 1)

    def get_paginated_response_schema(self, schema: dict) -> dict:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "description": "How many results there are, or a lower bound when count_is_exact "
                    "is false (publication lists count up to API_EXACT_COUNT_LIMIT, 10,000 by default). "
                    "Absent in cursor mode.",
                    "example": 123,
                },
                "count_is_exact": {
                    "type": "boolean",
                    "description": "Whether count is all the results (false: there are more than count). "
                    "Absent in cursor mode.",
                    "example": True,
                },
                "pages": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "How many pages there are at this page_size. Absent in cursor mode and "
                    "when count_is_exact is false.",
                    "example": 7,
                },
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
            param(
                self.page_query_param, "Page number (page-number mode).", {"type": "integer", "minimum": 1}
            ),
            param(
                self.page_size_query_param,
                f"Results per page (default {settings.API_PAGE_SIZE}).",
                {"type": "integer", "minimum": 1, "maximum": settings.API_MAX_PAGE_SIZE},
            ),
            param(
                self.mode_query_param,
                "`cursor` to walk the whole collection by cursor.",
                {"type": "string", "enum": self.modes},
            ),
            param(
                self.cursor_query_param, "Opaque cursor from a `next` or `previous` link.", {"type": "string"}
            ),
        ]
