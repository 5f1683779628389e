"""Webhooks end to end: a real worker, a real HTTP receiver on 127.0.0.1, retries and signatures.

These tests commit (transaction=True) because the worker reads jobs and deliveries over its own
connection, as in production.
"""

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob
from procrastinate.exceptions import AlreadyEnqueued

from partners.admin import WebhookSubscriptionForm
from partners.models import WebhookDelivery, WebhookSubscription
from partners.tasks import (
    queue_deliveries,
    remove_old_deliveries,
    remove_old_jobs,
    requeue_orphaned_deliveries,
    retry_stalled_jobs,
    scan_changes_every_minute,
)
from partners.webhooks import webhook_scan_changes
from publications.models import Publication
from publications.services import publication_publish
from tests.factories import PartnerFactory, PublicationFactory, TopicFactory

pytestmark = pytest.mark.django_db(transaction=True)


class Receiver:
    """An HTTP server that answers 500 to the first `failures` POSTs, then 204, and keeps them all."""

    def __init__(self, failures: int = 0, answer=None) -> None:
        self.failures = failures
        # (status answered, headers (case-insensitive), body) of every POST received.
        self.requests: list[tuple[int, object, bytes]] = []
        # Paths of any other request (a redirect followed as a GET would show here).
        self.other_requests: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                receiver.other_requests.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"INTERNAL SECRET")

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if answer is not None:
                    # A misbehaving receiver: `answer` writes the whole response itself.
                    receiver.requests.append((0, self.headers, body))
                    answer(self)
                    return
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


def run_worker(concurrency: int = 1, queues: tuple[str, ...] = ("webhooks", "webhook-scan")) -> None:
    """Run the real worker until the given queues (by default both webhook queues) are drained."""
    worker_app = app.with_connector(app.connector.get_worker_connector())
    worker_app.run_worker(
        queues=list(queues),
        wait=False,
        install_signal_handlers=False,
        listen_notify=False,
        concurrency=concurrency,
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
        publication = PublicationFactory(ready=True)
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
        publication_publish(publication=PublicationFactory(ready=True))
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


def test_someone_who_may_only_view_deliveries_cannot_send_them_again(client, django_user_model):
    # Never reached: nothing is sent unless the delivery is queued again.
    WebhookSubscription.objects.create(partner=PartnerFactory(), url="http://127.0.0.1:9/hook")
    webhook_scan_changes()  # the first scan starts from the present
    publication_publish(publication=PublicationFactory(ready=True))
    webhook_scan_changes()
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=WebhookDelivery.Status.FAILED)
    viewer = django_user_model.objects.create_user("viewer", password="a-long-test-password", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_webhookdelivery"))
    client.force_login(viewer)

    client.post("/admin/partners/webhookdelivery/", {"action": "resend", "_selected_action": [delivery.pk]})

    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED


def test_a_scheduled_go_live_fires_on_the_minute_scan_after_its_time(fast_retries, started_scanner):
    with Receiver() as receiver:
        WebhookSubscription.objects.create(partner=PartnerFactory(), url=receiver.url)
        publication = PublicationFactory(ready=True)
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


# --- Issue #9: webhooks that lose, leak or stall ------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/hooks",  # plain http
        "https://127.0.0.1/hooks",
        "https://[::1]/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
        "https://localhost:5432/",
        "https://10.1.2.3/hooks",
        "https://0.0.0.0/hooks",
        "https://224.0.0.1/hooks",
        "ftp://example.org/hooks",
        "https://user:secret@example.org/hooks",
    ],
)
def test_unsafe_webhook_urls_are_refused_at_save(settings, url):
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    form = WebhookSubscriptionForm(
        data={"partner": PartnerFactory().pk, "url": url, "secret": "s", "events": ["published"]}
    )

    assert not form.is_valid()
    assert "url" in form.errors
    with pytest.raises(ValidationError):
        WebhookSubscription.objects.create(partner=PartnerFactory(), url=url)
    assert not WebhookSubscription.objects.exists()


def test_a_public_https_url_is_accepted(settings):
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    form = WebhookSubscriptionForm(
        data={
            "partner": PartnerFactory().pk,
            "url": "https://8.8.8.8/hooks",
            "secret": "s",
            "events": ["updated"],
        }
    )

    assert form.is_valid(), form.errors


def test_an_address_refused_at_connect_time_fails_the_delivery_without_sending(settings, started_scanner):
    with Receiver() as receiver:
        WebhookSubscription.objects.create(partner=PartnerFactory(), url=receiver.url)
        # Saved while allowed (or the name pointed elsewhere then): each attempt checks again.
        settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
        publication_publish(publication=PublicationFactory(ready=True))
        run_worker()

    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 1), "an unsafe address is not retried"
    assert delivery.last_response.startswith("Refused: 127.0.0.1 is not a public internet address")


def test_the_attempt_connects_to_the_address_it_checked(monkeypatch, fast_retries, started_scanner):
    # DNS rebinding: the name answers 127.0.0.1 to the save's check and to the attempt's, then an address
    # nobody checked. Connecting by name would resolve again and go there (10.255.255.1 never answers).
    lookups: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def rebinding_getaddrinfo(host, *args, **kwargs):
        if host == "hooks.partner.test":
            lookups.append(host)
            host = "127.0.0.1" if len(lookups) <= 2 else "10.255.255.1"
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_getaddrinfo)
    with Receiver() as receiver:
        port = receiver.server.server_port
        subscription = WebhookSubscription.objects.create(
            partner=PartnerFactory(), url=f"http://hooks.partner.test:{port}/hooks/ciss"
        )
        publication_publish(publication=PublicationFactory(ready=True))
        run_worker()

    ((_, headers, _),) = receiver.requests
    assert headers["Host"] == f"hooks.partner.test:{port}"
    assert len(lookups) == 2, "one lookup at save, one per attempt"
    assert WebhookDelivery.objects.get(subscription=subscription).status == "delivered"


def test_a_redirect_is_a_failed_attempt_naming_the_location_and_is_never_followed(
    fast_retries, started_scanner
):
    def redirect(handler) -> None:
        handler.send_response(302)
        handler.send_header("Location", f"http://127.0.0.1:{handler.server.server_port}/internal/admin")
        handler.end_headers()
        handler.wfile.write(b"moved")

    with Receiver(answer=redirect) as receiver:
        WebhookSubscription.objects.create(partner=PartnerFactory(), url=receiver.url)
        publication_publish(publication=PublicationFactory(ready=True))
        run_worker()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 4, 302)
    assert delivery.last_response == (
        f"HTTP 302 redirect to http://127.0.0.1:{receiver.server.server_port}/internal/admin: "
        "redirects are not followed"
    )
    assert receiver.other_requests == [], "no GET to the redirect's target"
    assert {headers["X-CISS-Delivery"] for _, headers, _ in receiver.requests} == {str(delivery.uuid)}
    assert len(receiver.requests) == 4


def test_a_trickling_receiver_is_cut_at_the_deadline_while_others_are_served(settings, started_scanner):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    settings.WEBHOOK_TIMEOUT_SECONDS = 2
    settings.WEBHOOK_DEADLINE_SECONDS = 3
    settings.WEBHOOK_WORKER_CONCURRENCY = 2

    def trickle(handler) -> None:
        # A byte every 0.5 s: each read is well within the 2 s timeout, the whole never ends.
        handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
        handler.wfile.flush()
        with contextlib.suppress(OSError):
            for _ in range(40):
                handler.wfile.write(b"X")
                handler.wfile.flush()
                time.sleep(0.5)

    with Receiver(answer=trickle) as slow, Receiver() as fast:
        partner = PartnerFactory()
        WebhookSubscription.objects.create(partner=partner, url=slow.url)
        WebhookSubscription.objects.create(partner=partner, url=fast.url)
        with transaction.atomic():
            publication_publish(publication=PublicationFactory(ready=True))
            # Both deliveries queued before the worker starts (a draining test worker stops at the first
            # empty fetch, which a concurrent scan would cause).
            queue_deliveries(webhook_scan_changes())
        started = time.monotonic()
        run_worker(concurrency=settings.WEBHOOK_WORKER_CONCURRENCY)
        elapsed = time.monotonic() - started

    statuses = dict(WebhookDelivery.objects.values_list("subscription__url", "status"))
    assert statuses == {slow.url: "failed", fast.url: "delivered"}
    slow_delivery = WebhookDelivery.objects.get(subscription__url=slow.url)
    assert slow_delivery.last_response == "No complete answer within the 3 s deadline"
    assert elapsed < 10, "the attempt ended at its deadline, not after the 20 s the receiver would take"
    assert len(fast.requests) == 1


def test_a_job_left_by_a_killed_worker_is_retried_under_the_same_delivery_id(fast_retries, started_scanner):
    with Receiver() as receiver:
        WebhookSubscription.objects.create(partner=PartnerFactory(), url=receiver.url)
        with transaction.atomic():
            publication_publish(publication=PublicationFactory(ready=True))
            queue_deliveries(webhook_scan_changes())
        # What a worker killed mid-delivery leaves: the job `doing`, taken by a worker whose heartbeat
        # stopped. The real fetch function takes it, as a worker does.
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - interval '10 minutes') "
                "RETURNING id"
            )
            (dead_worker,) = cursor.fetchone()
            cursor.execute("SELECT id FROM procrastinate_fetch_job_v2(%s, %s)", [["webhooks"], dead_worker])
            (stalled_job,) = cursor.fetchone()
        # The worker's periodic deferrer queues the recovery every minute (once a minute across workers:
        # it may already be queued).
        with contextlib.suppress(AlreadyEnqueued):
            retry_stalled_jobs.defer(timestamp=int(time.time()))
        run_worker()

    delivery = WebhookDelivery.objects.get()
    ((_, headers, _),) = receiver.requests
    assert headers["X-CISS-Delivery"] == str(delivery.uuid)
    assert (delivery.status, delivery.attempts) == ("delivered", 1)
    assert ProcrastinateJob.objects.get(pk=stalled_job).status == "succeeded"


def test_a_delivery_left_without_a_job_is_queued_again(fast_retries, started_scanner):
    with Receiver() as receiver:
        WebhookSubscription.objects.create(partner=PartnerFactory(), url=receiver.url)
        publication_publish(publication=PublicationFactory(ready=True))
        # A delivery whose job is gone, as when a job crashes on a database error instead of failing an
        # attempt: the scan made it, nothing queued it.
        (delivery_id,) = webhook_scan_changes()
        # Only the deliveries' queue: a worker's periodic deferrer may queue the five-minute requeue on
        # the scan queue as it starts (the test database has no record of the last tick), which is the
        # very recovery this test waits to run below.
        run_worker(queues=("webhooks",))
        assert receiver.requests == []

        # What the worker's periodic deferrer does every five minutes (it may have queued it already).
        with contextlib.suppress(AlreadyEnqueued):
            requeue_orphaned_deliveries.defer(timestamp=int(time.time()))
        run_worker()

    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    ((_, headers, _),) = receiver.requests
    assert (delivery.status, headers["X-CISS-Delivery"]) == ("delivered", str(delivery.uuid))


def test_a_deactivated_webhook_gets_no_more_retries(fast_retries, started_scanner):
    def fail_and_deactivate(handler) -> None:
        # The editor deactivates the webhook while its first attempt fails.
        WebhookSubscription.objects.update(is_active=False)
        connections.close_all()
        handler.send_response(503)
        handler.end_headers()

    with Receiver(answer=fail_and_deactivate) as receiver:
        WebhookSubscription.objects.create(partner=PartnerFactory(), url=receiver.url)
        publication_publish(publication=PublicationFactory(ready=True))
        run_worker()

    delivery = WebhookDelivery.objects.get()
    assert len(receiver.requests) == 1
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("cancelled", 1, 503)
    assert delivery.last_response == "Not sent: the webhook was deactivated."


def test_deleting_a_topic_sends_updated_for_the_live_pieces_on_it(fast_retries, started_scanner):
    topic = TopicFactory()
    with Receiver() as receiver:
        publication = PublicationFactory(published=True, topics=[topic])
        run_worker()
        WebhookSubscription.objects.create(partner=PartnerFactory(), url=receiver.url, events=["updated"])
        topic.delete()
        run_worker()

    ((_, headers, body),) = receiver.requests
    assert headers["X-CISS-Event"] == "updated"
    assert json.loads(body)["publication"]["uuid"] == str(publication.uuid)


def test_old_jobs_and_delivery_log_rows_are_cleaned_up_on_schedule(settings, fast_retries, started_scanner):
    settings.WEBHOOK_LOG_RETENTION_DAYS = 30
    jobs_before = ProcrastinateJob.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with Receiver() as receiver:
        WebhookSubscription.objects.create(partner=PartnerFactory(), url=receiver.url)
        publication_publish(publication=PublicationFactory(ready=True))
        publication_publish(publication=PublicationFactory(ready=True))
        run_worker()
    old, recent = WebhookDelivery.objects.order_by("pk")
    long_ago = timezone.now() - dt.timedelta(days=31)
    WebhookDelivery.objects.filter(pk=old.pk).update(created_at=long_ago)
    finished = set(
        ProcrastinateJob.objects.filter(pk__gt=jobs_before, status="succeeded").values_list("pk", flat=True)
    )
    with connection.cursor() as cursor:
        # These jobs finished long ago.
        cursor.execute(
            "UPDATE procrastinate_events SET at = %s WHERE job_id = ANY(%s)", [long_ago, list(finished)]
        )

    for task in (remove_old_deliveries, remove_old_jobs):
        with contextlib.suppress(AlreadyEnqueued):
            task.defer(timestamp=int(time.time()))
    run_worker()

    assert list(WebhookDelivery.objects.values_list("pk", flat=True)) == [recent.pk]
    assert len(finished) >= 3, "two deliveries and a scan at least"
    assert not ProcrastinateJob.objects.filter(pk__in=finished).exists()
    periodic = {task.task.name for task in app.periodic_registry.periodic_tasks.values()}
    assert {remove_old_jobs.name, remove_old_deliveries.name, retry_stalled_jobs.name} <= periodic


def test_a_delivery_job_is_queued_only_once_its_delivery_is_committed(started_scanner):
    WebhookSubscription.objects.create(partner=PartnerFactory(), url="http://127.0.0.1:9/hook")
    publication_publish(publication=PublicationFactory(ready=True))
    # Earlier tests' jobs stay (their transactions committed).
    before = ProcrastinateJob.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    jobs = ProcrastinateJob.objects.filter(task_name="partners.tasks.deliver_webhook", pk__gt=before)

    with transaction.atomic():
        (delivery_id,) = webhook_scan_changes()
        queue_deliveries([delivery_id])
        # The worker defers through a connection of its own: a job queued here would be visible to it
        # before the delivery row is.
        assert not jobs.exists()

    assert [job.args for job in jobs] == [{"delivery_id": delivery_id}]
