"""How publication lists page: a bounded count kept per filter, pages sliced by id first, searches ranked in a
window.

The shared ApiPagination counts with COUNT(*) OVER (), which would read every match before the first row
comes back (tens of milliseconds at 100,000 pieces, a second for a common search word). Here the count is
exact up to settings.API_EXACT_COUNT_LIMIT and stops there (`count_is_exact: false`, as search engines say
"more than 10,000 results"): counts maintained on write would need a counter per filter combination and
search word, which cannot be kept; a bound costs at most its rows, cached or not.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings

from cissapi.api.generation import entry_key
from cissapi.api.pagination import ApiPagination
from cissapi.prepared_statements import server_bound
from publications.api.filters import edit_sensitive
from publications.invalidation import EDITS_KEY
from publications.querysets import PublicationQuerySet


class PublicationPagination(ApiPagination):
    """Page numbers and cursors as every list has them, over a PublicationQuerySet."""

    # Parameters that choose the list's order or shape, not which rows it has (nor do pagination's own).
    not_filters = frozenset({"ordering", "fields", "format"})

    def filter_key(self) -> str:
        """The list's path and the parameters that choose its rows, sorted: one count per distinct set."""
        params = self.request.query_params
        skipped = self.not_filters | self.query_parameters().keys()
        filters = [(name, params.getlist(name)) for name in params if name not in skipped]
        return f"{self.request.path}?{urlencode(sorted(filters), doseq=True)}"

    # This paginator pages publications only (PublicationPagesMixin); the base takes any queryset.
    def page_rows(self, queryset: PublicationQuerySet, offset: int) -> list:  # type: ignore[override]
        # Optimization: the count is taken once per filter and catalogue generation (the view's
        # cached_value, when settings.API_CACHE_COUNTS is on); the page is sliced by id first
        # (PublicationQuerySet.page).
        limit = settings.API_EXACT_COUNT_LIMIT
        if settings.API_CACHE_COUNTS:
            key = entry_key("count", f"{limit}:{self.filter_key()}")
            # A count changes as pieces enter or leave lists (and a search's with any edit).
            keys = ["publications", *([EDITS_KEY] if edit_sensitive(self.request.query_params) else [])]
            summary = self.view.cached_value(
                key, lambda: queryset.page_summary(limit=limit), surrogate_keys=keys
            )
        else:
            summary = queryset.page_summary(limit=limit)
        self.count, self.count_is_exact, window_end = summary
        if self.count_is_exact and offset >= self.count:
            return []
        # Optimization: the page's statement is prepared on each connection (cissapi.prepared_statements).
        with server_bound(queryset.db):
            return queryset.page(offset, self.page_size, window_end=window_end)
