"""Webhooks end to end: a real worker, a real HTTP receiver on 127.0.0.1, retries and signatures.

These tests commit (transaction=True) because the worker reads jobs and deliveries over its own
connection, as in production.
"""

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.db import connections
from django.utils import timezone
from procrastinate.contrib.django import app

from partners.models import WebhookDelivery, WebhookSubscription
from partners.tasks import scan_changes_every_minute
from partners.webhooks import webhook_scan_changes
from publications.models import Publication
from publications.services import publication_publish
from tests.factories import PartnerFactory, PublicationFactory, TopicFactory

pytestmark = pytest.mark.django_db(transaction=True)


class Receiver:
    """An HTTP server that answers 500 to the first `failures` POSTs, then 204, and keeps them all."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        # (status answered, headers (case-insensitive), body) of every POST received.
        self.requests: list[tuple[int, object, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = 500 if len(receiver.requests) < receiver.failures else 204
                receiver.requests.append((status, self.headers, body))
                self.send_response(status)
                self.end_headers()
                if status == 500:
                    self.wfile.write(b"temporarily broken")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/ciss"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def run_worker() -> None:
    """Run the real worker until the webhook queue is drained."""
    worker_app = app.with_connector(app.connector.get_worker_connector())
    worker_app.run_worker(
        queues=["webhooks", "webhook-scan"], wait=False, install_signal_handlers=False, listen_notify=False
    )


def verify(secret: str, headers, body: bytes) -> bool:
    """What a partner runs (the README's example)."""
    signed = headers["X-CISS-Timestamp"].encode() + b"." + body
    expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-CISS-Signature"])


@pytest.fixture(autouse=True, scope="module")
def end_worker_connections(django_db_blocker):
    # The worker's executor thread keeps its Django connection (as a long-running worker should); end it
    # once these tests are done so the test database can be dropped at the end of the run.
    yield
    with django_db_blocker.unblock(), connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def local_receivers(settings):
    # The receivers of these tests listen on http://127.0.0.1, which production refuses (see test_ssrf).
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True


@pytest.fixture
def fast_retries(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0
    settings.WEBHOOK_MAX_ATTEMPTS = 4
    settings.WEBHOOK_TIMEOUT_SECONDS = 5


@pytest.fixture
def started_scanner():
    # The first scan starts the webhook cursor at the present (no replay of history).
    webhook_scan_changes()


def test_event_arrives_signed_after_failed_attempts_and_is_logged(fast_retries, started_scanner):
    with Receiver(failures=2) as receiver:
        subscription = WebhookSubscription.objects.create(partner=PartnerFactory(), url=receiver.url)
        publication = PublicationFactory()
        publication_publish(publication=publication)

        run_worker()

    assert [status for status, _, _ in receiver.requests] == [500, 500, 204]
    bodies = {body for _, _, body in receiver.requests}
    assert len(bodies) == 1, "every attempt sends the same body"
    _, headers, body = receiver.requests[-1]
    assert verify(subscription.secret, headers, body)
    assert not verify("another secret", headers, body)
    assert headers["X-CISS-Event"] == "published"
    assert json.loads(body) == {
        "event": "published",
        "occurred_at": json.loads(body)["occurred_at"],
        "publication": {
            "id": publication.pk,
            "uuid": str(publication.uuid),
            "slug": publication.slug,
            "old_slug": None,
            "type": "commentary",
            "title": publication.title,
            "public_url": publication.public_url,
            "published_at": Publication.objects.get(pk=publication.pk).published_at.isoformat(),
            "updated_at": Publication.objects.get(pk=publication.pk).updated_at.isoformat(),
        },
    }
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code, delivery.event) == (
        WebhookDelivery.Status.DELIVERED,
        3,
        204,
        "published",
    )
    assert str(delivery.uuid) == headers["X-CISS-Delivery"]


def test_a_delivery_that_keeps_failing_is_marked_failed_and_can_be_resent(fast_retries, started_scanner):
    from partners.tasks import queue_deliveries
    from partners.webhooks import webhook_resend

    with Receiver(failures=4) as receiver:
        WebhookSubscription.objects.create(partner=PartnerFactory(), url=receiver.url)
        publication_publish(publication=PublicationFactory())
        run_worker()
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 4, 500)
        # A failing answer's body is not kept (it could be anything the receiver's network holds).
        assert delivery.last_response == "HTTP 500"

        queue_deliveries(webhook_resend(deliveries=[delivery]))
        run_worker()

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 5)
    assert len(receiver.requests) == 5


def test_a_scheduled_go_live_fires_on_the_minute_scan_after_its_time(fast_retries, started_scanner):
    with Receiver() as receiver:
        WebhookSubscription.objects.create(partner=PartnerFactory(), url=receiver.url)
        publication = PublicationFactory()
        publication_publish(publication=publication, at=timezone.now() + dt.timedelta(minutes=30))
        run_worker()
        assert receiver.requests == []

        with time_machine.travel(publication.published_at + dt.timedelta(seconds=30)):
            # What the worker's periodic deferrer does every minute.
            scan_changes_every_minute.defer(timestamp=int(timezone.now().timestamp()))
            run_worker()

    ((_, headers, body),) = receiver.requests
    assert headers["X-CISS-Event"] == "published"
    assert json.loads(body)["publication"]["uuid"] == str(publication.uuid)
    periodic = {task.task.name: task.cron for task in app.periodic_registry.periodic_tasks.values()}
    assert periodic["partners.tasks.scan_changes_every_minute"] == "* * * * *"


def test_filters_by_event_topic_and_type(fast_retries, started_scanner):
    topic = TopicFactory()
    with Receiver() as receiver:
        partner = PartnerFactory()
        on_topic = WebhookSubscription.objects.create(partner=partner, url=receiver.url + "/topic")
        on_topic.topics.add(topic)
        WebhookSubscription.objects.create(
            partner=partner, url=receiver.url + "/briefs", types=["issue_brief"], events=["published"]
        )
        WebhookSubscription.objects.create(
            partner=partner, url=receiver.url + "/deletions", events=["deleted"]
        )
        brief = PublicationFactory(published=True, type="issue_brief")
        PublicationFactory(published=True, topics=[topic])
        run_worker()
        brief.delete()
        run_worker()

    assert sorted(
        WebhookDelivery.objects.values_list("subscription__url", "event").order_by(
            "subscription__url", "event"
        )
    ) == sorted(
        [
            (receiver.url + "/briefs", "published"),
            (receiver.url + "/deletions", "deleted"),
            # A deleted piece's topics are gone, so its deletion goes to every subscriber of deletions.
            (receiver.url + "/topic", "deleted"),
            (receiver.url + "/topic", "published"),
            (receiver.url + "/topic", "updated"),
        ]
    )
