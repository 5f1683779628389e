"""`manage.py webhook_worker`: the procrastinate worker, restarted with backoff whenever it exits.

The worker exits on a lost database connection (a restart of Postgres, a network blip) and on crashes;
nothing else would bring it back under `make run`. `--check` is the health check: it succeeds when some
worker sent procrastinate a heartbeat recently (docker-compose's `worker` service uses it).
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateWorker

logger = logging.getLogger(__name__)
FIRST_BACKOFF_SECONDS = 1
MAX_BACKOFF_SECONDS = 60
# A worker that ran this long was healthy: its next crash restarts it at once again, not after a long wait.
HEALTHY_RUN_SECONDS = 60
# Workers beat every 10 s; procrastinate itself calls a worker stalled after 30 s without a beat.
HEARTBEAT_FRESH_SECONDS = 30


class Command(BaseCommand):
    help = "Run the webhook worker and restart it with backoff when it exits; --check reports its health."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help=f"Exit 0 if a worker sent a heartbeat in the last {HEARTBEAT_FRESH_SECONDS} s, else 1.",
        )

    def handle(self, *args, check: bool, **options) -> None:
        if check:
            cutoff = timezone.now() - dt.timedelta(seconds=HEARTBEAT_FRESH_SECONDS)
            if not ProcrastinateWorker.objects.filter(last_heartbeat__gte=cutoff).exists():
                raise CommandError(f"No worker heartbeat in the last {HEARTBEAT_FRESH_SECONDS} s.")
            self.stdout.write("A worker is alive.")
            return
        manage_py = Path(settings.BASE_DIR) / "manage.py"
        concurrency = str(settings.WEBHOOK_WORKER_CONCURRENCY)
        supervise([sys.executable, str(manage_py), "procrastinate", "worker", "--concurrency", concurrency])


def supervise(command: list[str]) -> None:
    """Run `command` until SIGTERM or SIGINT, restarting it after 1, 2, 4, ... 60 s when it exits."""
    stopping = threading.Event()
    child: subprocess.Popen | None = None

    def stop(signum: int, frame: object) -> None:
        stopping.set()
        if child is not None and child.poll() is None:
            child.send_signal(signum)  # The worker finishes its jobs and stops on SIGTERM or SIGINT.

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    backoff = FIRST_BACKOFF_SECONDS
    while not stopping.is_set():
        started = time.monotonic()
        child = subprocess.Popen(command)
        status = child.wait()
        if stopping.is_set():
            break
        if time.monotonic() - started >= HEALTHY_RUN_SECONDS:
            backoff = FIRST_BACKOFF_SECONDS
        logger.error("The webhook worker exited with status %s; restarting it in %s s.", status, backoff)
        stopping.wait(backoff)
        backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
