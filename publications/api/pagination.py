"""How publication lists page: a bounded count kept per filter, pages sliced by id first, searches ranked in a
window.

The shared ApiPagination counts with COUNT(*) OVER (), which would read every match before the first row
comes back (tens of milliseconds at 100,000 pieces, a second for a common search word). Here the count is
exact up to settings.API_EXACT_COUNT_LIMIT and stops there (`count_is_exact: false`, as search engines say
"more than 10,000 results"): counts maintained on write would need a counter per filter combination and
search word, which cannot be kept; a bound costs at most its rows, cached or not.
"""

from __future__ import annotations

import math
import struct
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, cast
from urllib.parse import urlencode

from django.conf import settings
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor
from rest_framework.request import Request

from cissapi.api.generation import Generation, entry_key
from cissapi.api.http_caching import ResponseMeta, cached_value
from cissapi.api.kept_values import kept_values
from cissapi.api.pagination import ApiCursorPagination, ApiPagination
from cissapi.prepared import server_binding
from publications.api.filters import edit_sensitive
from publications.invalidation import EDITS_KEY, LIST_KEY
from publications.querysets import PageSummary, PublicationQuerySet, public_ordering


def summary_size(summary: PageSummary) -> int:
    """About how many bytes a kept summary takes: a search's ranked ids are most of it."""
    window = summary[2]
    return 200 + 40 * len(window.ranked_ids or ()) if window is not None else 200


def kept_summary(
    queryset: PublicationQuerySet,
    name: str,
    *,
    surrogate_keys: list[str],
    meta: ResponseMeta | None = None,
) -> PageSummary:
    """The page_summary() of `queryset`, the list `name` tells apart (an API list's filter_key(), the site's
    search), kept until a change of what `surrogate_keys` name (or, with API_CACHE_COUNTS off, taken now).
    `meta`: the response's, whose catalogue generation is read with it (and noted there).

    "summary": the count and, for a search, its ranked window's ids (a search's page is then a slice of
    them, like a list page's; kept and dropped with the count, as the count depends on the same rows). Named
    apart from the entries that held a count only. Optimization (issue 16): kept in the shared cache for the
    generation, and in this process too, read from the shared cache only when the change listener heard a
    change of what it counts (cissapi.api.kept_values).
    """
    limit = settings.API_EXACT_COUNT_LIMIT
    if not settings.API_CACHE_COUNTS:
        return PublicationPagination.summary(queryset, limit, keep_ranking=False)
    key = entry_key("summary", f"{limit}:{name}")

    def shared() -> tuple[Generation, PageSummary]:
        generation, value = cached_value(
            key,
            lambda: PublicationPagination.summary(queryset, limit),
            surrogate_keys=surrogate_keys,
            known=meta.generation if meta is not None else None,
        )
        if meta is not None:
            meta.generation = generation
        return generation, value

    return kept_values.get(key, shared, surrogate_keys=surrogate_keys, size=summary_size)


class RelevancePosition(NamedTuple):
    """Where a cursor over a search's relevance order stands: the end of the ranked window its walk began
    with (SearchWindow.end; None when every match was ranked) and the (rank, published_at, id) of the row
    it follows (None on the first page). As text: `end~rank~microseconds~id`, the end as `microseconds.id`
    or empty."""

    end: tuple[datetime, int] | None
    row: tuple[float, datetime, int] | None

    @classmethod
    def parse(cls, text: str, invalid: str) -> RelevancePosition:
        """The position a cursor's text says; NotFound(`invalid`) for anything this API did not write."""
        try:
            end, score, moment, pk = text.split("~")
            window_end = None
            if end:
                end_moment, end_pk = end.split(".")
                window_end = (_moment(end_moment), _whole(end_pk))
            rank = float(score)
            # A rank is a Postgres `real`: one it cannot hold (overflow, or underflow to zero) is no rank
            # this API wrote, and would fail the statement that compares it.
            as_real = struct.unpack("f", struct.pack("f", rank))[0]
            if not math.isfinite(as_real) or (as_real == 0 and rank != 0):
                raise ValueError(score)
            return cls(window_end, (rank, _moment(moment), _whole(pk)))
        except (ValueError, OverflowError) as error:
            raise NotFound(invalid) from error

    def of(self, row: Any) -> str:
        """The text of the position at `row` (a walked row, with its rank) in this walk, or of this one."""
        end = f"{_microseconds(self.end[0])}.{self.end[1]}" if self.end is not None else ""
        # Without a row (an empty page walking back), the position the cursor read.
        at = (row.rank, row.published_at, row.pk) if row is not None else cast(tuple, self.row)
        return f"{end}~{at[0]!r}~{_microseconds(at[1])}~{at[2]}"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _microseconds(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _moment(text: str) -> datetime:
    return _EPOCH + timedelta(microseconds=_whole(text, signed=True))


def _whole(text: str, *, signed: bool = False) -> int:
    """A whole number written as this API writes one (no sign, spaces or underscores int() would take)."""
    digits = text[1:] if signed and text.startswith("-") else text
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(text)
    return int(text)


class PublicationCursorPagination(ApiCursorPagination):
    """Cursor mode over a PublicationQuerySet, its page's statement prepared (see PublicationPagination)."""

    # Set when walking a search by relevance: the window's end and the position of the cursor read.
    relevance: RelevancePosition | None = None

    # Only querysets are paged here; the stubs' BasePagination also takes sequences.
    def paginate_queryset(  # type: ignore[override]
        self, queryset: PublicationQuerySet, request: Request, view: Any = None
    ) -> list[Any] | None:
        with server_binding(queryset.db):
            if queryset.orders_by_relevance():
                return self.walk_by_relevance(queryset, request, view)
            return super().paginate_queryset(queryset, request, view)

    def walk_by_relevance(self, queryset: PublicationQuerySet, request: Request, view: Any) -> list[Any]:
        """A page of a search in its relevance order (PublicationQuerySet.relevance_walk): the cursor's
        position is the whole row's place in that order and where the ranked window ends, so every page
        ranks at most the window, and pieces published during the walk neither repeat nor skip others."""
        self.view, self.request = view, request
        self.base_url = request.build_absolute_uri()
        self.cursor = self.decode_cursor(request)
        current = self.cursor.position if self.cursor is not None else None
        reverse = self.cursor is not None and self.cursor.reverse
        if current is None:
            if reverse:
                raise NotFound(self.invalid_cursor_message)
            position = RelevancePosition(queryset.search_window_end(), None)
        else:
            # A cursor's position is the text it carries; the stubs type it as a number.
            position = RelevancePosition.parse(cast(str, current), self.invalid_cursor_message)
        self.relevance = position
        # Set by ApiPagination before it hands the request over; the stubs allow None.
        size = cast(int, self.page_size)
        rows = queryset.relevance_walk(end=position.end, after=position.row, reverse=reverse, limit=size + 1)
        self.page = rows[:size]
        more = len(rows) > len(self.page)
        if reverse:
            self.page.reverse()
            self.has_next, self.has_previous = True, more
        else:
            self.has_next, self.has_previous = more, position.row is not None
        return self.page

    def get_next_link(self) -> str | None:
        if self.relevance is None:
            return super().get_next_link()
        if not self.has_next:
            return None
        position = self.relevance.of(self.page[-1] if self.page else None)
        # The position is text (DRF's str() of an ordering field's value); the stubs type it as a number.
        return self.encode_cursor(Cursor(0, False, cast(Any, position)))

    def get_previous_link(self) -> str | None:
        if self.relevance is None:
            return super().get_previous_link()
        if not self.has_previous:
            return None
        position = self.relevance.of(self.page[0] if self.page else None)
        # As in get_next_link().
        return self.encode_cursor(Cursor(0, True, cast(Any, position)))

    # This paginator pages publications only; the base takes any queryset.
    def get_ordering(  # type: ignore[override]
        self, request: Request, queryset: PublicationQuerySet, view: Any
    ) -> tuple[str, ...]:
        # Optimization (issue 16): a lazy list tells its order without building its query, which the base's
        # reading of `queryset.query` would (a tenth of a millisecond; the page's statement is compiled).
        # A list walked by a link's copy of the date is ordered by it (PublicationQuerySet.order_by()); the
        # cursor's position is the piece's date all the same.
        return queryset.known_ordering() or public_ordering(super().get_ordering(request, queryset, view))


class PublicationPagination(ApiPagination):
    """Page numbers and cursors as every list has them, over a PublicationQuerySet.

    Optimization: a list's statements (its page, its count, a search's ranked window) are bound on the server
    (cissapi.prepared), so psycopg prepares them and Postgres plans each shape once per connection: planning
    them cost 1-2 ms a request, as much as running them. published() spells the status in the statement
    so that the generic plan still reads the live pieces' partial index.
    """

    cursor_pagination_class = PublicationCursorPagination

    # Parameters that choose the list's order or shape, not which rows it has (nor do pagination's own).
    not_filters = frozenset({"ordering", "fields", "format"})

    def filter_key(self) -> str:
        """The list's path and the parameters that choose its rows, sorted: one count per distinct set."""
        params = self.request.query_params
        skipped = self.not_filters | self.query_parameters().keys()
        filters = [(name, params.getlist(name)) for name in params if name not in skipped]
        return f"{self.request.path}?{urlencode(sorted(filters), doseq=True)}"

    # Set by page_rows() for a search: how many of its matches page numbers reach.
    search_bound: int | None = None

    # This paginator pages publications only (PublicationPagesMixin); the base takes any queryset.
    def page_rows(self, queryset: PublicationQuerySet, offset: int) -> list:  # type: ignore[override]
        # Optimization: the count is taken once per filter and catalogue generation (the view's
        # cached_value, when settings.API_CACHE_COUNTS is on); the page is sliced by id first
        # (PublicationQuerySet.page).
        limit = settings.API_EXACT_COUNT_LIMIT
        if queryset.searches():
            # A search's numbered pages reach as far as its count does, as search engines' do: past the
            # ranked window, each page checks every match before it against the words (a common word's page
            # 4,000 read 80,000 stored vectors: 0.8 s at 100,000 pieces, past the statement timeout at 1M).
            # Cursor mode walks on from any depth at the cost of a page. A page past them is a 404, as a page
            # past a list's last is (the schema lets `page` be any number: a 400 would refuse what it allows).
            self.search_bound = limit
            if offset >= limit:
                last = -(-limit // self.page_size)
                raise NotFound(
                    f"Invalid page: a search's pages reach its first {limit:,} matches (page {last:,} at "
                    f"page_size {self.page_size}); walk further with mode=cursor."
                )
        if settings.API_CACHE_COUNTS:
            # A count changes as pieces enter or leave lists (and a search's with any edit).
            keys = [LIST_KEY, *([EDITS_KEY] if edit_sensitive(self.request.query_params) else [])]
            summary = kept_summary(
                queryset, self.filter_key(), surrogate_keys=keys, meta=self.view.response_meta
            )
        else:
            # Optimization (issue 16): counted in the page's own statement, one round trip for both (a search
            # counts first: its page needs the ranked window found with its count).
            with server_binding(queryset.db):
                counted_page = queryset.counted_page(offset, self.page_size, bound=limit + 1)
            if counted_page is not None:
                rows, counted = counted_page
                if counted is not None:
                    self.count, self.count_is_exact = min(counted, limit), counted <= limit
                elif not rows:
                    # No row from the first is an empty list (and past the end, a 404).
                    self.count, self.count_is_exact = 0, True
                else:
                    # Rows read without their count (the list's statement could not take it): counted now.
                    self.count, self.count_is_exact, _ = self.summary(queryset, limit, keep_ranking=False)
                return rows
            summary = self.summary(queryset, limit, keep_ranking=False)
        self.count, self.count_is_exact, window = summary
        if self.count_is_exact and offset >= self.count:
            return []
        with server_binding(queryset.db):
            return queryset.page(offset, self.page_size, window=window)

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["description"] = (
                    "Page number (page-number mode). With `q`, pages reach the first "
                    f"{settings.API_EXACT_COUNT_LIMIT:,} matches (a 404 past them); cursor mode walks on."
                )
        return parameters

    def get_next_link(self) -> str | None:
        # The last page a search's page numbers reach has none after it (its count says there are more).
        if self.search_bound is not None and self.page * self.page_size >= self.search_bound:
            return None
        return super().get_next_link()

    @staticmethod
    def summary(queryset: PublicationQuerySet, limit: int, *, keep_ranking: bool = True) -> PageSummary:
        """The list's page_summary(), its statements prepared as the page's are."""
        with server_binding(queryset.db):
            return queryset.page_summary(limit=limit, keep_ranking=keep_ranking)
