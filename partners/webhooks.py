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

import contextlib
import datetime as dt
import functools
import hashlib
import hmac
import http.client
import json
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from partners.models import WebhookCursor, WebhookDelivery, WebhookEvent, WebhookSubscription
from partners.targets import UnsafeTarget, parse_target, resolve_public
from publications.changelog import changelog_read_barrier
from publications.models import Publication, PublicationChange

SCAN_BATCH = 500
RESPONSE_EXCERPT = 1000
LOCATION_EXCERPT = 300
Status = WebhookDelivery.Status
# A delivery in one of these states is not sent again unless an editor resends it.
FINISHED = {Status.DELIVERED, Status.CANCELLED}
# Keyed by the stored kind, a plain string (the choices are str enums, so either spelling finds its event).
EVENT_FOR_KIND: dict[str, WebhookEvent] = {
    PublicationChange.Kind.PUBLISHED: WebhookEvent.PUBLISHED,
    PublicationChange.Kind.UPDATED: WebhookEvent.UPDATED,
    PublicationChange.Kind.SLUG_CHANGED: WebhookEvent.UPDATED,
    PublicationChange.Kind.UNPUBLISHED: WebhookEvent.UNPUBLISHED,
    PublicationChange.Kind.WITHDRAWN: WebhookEvent.WITHDRAWN,
    PublicationChange.Kind.DELETED: WebhookEvent.DELETED,
}


class WebhookDeliveryError(Exception):
    """An attempt failed (error status, redirect, timeout, refused connection); the worker retries it."""


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
            # Only a live piece gets here, and a published piece always has its time.
            "published_at": cast(dt.datetime, publication.published_at).isoformat(),
            "updated_at": publication.updated_at.isoformat(),
        }
    document = {"event": event, "occurred_at": change.effective_at.isoformat(), "publication": item}
    if change.kind == PublicationChange.Kind.WITHDRAWN:
        # The public notice a partner shows in place of the piece.
        document["notice"] = change.notice
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def webhook_attempt(*, delivery_id: int, final: bool) -> None:
    """POST a delivery once and log the outcome; raise WebhookDeliveryError to be retried unless `final`."""
    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None or delivery.status in FINISHED:
        return
    if not delivery.subscription.is_active:
        # Deactivating a webhook stops its queued deliveries and retries alike, visibly in the log.
        delivery.status, delivery.last_response = Status.CANCELLED, "Not sent: the webhook was deactivated."
        delivery.save(update_fields=["status", "last_response"])
        return
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "cissapi-webhooks/1",
        "X-CISS-Event": delivery.event,
        "X-CISS-Delivery": str(delivery.uuid),
        "X-CISS-Timestamp": timestamp,
        "X-CISS-Signature": sign(
            secret=delivery.subscription.secret, timestamp=timestamp, body=delivery.body
        ),
    }
    outcome = _post(delivery.subscription.url, body=delivery.body.encode(), headers=headers)

    now = timezone.now()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = outcome.status_code
    delivery.last_response = outcome.response[:RESPONSE_EXCERPT]
    if outcome.error is None:
        delivery.status, delivery.delivered_at = Status.DELIVERED, now
    else:
        # An address refused as unsafe stays refused: no point retrying it for an hour.
        give_up = final or outcome.unsafe
        delivery.status = Status.FAILED if give_up else Status.RETRYING
    delivery.save()
    if outcome.error is not None and delivery.status != Status.FAILED:
        raise WebhookDeliveryError(f"delivery {delivery.uuid}: {outcome.error}")


@dataclass(frozen=True)
class _Outcome:
    status_code: int | None
    # For the log: the start of a 2xx body, else the error (never the body of another answer).
    response: str
    error: str | None = None
    unsafe: bool = False


def _post(url: str, *, body: bytes, headers: dict[str, str]) -> _Outcome:
    """One POST to a checked public address within the attempt's deadline; redirects are not followed."""
    try:
        target = parse_target(url)
        address = resolve_public(target)
    except UnsafeTarget as refused:
        return _Outcome(None, f"Refused: {refused}", error=str(refused), unsafe=True)
    except OSError as dns_error:
        return _Outcome(None, f"{target.host} does not resolve: {dns_error}", error=str(dns_error))
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    deadline = settings.WEBHOOK_DEADLINE_SECONDS
    connection = connection_class(
        target.host, target.port, address=address, timeout=min(settings.WEBHOOK_TIMEOUT_SECONDS, deadline)
    )
    # The socket timeout bounds each wait, not the attempt: a receiver sending a byte every few seconds
    # would hold a worker slot for ever. At the deadline the socket is shut, which ends any blocked call.
    expired = threading.Event()
    watchdog = threading.Timer(deadline, _cut, [connection, expired])
    watchdog.start()
    try:
        connection.connect()
        if expired.is_set():
            # The deadline passed while connecting, before there was a socket to shut.
            raise TimeoutError
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        if expired.is_set():
            # Cut mid-headers, http.client sees the end of the headers: the answer is incomplete.
            raise TimeoutError
        status = response.status
        if 200 <= status < 300:
            try:
                excerpt = response.read(RESPONSE_EXCERPT).decode(errors="replace")
            except (OSError, http.client.HTTPException):
                excerpt = ""  # The receiver accepted the event; its trailing chatter does not matter.
            return _Outcome(status, excerpt)
        if 300 <= status < 400:
            # Following would turn the POST into a GET, or carry it to an address nobody checked.
            location = (response.getheader("Location") or "")[:LOCATION_EXCERPT]
            error = f"HTTP {status} redirect to {location or '(no Location)'}: redirects are not followed"
            return _Outcome(status, error, error=error)
        # No body from a failing answer: whatever the receiver says is not the editors' to read.
        return _Outcome(status, f"HTTP {status}", error=f"HTTP {status}")
    except (OSError, http.client.HTTPException, ValueError) as network_error:
        if expired.is_set():
            error = f"No complete answer within the {deadline:g} s deadline"
        else:
            error = f"{type(network_error).__name__}: {network_error}"
        return _Outcome(None, error, error=error)
    finally:
        watchdog.cancel()
        connection.close()


def _cut(connection: http.client.HTTPConnection, expired: threading.Event) -> None:
    expired.set()
    sock = connection.sock
    if sock is not None:
        # socket.socket's own shutdown, not SSLSocket's, which would also drop the TLS state under a reader.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _PinnedAddress:
    """Connect to the address already resolved and checked; the name is still used for Host, SNI and TLS."""

    def __init__(self, *args, address: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # http.client's hook for opening the socket (socket.create_connection by default).
        self._create_connection = functools.partial(_connect_to, address)


def _connect_to(
    address: str, host_port: tuple[str, int], timeout: float, source_address=None
) -> socket.socket:
    return socket.create_connection((address, host_port[1]), timeout, source_address)


class _PinnedHTTPConnection(_PinnedAddress, http.client.HTTPConnection):
    pass


class _PinnedHTTPSConnection(_PinnedAddress, http.client.HTTPSConnection):
    pass


@transaction.atomic
def webhook_resend(*, deliveries: Iterable[WebhookDelivery]) -> list[int]:
    """Queue deliveries again (an editor's request): a new series of attempts with the same body."""
    ids = [delivery.pk for delivery in deliveries]
    WebhookDelivery.objects.filter(pk__in=ids).update(status=WebhookDelivery.Status.PENDING)
    return ids
