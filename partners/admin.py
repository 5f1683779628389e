from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet, Sum
from django.http import HttpRequest

from partners.models import ApiKey, ApiKeyUsage, Partner
from partners.services import api_key_issue, api_key_revoke


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    fields = ["name", "prefix", "created_at", "expires_at", "revoked_at"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        # Keys are issued from the API key page, where the clear key can be shown once.
        return False


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "throttle_rate", "created_at"]
    search_fields = ["name"]
    inlines = [ApiKeyInline]


class ApiKeyUsageInline(admin.TabularInline):
    model = ApiKeyUsage
    fields = ["day", "requests"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "partner", "created_at", "expires_at", "revoked_at", "requests_total"]
    list_filter = ["partner", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["partner"]
    search_fields = ["name", "prefix", "partner__name"]
    readonly_fields = ["prefix", "created_at", "revoked_at"]
    inlines = [ApiKeyUsageInline]
    actions = ["revoke"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiKey]:
        return super().get_queryset(request).annotate(requests_sum=Sum("usage__requests"))

    @admin.display(description="requests", ordering="requests_sum")
    def requests_total(self, obj: ApiKey) -> int:
        return obj.requests_sum or 0

    def get_readonly_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> list[str]:
        # A key belongs to its partner for life; issue a new one rather than moving it.
        return [*self.readonly_fields, "partner"] if obj else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: ApiKey, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        _, key = api_key_issue(partner=obj.partner, name=obj.name, expires_at=obj.expires_at, api_key=obj)
        messages.warning(
            request,
            f"The new key is {key} — copy it now and send it to the partner securely: "
            "it is stored only as a hash and will not be shown again.",
        )

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for api_key in queryset:
            api_key_revoke(api_key=api_key)
        self.message_user(request, f"Revoked {queryset.count()} key(s).", messages.SUCCESS)


@admin.register(ApiKeyUsage)
class ApiKeyUsageAdmin(admin.ModelAdmin):
    list_display = ["day", "api_key", "requests"]
    list_filter = ["day", "api_key__partner"]
    list_select_related = ["api_key__partner"]
    date_hierarchy = "day"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
