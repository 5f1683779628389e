"""Query parameters of publication lists. Each filter hands its work to a PublicationQuerySet method."""

from __future__ import annotations

import builtins
import copy
import datetime as dt
import functools
from collections import OrderedDict
from typing import Any
from urllib.parse import urlencode

import django_filters as filters
from django import forms
from django.db.models import QuerySet
from django.forms.utils import ErrorDict, ErrorList
from django.http import QueryDict
from django_filters.utils import translate_validation

from cissapi.api.filters import BoundedOrderingFilter, SlugsFilter
from publications.models import Publication
from publications.querysets import PublicationQuerySet

TOPIC_MATCHES = (("any", "any"), ("all", "all"))


class UtcDateTimeField(filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time, converted to UTC so any offset Python accepts is one Postgres accepts."""

    def to_python(self, value: str | dt.datetime | dt.date | None) -> dt.datetime | None:
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(dt.UTC)
        except OverflowError:
            # A valid date-time whose UTC instant falls outside Python's years 1-9999 (the first day of year 1
            # east of Greenwich, the last of 9999 west of it): it is before or after every piece, as the
            # bound itself is.
            return (
                dt.datetime.min.replace(tzinfo=dt.UTC)
                if moment.year == 1
                else dt.datetime.max.replace(tzinfo=dt.UTC)
            )


class UtcDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


class StableOrderingFilter(BoundedOrderingFilter):
    """Ordering by the client's choice, ties broken by id so pages never overlap."""

    def filter(self, qs: QuerySet, value: list[str] | None) -> QuerySet:
        if not value:
            return qs
        ordering = [self.get_ordering_value(param) for param in value]
        tiebreak = "-id" if ordering[-1].startswith("-") else "id"
        return qs.order_by(*ordering, tiebreak)


class PublicationFilterSet(filters.FilterSet):
    q = filters.CharFilter(
        method="filter_search",
        help_text='Full-text search, web syntax: "quoted phrase", -exclusion, or. Orders by relevance.',
    )
    author = SlugsFilter(method="filter_author", help_text="Author slug(s); co-authored pieces included.")
    topic = SlugsFilter(method="filter_topic", help_text="Topic slug(s); see topic_match.")
    topic_match = filters.ChoiceFilter(
        choices=TOPIC_MATCHES, method="filter_nothing", help_text="any (default) or all of the topics."
    )
    type = filters.ChoiceFilter(choices=Publication.Type.choices, method="filter_type")
    series = SlugsFilter(method="filter_series", help_text="Series slug(s).")
    outlet = SlugsFilter(method="filter_outlet", help_text="Outlet slug(s) the piece was cross-posted at.")
    language = filters.CharFilter(method="filter_language", help_text="Language code, e.g. en or ur.")
    published_after = UtcDateTimeFilter(field_name="published_at", lookup_expr="gte")
    published_before = UtcDateTimeFilter(field_name="published_at", lookup_expr="lte")
    updated_since = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    ordering = StableOrderingFilter(
        fields=(("published_at", "published"), ("updated_at", "updated"), ("title", "title")),
        help_text="published, updated or title; prefix - for descending. "
        "Default -published (relevance with q).",
    )

    class Meta:
        model = Publication
        fields: list[str] = []

    def __init__(
        self,
        data: QueryDict | None = None,
        queryset: QuerySet | None = None,
        *,
        request: Any = None,
        prefix: str | None = None,
    ) -> None:
        # Optimization: django-filter deep-copies every filter (choices, labels, help texts) for each filtered
        # list, a few hundred microseconds; a filter's settings are only read, so a shallow copy bound to this
        # FilterSet does as well. An empty instance attribute shadows base_filters while django-filter's
        # __init__ copies it.
        self.base_filters = OrderedDict()
        super().__init__(data, queryset, request=request, prefix=prefix)
        del self.base_filters
        model = Publication  # Meta.model: the stubs do not declare _meta
        # Optimization (issue 16): only the filters a request gives are copied, and only their fields cleaned
        # (a list's one or two of twelve); an absent filter leaves the queryset as it is, and its field,
        # required by none, finds no error.
        given = type(self).base_filters.keys() if data is None else data.keys()
        self.filters = OrderedDict(
            (name, _bound_copy(f, model, self))
            for name, f in type(self).base_filters.items()
            if name in given
        )

    # builtins.type: `type` is a filter of this class.
    def get_form_class(self) -> builtins.type[forms.Form]:
        # Optimization: django-filter builds the form's class anew for every filtered list (a field and a
        # label per filter, a third of the FilterSet's cost); none of these fields depends on the request.
        return _form_class(type(self), tuple(self.filters))

    def filter_search(self, queryset: PublicationQuerySet, name: str, value: str) -> PublicationQuerySet:
        return self.search_in(queryset, value)

    @staticmethod
    def search_in(queryset: PublicationQuerySet, value: str) -> PublicationQuerySet:
        """What `q` (cleaned) does to a list: a search for its text, when it has any."""
        return queryset.search(value) if value.strip() else queryset

    def filter_author(
        self, queryset: PublicationQuerySet, name: str, value: list[str]
    ) -> PublicationQuerySet:
        return queryset.by_author_slugs(value)

    def filter_topic(self, queryset: PublicationQuerySet, name: str, value: list[str]) -> PublicationQuerySet:
        match_all = self.form.cleaned_data.get("topic_match") == "all"
        return queryset.in_topics(value, match_all=match_all)

    def filter_series(
        self, queryset: PublicationQuerySet, name: str, value: list[str]
    ) -> PublicationQuerySet:
        return queryset.in_series(value)

    def filter_outlet(
        self, queryset: PublicationQuerySet, name: str, value: list[str]
    ) -> PublicationQuerySet:
        return queryset.cross_posted_at(value)

    def filter_type(self, queryset: PublicationQuerySet, name: str, value: str) -> PublicationQuerySet:
        return queryset.of_type(value)

    def filter_language(self, queryset: PublicationQuerySet, name: str, value: str) -> PublicationQuerySet:
        return queryset.in_language(value)

    def filter_nothing(self, queryset: PublicationQuerySet, name: str, value: str) -> PublicationQuerySet:
        # topic_match only changes how `topic` filters.
        return queryset


def _bound_copy(
    filter_: filters.Filter, model: builtins.type, filterset: PublicationFilterSet
) -> filters.Filter:
    """A copy of `filter_` for one FilterSet, as django-filter's own __init__ makes them (the model and the
    FilterSet set), its `method` bound to the copy rather than to the class's filter."""
    bound = copy.copy(filter_)
    # django-filter sets both on each FilterSet's filters; its stubs do not declare them.
    bound.model, bound.parent = model, filterset  # type: ignore[attr-defined]
    if bound.method is not None:
        bound.method = bound.method
    return bound


class _SharedFields(dict):
    """A form class's fields that each form of it shares rather than deep-copies."""

    def __deepcopy__(self, memo: dict) -> dict:
        return dict(self)


# Bounded: a request may give any of 2**12 sets of filters.
@functools.lru_cache(maxsize=256)
def _form_class(filterset_class: type[PublicationFilterSet], names: tuple[str, ...]) -> type[forms.Form]:
    """The form class django-filter makes for `filterset_class` with the filters `names`, made once, whose
    forms share its fields."""
    filterset = filterset_class(queryset=Publication.objects.none())
    filterset.filters = OrderedDict((name, filterset.filters[name]) for name in names)
    form_class = super(PublicationFilterSet, filterset).get_form_class()
    # Optimization: a Django form deep-copies its class's fields (their widgets, choices, validators and
    # messages), a third of a filtered list's validation. These fields are only read while a form cleans or
    # renders them (no form sets their choices or attributes per request): each form takes them as they are.
    form_class.base_fields = _SharedFields(form_class.base_fields)
    return form_class


def lone_search(query: QueryDict) -> str | None:
    """The text of `q`, cleaned as PublicationFilterSet cleans it, when it is the only filter `query` gives;
    None otherwise. An invalid `q` raises the FilterSet's own error (DjangoFilterBackend's 400).

    Optimization (issue 16): building a FilterSet and its form, validating and applying them for one text
    parameter was a tenth of a search's Python; a search with no other filter is filtered by
    PublicationFilterSet.search_in() alone.
    """
    if "q" not in query or not _OTHER_FILTERS.isdisjoint(query.keys()):
        return None
    # What the form's text input reads: the last value.
    return _cleaned_alone("q", query.get("q"))


def lone_topics(query: QueryDict) -> list[str] | None:
    """The slugs of `topic`, cleaned as PublicationFilterSet cleans them (its widget reads `?topic=a,b` and
    `?topic=a&topic=b`), when `topic` is the only filter `query` gives; None otherwise. Invalid slugs raise
    the FilterSet's own error (DjangoFilterBackend's 400).

    Optimization (issue 16, h22-list): as lone_search(); a FilterSet, its form and its validation were a
    third of a topic page's Python beyond a plain list page's.
    """
    if "topic" not in query or not _BESIDE_TOPICS.isdisjoint(query.keys()):
        return None
    widget = PublicationFilterSet.base_filters["topic"].field.widget
    return _cleaned_alone("topic", widget.value_from_datadict(query, {}, "topic")) or []


def _cleaned_alone(name: str, value: Any) -> Any:
    """`value` of the filter `name` cleaned by the field the FilterSet's form cleans it with (django-filter
    makes it once per filter); an invalid one raises the FilterSet's own error (DjangoFilterBackend's 400)."""
    try:
        return PublicationFilterSet.base_filters[name].field.clean(value)
    except forms.ValidationError as error:
        # django-filter's stubs type translate_validation as dict to dict; it takes a form's ErrorDict and
        # returns DRF's ValidationError, the one DjangoFilterBackend raises.
        errors = ErrorDict({name: ErrorList(error.error_list)})
        raise translate_validation(errors) from error  # type: ignore[misc, arg-type]  # see above


def edit_sensitive(query: QueryDict) -> bool:
    """Whether the rows or order of a list with `query` may change with any edit of a live piece, not only
    with one that moves it (publications.invalidation): a search (it matches the text), `updated_since` and
    ordering by update time or title."""
    orderings = {name.strip().lstrip("-") for name in query.get("ordering", "").split(",")}
    return bool(query.get("q", "").strip() or query.get("updated_since") or orderings & {"updated", "title"})


_OTHER_FILTERS = frozenset(PublicationFilterSet.base_filters) - {"q"}
_BESIDE_TOPICS = frozenset(PublicationFilterSet.base_filters) - {"topic"}

# What a feed may be filtered by: every filter of the list but `ordering`, as a feed is newest first.
FEED_FILTERS = frozenset(PublicationFilterSet.base_filters) - {"ordering"}


def feed_filter_query(query: QueryDict) -> str:
    """The feed filters given in `query`, as a canonical query string: sorted by name, empty values (which
    mean "not given") left out. A filtered feed's cache key and self link, and the list's link to it."""
    return urlencode(
        [
            (name, value)
            for name in sorted(FEED_FILTERS & query.keys())
            for value in query.getlist(name)
            if value
        ]
    )
