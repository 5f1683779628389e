"""Worker jobs (procrastinate, in Postgres): scanning the change log, sending webhook deliveries, and
keeping the queue healthy (stalled jobs, deliveries without a job, old rows).

Run the worker with `python manage.py webhook_worker`, which restarts it when it dies.

Deliveries go on the `webhooks` queue; the scans and the housekeeping on `webhook-scan` with a higher
priority, so a free worker slot takes a scan before any delivery. The worker runs
WEBHOOK_WORKER_CONCURRENCY jobs at once and each attempt is bounded by WEBHOOK_DEADLINE_SECONDS, so a slow
receiver holds at most one slot for at most that long while the others keep sending.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import BigIntegerField, Exists, OuterRef
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone
from procrastinate import JobContext, RetryDecision, builtin_tasks
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Job
from procrastinate.retry import BaseRetryStrategy

from partners.models import WebhookDelivery
from partners.webhooks import WebhookDeliveryError, webhook_attempt, webhook_scan_changes

logger = logging.getLogger(__name__)
QUEUE = "webhooks"
SCAN_QUEUE = "webhook-scan"
SCAN_PRIORITY = 10
SCAN_LOCK = "webhook-scan"
LIVE_JOB_STATUSES = ["todo", "doing"]


class ExponentialBackoff(BaseRetryStrategy):
    """Retry failed deliveries after base * 2**n seconds, read from settings when deciding (tests set 0)."""

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if not isinstance(exception, WebhookDeliveryError):
            return None
        if job.attempts + 1 >= settings.WEBHOOK_MAX_ATTEMPTS:
            return None
        wait = settings.WEBHOOK_RETRY_BASE_SECONDS * 2**job.attempts
        return RetryDecision(retry_in={"seconds": wait})


@app.task(queue=QUEUE, retry=ExponentialBackoff(), pass_context=True)
def deliver_webhook(context: JobContext, delivery_id: int) -> None:
    """One attempt at a delivery; a failure raises, and the retry strategy schedules the next one."""
    final = context.job.attempts + 1 >= settings.WEBHOOK_MAX_ATTEMPTS
    webhook_attempt(delivery_id=delivery_id, final=final)


@app.task(queue=SCAN_QUEUE, priority=SCAN_PRIORITY, queueing_lock=SCAN_LOCK)
def scan_changes() -> None:
    """Turn newly effective changes into deliveries and queue them, in one transaction."""
    with transaction.atomic():
        queue_deliveries(webhook_scan_changes())


@app.periodic(cron="* * * * *", periodic_id="scan")
@app.task(queue=SCAN_QUEUE, priority=SCAN_PRIORITY, queueing_lock=SCAN_LOCK + "-periodic")
def scan_changes_every_minute(timestamp: int) -> None:
    """Catches scheduled go-lives (effective at a time no write marks) within a minute of their time."""
    with transaction.atomic():
        queue_deliveries(webhook_scan_changes())


@app.periodic(cron="* * * * *", periodic_id="retry-stalled")
@app.task(queue=SCAN_QUEUE, priority=SCAN_PRIORITY, queueing_lock="retry-stalled", pass_context=True)
async def retry_stalled_jobs(context: JobContext, timestamp: int) -> None:
    """Run again the jobs of workers that died mid-job (killed, or cut off from the database).

    Such a job stays `doing` for ever; its worker's heartbeat stops, which is how procrastinate tells it
    from a job that is merely slow. The delivery is sent again under the same X-CISS-Delivery id.
    """
    job_manager = context.app.job_manager
    for job in await job_manager.get_stalled_jobs():
        logger.warning("Retrying job %s (%s) of a worker that stopped.", job.id, job.task_name)
        await job_manager.retry_job(job)


@app.periodic(cron="*/5 * * * *", periodic_id="requeue-orphans")
@app.task(queue=SCAN_QUEUE, priority=SCAN_PRIORITY, queueing_lock="requeue-orphans")
def requeue_orphaned_deliveries(timestamp: int) -> None:
    """Queue again the deliveries still to send that no job will send (e.g. a job that crashed on a
    database error instead of failing an attempt), so no event is left `pending` for ever."""
    with transaction.atomic():
        queue_deliveries(orphaned_delivery_ids())


def orphaned_delivery_ids() -> list[int]:
    """Deliveries pending or retrying with no job waiting or running for them."""
    live_job = (
        ProcrastinateJob.objects.filter(task_name=deliver_webhook.name, status__in=LIVE_JOB_STATUSES)
        .annotate(delivery_id=Cast(KT("args__delivery_id"), BigIntegerField()))
        .filter(delivery_id=OuterRef("pk"))
    )
    orphans = WebhookDelivery.objects.filter(
        status__in=[WebhookDelivery.Status.PENDING, WebhookDelivery.Status.RETRYING]
    ).filter(~Exists(live_job))
    return list(orphans.select_for_update(skip_locked=True).values_list("pk", flat=True))


@app.periodic(cron="17 3 * * *", periodic_id="remove-old-jobs")
@app.task(queue=SCAN_QUEUE, queueing_lock="remove-old-jobs", pass_context=True)
async def remove_old_jobs(context: JobContext, timestamp: int) -> None:
    """Delete finished jobs (and their events) older than the retention, whatever their outcome."""
    await builtin_tasks.remove_old_jobs(
        context,
        max_hours=settings.WEBHOOK_LOG_RETENTION_DAYS * 24,
        remove_failed=True,
        remove_cancelled=True,
        remove_aborted=True,
    )


@app.periodic(cron="27 3 * * *", periodic_id="remove-old-deliveries")
@app.task(queue=SCAN_QUEUE, queueing_lock="remove-old-deliveries")
def remove_old_deliveries(timestamp: int) -> None:
    """Delete delivered, failed and cancelled deliveries older than the retention from the log."""
    cutoff = timezone.now() - dt.timedelta(days=settings.WEBHOOK_LOG_RETENTION_DAYS)
    WebhookDelivery.objects.filter(created_at__lt=cutoff).exclude(
        status__in=[WebhookDelivery.Status.PENDING, WebhookDelivery.Status.RETRYING]
    ).delete()


def queue_deliveries(delivery_ids: Iterable[int]) -> None:
    """Queue a job per delivery once the caller's transaction has committed the deliveries."""
    ids = list(delivery_ids)

    def defer() -> None:
        for delivery_id in ids:
            deliver_webhook.defer(delivery_id=delivery_id)

    # After commit, not inside: in the worker, procrastinate defers through its own connection, so a job
    # queued inside the scan's transaction was committed before its delivery row, and a free slot could run
    # it, find no row and succeed without sending (the soak saw 4 of 71 wait for the orphan requeue). A
    # crash between the commit and the defer leaves orphans, which requeue_orphaned_deliveries sends.
    transaction.on_commit(defer)


def request_scan() -> None:
    """Wake the scanner now rather than at the next minute; one waiting scan job is enough."""
    try:
        scan_changes.defer()
    except AlreadyEnqueued:
        logger.debug("A webhook scan is already queued.")
