"""Webhooks: turning change-log rows into signed deliveries, and sending one attempt of a delivery.

The scanner reads the change log exactly as the change feed does (same read barrier, same order), so a
scheduled go-live becomes a delivery on the first scan after its time: the worker scans every minute,
and right after any write that records a change. Sending happens in worker jobs (partners.tasks).

Each POST carries the JSON body and these headers:
    X-CISS-Event: published | updated | unpublished | deleted
    X-CISS-Delivery: <uuid, the same on every retry: deduplicate on it>
    X-CISS-Timestamp: <unix seconds of this attempt>
    X-CISS-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the subscription's secret>
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from partners.models import WebhookCursor, WebhookDelivery, WebhookEvent, WebhookSubscription
from publications.changelog import changelog_read_barrier
from publications.models import Publication, PublicationChange

SCAN_BATCH = 500
RESPONSE_EXCERPT = 1000
EVENT_FOR_KIND = {
    PublicationChange.Kind.PUBLISHED: WebhookEvent.PUBLISHED,
    PublicationChange.Kind.UPDATED: WebhookEvent.UPDATED,
    PublicationChange.Kind.SLUG_CHANGED: WebhookEvent.UPDATED,
    PublicationChange.Kind.UNPUBLISHED: WebhookEvent.UNPUBLISHED,
    PublicationChange.Kind.DELETED: WebhookEvent.DELETED,
}


class WebhookDeliveryError(Exception):
    """An attempt failed (error status, timeout, refused connection); the worker retries it."""


def sign(*, secret: str, timestamp: str, body: str) -> str:
    """The X-CISS-Signature value for one attempt."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"sha256={digest}"


@transaction.atomic
def webhook_scan_changes() -> list[int]:
    """Create deliveries for the changes that became effective since the last scan; returns their ids."""
    cursor = WebhookCursor.objects.select_for_update().first()
    now = changelog_read_barrier()
    effective = PublicationChange.objects.effective(now)
    if cursor is None:
        # Webhooks start from the present: a first scan does not replay the whole history.
        latest = effective.order_by("-effective_at", "-pk").first()
        WebhookCursor.objects.create(
            effective_at=latest.effective_at if latest else now, change_id=latest.pk if latest else 0
        )
        return []
    delivery_ids: list[int] = []
    subscriptions = list(WebhookSubscription.objects.filter(is_active=True).prefetch_related("topics"))
    while True:
        changes = list(effective.after(cursor.effective_at, cursor.change_id)[:SCAN_BATCH])
        if not changes:
            break
        if subscriptions:
            delivery_ids += _deliveries_for(changes, subscriptions, now)
        cursor.effective_at, cursor.change_id = changes[-1].effective_at, changes[-1].pk
    cursor.save()
    return delivery_ids


def _deliveries_for(
    changes: list[PublicationChange], subscriptions: list[WebhookSubscription], now
) -> list[int]:
    publications = {
        p.pk: p
        for p in Publication.objects.filter(pk__in={c.publication_id for c in changes}).prefetch_related(
            "topics"
        )
    }
    deliveries = []
    for change in changes:
        event = EVENT_FOR_KIND[change.kind]
        publication = publications.get(change.publication_id)
        public = publication is not None and publication.is_live_at(now)
        body = _body(change, event, publication if public else None)
        for subscription in subscriptions:
            if event in subscription.events and _matches(subscription, publication):
                deliveries.append(
                    WebhookDelivery(subscription=subscription, change=change, event=event, body=body)
                )
    # Scans are serialised by the cursor's row lock and the cursor only moves forward, so no change is
    # delivered twice (the unique constraint would stop it anyway).
    return [delivery.pk for delivery in WebhookDelivery.objects.bulk_create(deliveries)]


def _matches(subscription: WebhookSubscription, publication: Publication | None) -> bool:
    if publication is None:
        # A deleted piece's topics and type are gone; a receiver ignores ids it never held.
        return True
    if subscription.types and publication.type not in subscription.types:
        return False
    wanted = {topic.pk for topic in subscription.topics.all()}
    return not wanted or bool(wanted & {topic.pk for topic in publication.topics.all()})


def _body(change: PublicationChange, event: str, publication: Publication | None) -> str:
    item = {
        "id": change.publication_id,
        "uuid": str(change.publication_uuid),
        "slug": change.slug,
        "old_slug": change.old_slug or None,
    }
    if publication is not None:
        item |= {
            "slug": publication.slug,
            "type": publication.type,
            "title": publication.title,
            "public_url": publication.public_url,
            "published_at": publication.published_at.isoformat(),
            "updated_at": publication.updated_at.isoformat(),
        }
    document = {"event": event, "occurred_at": change.effective_at.isoformat(), "publication": item}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def webhook_attempt(*, delivery_id: int, final: bool) -> None:
    """POST a delivery once and log the outcome; raise WebhookDeliveryError to be retried unless `final`."""
    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None or delivery.status == WebhookDelivery.Status.DELIVERED:
        return
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        delivery.subscription.url,
        data=delivery.body.encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "cissapi-webhooks/1",
            "X-CISS-Event": delivery.event,
            "X-CISS-Delivery": str(delivery.uuid),
            "X-CISS-Timestamp": timestamp,
            "X-CISS-Signature": sign(
                secret=delivery.subscription.secret, timestamp=timestamp, body=delivery.body
            ),
        },
    )
    error: str | None = None
    status_code: int | None = None
    excerpt = ""
    try:
        with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            status_code = response.status
            excerpt = response.read(RESPONSE_EXCERPT).decode(errors="replace")
    except urllib.error.HTTPError as http_error:
        status_code = http_error.code
        excerpt = http_error.read(RESPONSE_EXCERPT).decode(errors="replace")
        error = f"HTTP {http_error.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as network_error:
        excerpt = error = f"{type(network_error).__name__}: {network_error}"

    now = timezone.now()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = status_code
    delivery.last_response = excerpt[:RESPONSE_EXCERPT]
    if error is None:
        delivery.status, delivery.delivered_at = WebhookDelivery.Status.DELIVERED, now
    else:
        delivery.status = WebhookDelivery.Status.FAILED if final else WebhookDelivery.Status.RETRYING
    delivery.save()
    if error is not None and not final:
        raise WebhookDeliveryError(f"delivery {delivery.uuid}: {error}")


@transaction.atomic
def webhook_resend(*, deliveries: Iterable[WebhookDelivery]) -> list[int]:
    """Queue deliveries again (an editor's request): a new series of attempts with the same body."""
    ids = [delivery.pk for delivery in deliveries]
    WebhookDelivery.objects.filter(pk__in=ids).update(status=WebhookDelivery.Status.PENDING)
    return ids
