"""Syndication partners: their API keys (stored hashed), daily usage, and webhook subscriptions."""

from __future__ import annotations

import secrets
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models

from cissapi.api.throttling import parse_rate
from partners.targets import UnsafeTarget, parse_target, resolve_public
from publications.models import Publication


def validate_rate(value: str) -> None:
    """A DRF throttle rate such as "6000/hour"."""
    try:
        num, period = value.split("/")
        if int(num) < 1 or period[0] not in "smhd":
            raise ValueError
        parse_rate(value)
    except (ValueError, IndexError, KeyError) as error:
        raise ValidationError('Give a rate such as "6000/hour" (per second, minute, hour or day).') from error


def default_throttle_rate() -> str:
    return settings.PARTNER_DEFAULT_THROTTLE_RATE


class Partner(models.Model):
    """An organisation that pulls our content (an aggregator, a news app, a policy index)."""

    name = models.CharField(max_length=160, unique=True)
    contact_email = models.EmailField(blank=True, help_text="Private: for editors only.")
    throttle_rate = models.CharField(
        max_length=30,
        default=default_throttle_rate,
        validators=[validate_rate],
        help_text='Requests allowed with this partner\'s keys, e.g. "6000/hour" (all keys together).',
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiKey(models.Model):
    """A key a partner sends as `Authorization: Api-Key <key>`; only its prefix and SHA-256 are kept."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, help_text='What it is for, e.g. "production sync".')
    # The public part of the key, for lookup; the secret part is never stored.
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    hashed_key = models.CharField("SHA-256 of the key", max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Leave empty for no expiry.")
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    if TYPE_CHECKING:
        # Never stored: the admin's sum of the key's usage, and the clear key on a just-issued instance
        # (partners.admin).
        requests_sum: int | None
        issued_key: str

    class Meta:
        ordering = ["partner__name", "-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.partner}: {self.name} ({self.prefix}…)"


class ApiKeyUsage(models.Model):
    """Requests made with one key on one day (UTC), counted with one UPSERT per request."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="usage")
    day = models.DateField()
    requests = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        verbose_name = "API key usage"
        verbose_name_plural = "API key usage"
        constraints = [models.UniqueConstraint(fields=["api_key", "day"], name="apikeyusage_unique_day")]

    def __str__(self) -> str:
        return f"{self.api_key} on {self.day}: {self.requests}"


def generate_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookEvent(models.TextChoices):
    PUBLISHED = "published", "Published"
    UPDATED = "updated", "Updated (slug changes included)"
    UNPUBLISHED = "unpublished", "Unpublished"
    WITHDRAWN = "withdrawn", "Withdrawn (with a public notice)"
    DELETED = "deleted", "Deleted"


def all_webhook_events() -> list[str]:
    return list(WebhookEvent.values)


def validate_webhook_url(url: str) -> None:
    """A public https URL (see partners.targets); each attempt checks the address again when it connects."""
    try:
        resolve_public(parse_target(url))
    except UnsafeTarget as error:
        raise ValidationError(str(error)) from error
    except OSError as error:
        raise ValidationError(f"The host does not resolve ({error}).") from error


class WebhookSubscription(models.Model):
    """A partner's URL that receives signed POSTs when publications change."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField("URL", max_length=500, validators=[validate_webhook_url])
    # Kept in clear: signing needs it. Shown to editors so they can pass it to the partner.
    secret = models.CharField(max_length=100, default=generate_webhook_secret)
    events = ArrayField(models.CharField(max_length=20, choices=WebhookEvent), default=all_webhook_events)
    topics = models.ManyToManyField(
        "taxonomy.Topic", blank=True, related_name="+", help_text="Only pieces on any of these topics."
    )
    types = ArrayField(
        models.CharField(max_length=20, choices=Publication.Type),
        default=list,
        blank=True,
        help_text="Only pieces of these types.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partner__name", "url"]
        verbose_name = "webhook"

    def __str__(self) -> str:
        return f"{self.partner}: {self.url}"

    def save(self, *args, **kwargs) -> None:
        # Every way of saving (admin, shell, a service) gets the URL check, not only forms.
        validate_webhook_url(self.url)
        super().save(*args, **kwargs)


class WebhookDelivery(models.Model):
    """One event for one subscription: its frozen body and how sending it went."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RETRYING = "retrying", "Retrying"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        # Not sent because its webhook was deactivated meanwhile.
        CANCELLED = "cancelled", "Cancelled"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    change = models.ForeignKey(
        "publications.PublicationChange", on_delete=models.PROTECT, related_name="webhook_deliveries"
    )
    event = models.CharField(max_length=20, choices=WebhookEvent)
    # The exact body every attempt sends, so retries are byte-identical and safe to deduplicate.
    body = models.TextField()
    status = models.CharField(max_length=20, choices=Status, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_response = models.TextField(blank=True, help_text="The start of the last response, or the error.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["subscription", "change"], name="webhookdelivery_once_per_change")
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="webhookdelivery_status_idx")]

    def __str__(self) -> str:
        return f"{self.event} to {self.subscription.url} ({self.get_status_display()})"


class WebhookCursor(models.Model):
    """How far the webhook scanner has read the change log (one row)."""

    effective_at = models.DateTimeField()
    change_id = models.BigIntegerField()

    def __str__(self) -> str:
        return f"change {self.change_id} at {self.effective_at}"


class PartnerRateWindow(models.Model):
    """How many requests a partner made in its current rate window: one row per partner, one UPSERT per
    request, so the count is exact under concurrency and stays one small row whatever the rate."""

    partner = models.OneToOneField(Partner, on_delete=models.CASCADE, primary_key=True, related_name="+")
    window = models.BigIntegerField(help_text="Window number: seconds since the epoch // window length.")
    hits = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.partner}: {self.hits} in window {self.window}"
