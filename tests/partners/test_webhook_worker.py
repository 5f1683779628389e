"""The supervised worker: `manage.py webhook_worker` restarts a worker that dies, and `--check` tells."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from procrastinate.contrib.django.models import ProcrastinateWorker

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_a_killed_worker_is_restarted_and_the_check_follows_its_heartbeat():
    with pytest.raises(CommandError):
        call_command("webhook_worker", check=True)

    # The supervisor and its worker use this test database (the embedded server is already running).
    environment = {**os.environ, "EMBEDDED_DB_NAME": connection.settings_dict["NAME"]}
    supervisor = subprocess.Popen(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "webhook_worker"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for(lambda: ProcrastinateWorker.objects.exists())
        call_command("webhook_worker", check=True)
        (first_worker,) = children(supervisor.pid)

        os.kill(first_worker, signal.SIGKILL)
        wait_for(lambda: children(supervisor.pid) not in ([], [first_worker]))
        first_id = ProcrastinateWorker.objects.order_by("pk").values_list("pk", flat=True).first()
        wait_for(lambda: ProcrastinateWorker.objects.filter(pk__gt=first_id).exists())
    finally:
        supervisor.send_signal(signal.SIGTERM)
        _, errors = supervisor.communicate(timeout=60)

    assert supervisor.returncode == 0
    assert b"The webhook worker exited with status -9; restarting it in 1 s." in errors
