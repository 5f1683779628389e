"""Run the project's commands in a child process against the test database, as a deployment would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)


def database_url(name: str | None = None) -> str:
    """A DATABASE_URL for the test database's server (database `name`, else the test database itself)."""
    db = connection.settings_dict
    # A socket directory (the embedded server) goes in the host part, percent-encoded.
    host = quote(db["HOST"], safe="") if db["HOST"].startswith("/") else db["HOST"]
    port = f":{db['PORT']}" if db["PORT"] else ""
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgres://{quote(db['USER'], safe='')}{password}@{host}{port}/{name or db['NAME']}"


def child_environment(**overrides: str) -> dict[str, str]:
    """A clean environment: the PATH and the test database, plus `overrides`; nothing else leaks in."""
    return {
        "PATH": os.environ["PATH"],
        "DATABASE_URL": database_url(),
        "XDG_RUNTIME_DIR": "/tmp",
        **overrides,
    }


def manage(*args: str, env: dict[str, str], **kwargs: Any) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, **kwargs
    )
