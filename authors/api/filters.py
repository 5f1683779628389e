"""Query parameters of the author list."""

from __future__ import annotations

import django_filters as filters

from authors.models import Author
from authors.querysets import AuthorQuerySet


class AuthorFilterSet(filters.FilterSet):
    q = filters.CharFilter(
        method="filter_search", help_text="Name search, tolerant of typos and accents. Orders by closeness."
    )
    kind = filters.ChoiceFilter(choices=Author.Kind.choices)
    affiliation = filters.ChoiceFilter(choices=Author.Affiliation.choices)

    class Meta:
        model = Author
        fields: list[str] = []

    def filter_search(self, queryset: AuthorQuerySet, name: str, value: str) -> AuthorQuerySet:
        return queryset.search_names(value) if value.strip() else queryset
