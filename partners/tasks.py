"""Worker jobs (procrastinate, in Postgres): scanning the change log and sending webhook deliveries.

Run the worker with `python manage.py procrastinate worker`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from procrastinate import JobContext, RetryDecision
from procrastinate.contrib.django import app
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Job
from procrastinate.retry import BaseRetryStrategy

from partners.webhooks import WebhookDeliveryError, webhook_attempt, webhook_scan_changes

logger = logging.getLogger(__name__)
QUEUE = "webhooks"
SCAN_LOCK = "webhook-scan"


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


@app.task(queue=QUEUE, queueing_lock=SCAN_LOCK)
def scan_changes() -> None:
    """Turn newly effective changes into deliveries and queue them, in one transaction."""
    with transaction.atomic():
        queue_deliveries(webhook_scan_changes())


@app.periodic(cron="* * * * *", periodic_id="scan")
@app.task(queue=QUEUE, queueing_lock=SCAN_LOCK + "-periodic")
def scan_changes_every_minute(timestamp: int) -> None:
    """Catches scheduled go-lives (effective at a time no write marks) within a minute of their time."""
    with transaction.atomic():
        queue_deliveries(webhook_scan_changes())


def queue_deliveries(delivery_ids: Iterable[int]) -> None:
    """Queue a job per delivery (inside the caller's transaction: the queue is in the same database)."""
    for delivery_id in delivery_ids:
        deliver_webhook.defer(delivery_id=delivery_id)


def request_scan() -> None:
    """Wake the scanner now rather than at the next minute; one waiting scan job is enough."""
    try:
        scan_changes.defer()
    except AlreadyEnqueued:
        logger.debug("A webhook scan is already queued.")
