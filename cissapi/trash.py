"""The admin's trash, shared by publications and authors (knowing neither): a delete moves a row to the trash
(`trashed_at`), the "Trash" filter lists what is there, and from it rows are restored or, by publishers
only, deleted for good after a confirmation.

A model admin mixes in TrashAdminMixin and fills its override points with its app's services:
`trash_one()`, `restore_one()` and `delete_for_good()`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Model, ProtectedError, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

# Declared in Publication.Meta.permissions: one trash for the catalogue, emptied by publishers.
EMPTY_TRASH_PERMISSION = "publications.empty_trash"
TRASH_PARAMETER = "trash"


class TrashFilter(admin.SimpleListFilter):
    """Lists hide the trash; "Trash" shows only what is in it."""

    title = "trash"
    parameter_name = TRASH_PARAMETER

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("1", "Trash")]

    def choices(self, changelist: Any) -> Any:
        for choice in super().choices(changelist):
            if choice["display"] == "All":
                choice["display"] = "Not in the trash"
            yield choice

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(trashed_at__isnull=self.value() != "1")


def in_trash_view(request: HttpRequest) -> bool:
    """Whether the request is the changelist's Trash view (or an action posted from it)."""
    return request.GET.get(TRASH_PARAMETER) == "1"


if TYPE_CHECKING:
    # What the mixin is mixed into: the ModelAdmin whose actions, messages and site it uses.
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = object


class TrashAdminMixin(_ModelAdmin):
    """Delete moves to the trash; Restore and Delete for good are the Trash view's actions."""

    def trash_one(self, request: HttpRequest, obj: Any) -> None:
        """Move `obj` to the trash (the app's service, with `request.user` as `by`)."""
        raise NotImplementedError

    def restore_one(self, request: HttpRequest, obj: Any) -> None:
        """Take `obj` out of the trash."""
        raise NotImplementedError

    def delete_for_good(self, request: HttpRequest, obj: Any) -> None:
        """Delete `obj` permanently."""
        raise NotImplementedError

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        self.trash_one(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            self.trash_one(request, obj)

    def has_empty_trash_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(EMPTY_TRASH_PERMISSION)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Each action is a (function, name, description); the stubs allow None, which Django never stores.
        actions: dict[str, Any] = super().get_actions(request)
        if in_trash_view(request):
            # In the trash only its own actions apply: nothing there is published or trashed again.
            return {name: action for name, action in actions.items() if name in ("restore", "empty_trash")}
        actions.pop("restore", None)
        actions.pop("empty_trash", None)
        if "delete_selected" in actions:
            function, name, _ = actions["delete_selected"]
            actions["delete_selected"] = (
                function,
                name,
                "Move selected %(verbose_name_plural)s to the trash",
            )
        return actions

    @admin.action(description="Restore selected from the trash", permissions=["delete"])
    def restore(self, request: HttpRequest, queryset: QuerySet) -> None:
        done = 0
        for obj in queryset.filter(trashed_at__isnull=False):
            try:
                self.restore_one(request, obj)
                done += 1
            except PermissionDenied as error:
                self.message_user(request, f"{obj}: {error}", messages.ERROR)
        self.message_user(request, f"Restored {done} from the trash.", messages.SUCCESS)

    @admin.action(
        description="Delete selected for good (empty them from the trash)", permissions=["empty_trash"]
    )
    def empty_trash(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        trashed = queryset.filter(trashed_at__isnull=False)
        if request.POST.get("post") != "yes":
            opts = self.opts
            context = {
                **self.admin_site.each_context(request),
                "title": f"Delete these {opts.verbose_name_plural} for good?",
                "opts": opts,
                "queryset": trashed,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/empty_trash_confirmation.html", context)
        done = 0
        for obj in trashed:
            try:
                self.delete_for_good(request, obj)
                done += 1
            except ProtectedError:
                self.message_user(
                    request, f"{obj} is still on a byline and was kept in the trash.", messages.ERROR
                )
        self.message_user(request, f"Deleted {done} for good.", messages.SUCCESS)
        return None
