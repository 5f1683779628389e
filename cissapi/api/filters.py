"""The filter backend of every filtered collection (django-filter, skipped when nothing filters) and the
multi-valued filters every FilterSet shares, with their bounds."""

from __future__ import annotations

import functools
import re
from typing import Any

import django_filters as filters
from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.widgets import CSVWidget
from drf_spectacular.utils import extend_schema_field
from rest_framework.request import Request

from cissapi.api.parameters import Parameter

SLUG_CHARACTERS = r"[-a-zA-Z0-9_]+"


class RepeatableCSVWidget(CSVWidget):
    """Reads `?author=a,b` and also `?author=a&author=b`, as clients build both."""

    # django-filter's CSVWidget returns None for an absent parameter; the stubs say a list.
    def value_from_datadict(self, data, files, name: str) -> list[str] | None:  # type: ignore[override]
        values = data.getlist(name) if hasattr(data, "getlist") else []
        if len(values) > 1:
            return [slug for value in values for slug in value.split(",")]
        return super().value_from_datadict(data, files, name)


def check_value_count(values: list[str] | None) -> None:
    """Refuse more values than settings.API_MAX_FILTER_VALUES, or an empty one (`?ordering=,`)."""
    if not values:
        return
    if len(values) > settings.API_MAX_FILTER_VALUES:
        # Each value costs the query planner work (a topic match, a sort key): the bound keeps a request's
        # planning time small whatever a client sends.
        raise forms.ValidationError(f"Give at most {settings.API_MAX_FILTER_VALUES} values.")
    if any(not value.strip() for value in values):
        raise forms.ValidationError("Separate values by single commas, with none empty.")


class SlugsField(filters.fields.BaseCSVField, forms.CharField):
    def clean(self, value: list[str] | None) -> list[str] | None:
        check_value_count(value)
        slugs = super().clean(value)
        if slugs and any(not re.fullmatch(SLUG_CHARACTERS, slug) for slug in slugs):
            raise forms.ValidationError("Enter slugs (letters, digits, hyphens, underscores).")
        return slugs


@extend_schema_field({"type": "string", "pattern": f"^{SLUG_CHARACTERS}$"})
class SlugsFilter(filters.BaseCSVFilter, filters.CharFilter):
    """Several slugs: `?author=a,b` or `?author=a&author=b`, at most settings.API_MAX_FILTER_VALUES."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("help_text", "One or more slugs, separated by commas.")
        kwargs.setdefault("widget", RepeatableCSVWidget)
        super().__init__(*args, **kwargs)
        self.field_class = SlugsField


class BoundedOrderingField(filters.fields.BaseCSVField, filters.fields.ChoiceField):
    def clean(self, value: list[str] | None) -> list[str] | None:
        check_value_count(value)
        return super().clean(value)


class BoundedOrderingFilter(filters.OrderingFilter):
    """django-filter's ordering (`?ordering=title,-published`, or repeated as generators send an array:
    `?ordering=title&ordering=-published`), with a bounded number of keys, none empty."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", RepeatableCSVWidget)
        super().__init__(*args, **kwargs)
        self.field_class = BoundedOrderingField


def filter_parameters(filterset_class: type[filters.FilterSet]) -> dict[str, Parameter]:
    """The query parameters of a FilterSet: slug lists may repeat, plain text filters take any text."""
    # A copy of what is worked out once per FilterSet (every list request asks): a caller may add its own.
    return dict(_filter_parameters(filterset_class))


@functools.cache
def _filter_parameters(filterset_class: type[filters.FilterSet]) -> dict[str, Parameter]:
    accepted = {}
    for name, filter_ in filterset_class.base_filters.items():
        widget = filter_.extra.get("widget")
        accepted[name] = Parameter(
            repeatable=isinstance(widget, type) and issubclass(widget, RepeatableCSVWidget),
            free_text=isinstance(filter_, filters.CharFilter)
            and not isinstance(filter_, filters.BaseCSVFilter),
        )
    return accepted


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, but a request without any of the FilterSet's parameters costs nothing.

    Optimization: building and validating the filter form (a deep copy of every filter's form field) is a
    few milliseconds of a list request, and with no filtering parameter every filter leaves the queryset
    as it is; most requests (the first page, cursor pages, an author's pieces) have none.
    """

    # DRF hands backends its Request; the django-filter stubs say a Django HttpRequest.
    def filter_queryset(  # type: ignore[override]
        self, request: Request, queryset: QuerySet, view: Any
    ) -> QuerySet:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and filterset_class.base_filters.keys().isdisjoint(
            request.query_params
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)
