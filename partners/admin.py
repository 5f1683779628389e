from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers

from partners.models import (
    ApiKey,
    ApiKeyUsage,
    Partner,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from partners.services import api_key_issue, api_key_revoke
from partners.tasks import queue_deliveries
from partners.webhooks import webhook_resend
from publications.models import Publication


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    # One tuple for both: every field shown is read-only.
    fields = readonly_fields = ("name", "prefix", "created_at", "expires_at", "revoked_at")
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
    fields = readonly_fields = ("day", "requests")
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
        # The clear key rides on the instance to response_add only: never into messages (a signed, not
        # encrypted, cookie), the session or the database.
        _, obj.issued_key = api_key_issue(
            partner=obj.partner, name=obj.name, expires_at=obj.expires_at, api_key=obj
        )

    def response_add(
        self, request: HttpRequest, obj: ApiKey, post_url_continue: str | None = None
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": "Copy the new API key now",
            "opts": self.opts,
            "api_key": obj,
            "key": obj.issued_key,
        }
        request.current_app = self.admin_site.name
        response = TemplateResponse(request, "admin/partners/apikey/key_issued.html", context)
        # Shown once: no browser or proxy may keep a copy of the page.
        add_never_cache_headers(response)
        return response

    # Revoking changes the key (Django offers an action without permissions to anyone who may view the list).
    @admin.action(description="Revoke the selected keys", permissions=["change"])
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


class WebhookSubscriptionForm(forms.ModelForm):
    events = forms.MultipleChoiceField(choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple)
    types = forms.MultipleChoiceField(
        choices=Publication.Type.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Only pieces of these types (none ticked: every type).",
    )

    class Meta:
        model = WebhookSubscription
        fields = ["partner", "url", "secret", "events", "topics", "types", "is_active"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ["url", "partner", "events", "is_active", "created_at"]
    list_filter = ["is_active", "partner"]
    list_select_related = ["partner"]
    autocomplete_fields = ["partner", "topics"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "event", "subscription", "status", "attempts", "last_status_code"]
    list_filter = ["status", "event", "subscription__partner"]
    list_select_related = ["subscription__partner"]
    search_fields = ["uuid", "subscription__url"]
    fields = readonly_fields = (
        "uuid",
        "subscription",
        "event",
        "status",
        "attempts",
        "last_attempt_at",
        "delivered_at",
        "last_status_code",
        "last_response",
        "body",
        "created_at",
    )
    actions = ["resend"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    # Sends requests to partners, so it is for those who may change deliveries, not everyone who sees them.
    @admin.action(description="Send the selected deliveries again", permissions=["change"])
    def resend(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        with transaction.atomic():
            queue_deliveries(webhook_resend(deliveries=queryset))
        self.message_user(request, f"Queued {queryset.count()} delivery(ies) again.", messages.SUCCESS)
