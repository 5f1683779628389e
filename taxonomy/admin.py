from __future__ import annotations

from typing import Generic, TypeVar

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from taxonomy.models import Outlet, Series, Topic
from taxonomy.services import (
    outlet_delete,
    outlet_update,
    series_delete,
    series_update,
    topic_delete,
    topic_update,
)

ItemT = TypeVar("ItemT", Topic, Series, Outlet)


class TaxonomyAdmin(admin.ModelAdmin, Generic[ItemT]):
    """Saves and deletes through taxonomy.services (`update` and `delete`, given by each admin below), so
    the publications filed under an item hear of it."""

    def update(self, obj: ItemT) -> None:
        raise NotImplementedError

    def delete(self, obj: ItemT) -> None:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: ItemT, form, change: bool) -> None:
        self.update(obj)

    def delete_model(self, request: HttpRequest, obj: ItemT) -> None:
        self.delete(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ItemT]) -> None:
        for obj in queryset:
            self.delete(obj)


@admin.register(Topic)
class TopicAdmin(TaxonomyAdmin[Topic]):
    list_display = ["name", "slug", "parent", "updated_at"]
    list_select_related = ["parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]

    def update(self, obj: Topic) -> None:
        topic_update(topic=obj)

    def delete(self, obj: Topic) -> None:
        topic_delete(topic=obj)


@admin.register(Series)
class SeriesAdmin(TaxonomyAdmin[Series]):
    list_display = ["name", "kind", "issn", "slug"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "issn"]
    prepopulated_fields = {"slug": ["name"]}

    def update(self, obj: Series) -> None:
        series_update(series=obj)

    def delete(self, obj: Series) -> None:
        series_delete(series=obj)


@admin.register(Outlet)
class OutletAdmin(TaxonomyAdmin[Outlet]):
    list_display = ["name", "domain", "homepage"]
    search_fields = ["name", "domain", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def update(self, obj: Outlet) -> None:
        outlet_update(outlet=obj)

    def delete(self, obj: Outlet) -> None:
        outlet_delete(outlet=obj)
