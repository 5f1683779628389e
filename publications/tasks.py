"""Worker jobs of publications (procrastinate; `manage.py webhook_worker` runs every queue): rebuilding
the related candidates that writes staled (publications.related)."""

from __future__ import annotations

import logging

from django.db import transaction
from procrastinate.contrib.django import app
from procrastinate.exceptions import AlreadyEnqueued

from publications.related import related_candidates_rebuild_missing

logger = logging.getLogger(__name__)
RELATED_QUEUE = "related"
RELATED_LOCK = "related-rebuild"


# `lock`: one rebuild runs at a time and the others wait as jobs, not in worker slots. Without it each edit
# queued a rebuild that started while the last one ran and then waited on the rebuild's advisory lock: on
# a busy machine every slot of the worker waited so, and webhook deliveries starved (a soak found it).
@app.task(queue=RELATED_QUEUE, queueing_lock=RELATED_LOCK, lock=RELATED_LOCK)
def rebuild_related() -> None:
    """Rebuild every missing row of related candidates (staled by writes, or never built)."""
    related_candidates_rebuild_missing()


# A safety net for writes made while no worker listened, or a job lost: missing rows are read live meanwhile.
@app.periodic(cron="*/5 * * * *", periodic_id="rebuild-related")
@app.task(queue=RELATED_QUEUE, queueing_lock=RELATED_LOCK + "-periodic", lock=RELATED_LOCK)
def rebuild_related_periodically(timestamp: int) -> None:
    related_candidates_rebuild_missing()


def request_related_rebuild() -> None:
    """After the current transaction commits, have the worker rebuild what it staled; one waiting job is
    enough (it rebuilds every missing row, whoever staled it), so a transaction queues it once."""
    connection = transaction.get_connection()
    if not any(queued is _defer_rebuild for _, queued, _ in connection.run_on_commit):
        transaction.on_commit(_defer_rebuild)


def _defer_rebuild() -> None:
    try:
        # A savepoint: the queueing lock's conflict must not abort a transaction still open (a test's).
        with transaction.atomic():
            rebuild_related.defer()
    except AlreadyEnqueued:
        logger.debug("A related rebuild is already queued.")
