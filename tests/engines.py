"""The real engines the scale-out tests run against: Debian's redis-server and varnishd, and a streaming
replica made from the embedded Postgres with its own pg_basebackup.

Programs that are missing are installed with apt-get, as tests/e2e does for Chromium; when that cannot be
done the test fails with apt-get's message (never a skip), so a CI run cannot pass on nothing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REDIS_SERVER = Path("/usr/bin/redis-server")
VARNISHD = Path("/usr/sbin/varnishd")
# varnish-modules' xkey, the vmod the shipped VCL imports.
XKEY_VMOD = "libvmod_xkey.so"


def _apt_get(*args: str) -> subprocess.CompletedProcess[str]:
    # Other sessions on the machine may hold the dpkg lock; wait for it rather than fail.
    command = ["apt-get", "-o", "DPkg::Lock::Timeout=600", "-y", *args]
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(command, capture_output=True, text=True, env=environment, check=False)


def ensure_installed(packages: list[str], present: Callable[[], bool]) -> None:
    """Install Debian `packages` with apt-get unless `present()`; a failure (never a skip) when it cannot."""
    if present():
        return
    if shutil.which("apt-get") is None:
        pytest.fail(f"{' '.join(packages)} missing and there is no apt-get to install them.", pytrace=False)
    installed = _apt_get("install", *packages)
    if installed.returncode != 0:
        # A fresh machine has no package lists yet, or stale ones.
        _apt_get("update")
        installed = _apt_get("install", *packages)
    if installed.returncode != 0 or not present():
        pytest.fail(
            f"Could not install Debian's {' '.join(packages)} (apt-get install, run as root):\n"
            f"{installed.stdout[-2000:]}{installed.stderr[-2000:]}",
            pytrace=False,
        )


def xkey_vmod_dir() -> Path | None:
    """The folder holding varnish-modules' xkey vmod, or None when it is not installed."""
    for folder in Path("/usr/lib").glob("*/varnish/vmods"):
        if (folder / XKEY_VMOD).exists():
            return folder
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(ready: Callable[[], bool], what: str, *, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not come up within {seconds} s", pytrace=False)
        time.sleep(0.05)


def _accepts(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def redis_server(directory: Path, *, maxmemory: str = "64mb") -> Iterator[str]:
    """A private redis-server on a free port, configured as README's "Deployment" asks; yields its URL.

    `volatile-ttl` evicts only keys that have a time to live, the shortest-lived first: cached responses and
    counts go before the invalidation marks that outlive them, and the catalogue generation (no TTL) never
    goes, so memory pressure can never end the generation (and empty the cache at once).
    """
    ensure_installed(["redis-server"], REDIS_SERVER.exists)
    port = free_port()
    process = subprocess.Popen(
        [
            str(REDIS_SERVER),
            *("--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory)),
            *("--save", "", "--appendonly", "no", "--daemonize", "no"),
            *("--maxmemory", maxmemory, "--maxmemory-policy", "volatile-ttl"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: _accepts(port), "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def redis_caches(url: str, prefix: str = "cissapi") -> dict[str, dict]:
    """CACHES as cissapi/settings.py builds them when REDIS_URL is `url`."""
    default = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": prefix,
    }
    return {"default": default, "throttle": {**default, "KEY_PREFIX": f"{prefix}:throttle"}}


@contextmanager
def varnish(directory: Path, *, backend: tuple[str, int]) -> Iterator[str]:
    """varnishd running deploy/varnish/default.vcl with its backend pointed at `backend`; yields its URL."""
    ensure_installed(
        ["varnish", "varnish-modules"], lambda: VARNISHD.exists() and xkey_vmod_dir() is not None
    )
    shipped = (Path(__file__).resolve().parent.parent / "deploy" / "varnish" / "default.vcl").read_text()
    host, port = backend
    vcl = shipped.replace('.host = "web";', f'.host = "{host}";').replace(
        '.port = "8000";', f'.port = "{port}";'
    )
    assert vcl != shipped, "the shipped VCL's backend block changed; update tests/engines.py"
    (directory / "default.vcl").write_text(vcl)
    listen = free_port()
    process = subprocess.Popen(
        [
            str(VARNISHD),
            *("-F", "-j", "none", "-n", str(directory / "work")),
            *("-a", f"127.0.0.1:{listen}", "-f", str(directory / "default.vcl")),
            *("-s", "malloc,32m", "-T", "127.0.0.1:0"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(lambda: process.poll() is not None or _accepts(listen), "varnishd")
        if process.poll() is not None:
            pytest.fail(f"varnishd exited:\n{process.stdout.read() if process.stdout else ''}", pytrace=False)
        yield f"http://127.0.0.1:{listen}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _as_postgres_user(command: list[str]) -> list[str]:
    # Postgres refuses to run as root; pgserver runs the embedded server as its `pgserver` user then.
    return ["runuser", "-u", "pgserver", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def streaming_replica(primary_socket_dir: str, directory: Path) -> Iterator[tuple[str, int]]:
    """A hot standby of the embedded Postgres (its own pg_basebackup -R, streaming), on a free port with its
    socket in `directory`; yields (socket directory, port)."""
    from cissapi.embedded_postgres import bin_dir

    programs = bin_dir()
    directory.mkdir(parents=True)
    if os.geteuid() == 0:
        shutil.chown(directory, "pgserver", "pgserver")
    data = directory / "data"
    backup = subprocess.run(
        _as_postgres_user(
            [
                *(str(programs / "pg_basebackup"), "-h", primary_socket_dir, "-U", "postgres"),
                *("-D", str(data), "-R", "-X", "stream", "-c", "fast"),
            ]
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    if backup.returncode != 0:
        pytest.fail(f"pg_basebackup failed:\n{backup.stderr}", pytrace=False)
    port = free_port()
    options = f"-p {port} -k {directory} -c listen_addresses='' -c hot_standby=on"
    ctl = [str(programs / "pg_ctl"), "-D", str(data), "-l", str(directory / "log"), "-w", "-t", "60"]
    started = subprocess.run(
        _as_postgres_user([*ctl, "-o", options, "start"]), capture_output=True, text=True, check=False
    )
    if started.returncode != 0:
        log = (directory / "log").read_text() if (directory / "log").exists() else ""
        pytest.fail(
            f"the replica did not start:\n{started.stdout}{started.stderr}\n{log[-3000:]}", pytrace=False
        )
    try:
        yield str(directory), port
    finally:
        subprocess.run(_as_postgres_user([*ctl, "-m", "immediate", "stop"]), capture_output=True, check=False)
        shutil.rmtree(directory, ignore_errors=True)
