"""`make bench`: the API against the floor on a 100,000-publication catalogue, under gunicorn and wrk.

1. Uses a database of its own (`cissapi_bench` on the embedded server, or BENCH_DATABASE_URL), built once
   with generate_corpus and reused afterwards, so the demo data is never touched.
2. Counts the SQL queries of each benchmarked URL in-process (Django's test client, cache off).
3. Serves, one at a time so they never compete for the cores: the floor (bench/floor.py), ours with the
   cache off (API_CACHE=0) and ours with the cache on (API_CACHE=1), each under gunicorn with one sync
   worker per core, DEBUG off; drives each URL with wrk (16 connections, BENCH_DURATION seconds).
4. Prints one table and writes the same as JSON to bench/results/<timestamp>.json.

Every process it starts is stopped on the way out, whatever happens (finally + SIGINT/SIGTERM handlers).
Environment: BENCH_DURATION (seconds per URL, default 5), BENCH_CONNECTIONS (16), BENCH_PUBLICATIONS
(100000), BENCH_AUTHORS (2000), BENCH_DATABASE_URL.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TypeGuard

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
DURATION = int(os.environ.get("BENCH_DURATION", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
PUBLICATIONS = int(os.environ.get("BENCH_PUBLICATIONS", "100000"))
AUTHORS = int(os.environ.get("BENCH_AUTHORS", "2000"))
WORKERS = os.cpu_count() or 1
COMMON_TERM = "security"
SERVERS = [
    ("ours_cache_off", "cissapi.wsgi:application", {"API_CACHE": "0"}),
    ("ours_cache_on", "cissapi.wsgi:application", {"API_CACHE": "1"}),
    ("floor", "bench.floor:application", {}),
]

_started: list[subprocess.Popen] = []


# --- Processes --------------------------------------------------------------------------------------
def bench_environment() -> dict[str, str]:
    env = {
        **os.environ,
        "DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "cissapi.settings",
        "PYTHONUNBUFFERED": "1",
        # The bench measures the read path, not the anonymous throttle (which would answer 429s).
        "API_THROTTLE_ANON_RATE": "off",
    }
    if os.environ.get("BENCH_DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    else:
        env.pop("DATABASE_URL", None)
        env["EMBEDDED_DB_NAME"] = "cissapi_bench"
    return env


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    # A session of its own, so stopping it takes its children (gunicorn's workers) along.
    with log.open("w") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, start_new_session=True, stdout=output, stderr=subprocess.STDOUT
        )
    _started.append(process)
    return process


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            pass
    if process in _started:
        _started.remove(process)


def stop_all(*_args: object) -> None:
    for process in list(_started):
        stop(process)
    if _args:  # called as a signal handler
        sys.exit(130)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {process.returncode}; see var/bench-*.log")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not start in {timeout} s")


def worker_rss_mb(master: subprocess.Popen) -> float | None:
    """The largest resident set of the gunicorn master's worker processes, in MB."""
    sizes = []
    for task in Path(f"/proc/{master.pid}/task").glob("*/children"):
        for pid in task.read_text().split():
            status = Path(f"/proc/{pid}/status")
            if status.exists() and (match := re.search(r"VmRSS:\s+(\d+) kB", status.read_text())):
                sizes.append(int(match[1]) / 1024)
    return round(max(sizes), 1) if sizes else None


# --- The catalogue ----------------------------------------------------------------------------------
def prepare_database(env: dict[str, str]) -> dict:
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    marker = ROOT / "var" / f"bench_corpus_{env.get('EMBEDDED_DB_NAME', 'url')}.json"
    count = int(
        subprocess.run(
            [PYTHON, "manage.py", "shell", "-c",
             "from publications.models import Publication; print(Publication.objects.count())"],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        ).stdout.split()[-1]
    )  # fmt: skip
    if count:
        corpus = json.loads(marker.read_text()) if marker.exists() else {"publications": count}
        return {**corpus, "reused": True}
    print(f"Building the benchmark catalogue ({PUBLICATIONS:,} publications, once)...", flush=True)
    started = time.monotonic()
    subprocess.run(
        [PYTHON, "manage.py", "generate_corpus", f"--publications={PUBLICATIONS}", f"--authors={AUTHORS}"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    corpus = {
        "publications": PUBLICATIONS,
        "authors": AUTHORS,
        "generate_seconds": round(time.monotonic() - started, 1),
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    marker.parent.mkdir(exist_ok=True)
    marker.write_text(json.dumps(corpus))
    return {**corpus, "reused": False}


def targets_and_query_counts(env: dict[str, str]) -> tuple[list[dict], str]:
    """The benchmarked URLs and the SQL queries each costs ours with the cache off."""
    result = subprocess.run(
        [PYTHON, "-m", "bench.query_counts"],
        cwd=ROOT, env={**env, "API_CACHE": "0"}, check=True, capture_output=True, text=True,
    )  # fmt: skip
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return data["targets"], data["rare_term"]


# --- Load -------------------------------------------------------------------------------------------
def require_wrk() -> str:
    """The wrk binary; without it, say what is missing and stop before any work (installing is yours)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit(
            "make bench needs wrk, the HTTP load generator, and it is not on PATH.\n"
            "Install it (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk), then run make bench."
        )
    return wrk


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def run_wrk(wrk: str, url: str) -> dict:
    output = subprocess.run(
        [
            wrk,
            f"-t{min(WORKERS, 2)}",
            f"-c{CONNECTIONS}",
            f"-d{DURATION}s",
            "--latency",
            "--timeout=10s",
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rps = float(_found(r"Requests/sec:\s+([\d.]+)", output)[1])
    latencies = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    timeouts = re.search(r"timeout (\d+)", output)
    done = int(_found(r"(\d+) requests in", output)[1])
    return {
        "rps": round(rps, 1),
        # No request finished within the run: there is no latency to report, only that it is too slow.
        "p50_ms": to_ms(latencies["50"]) if done else None,
        "p99_ms": to_ms(latencies["99"]) if done else None,
        "errors": int(errors[1]) if errors else 0,
        "timeouts": int(timeouts[1]) if timeouts else 0,
    }


def _found(pattern: str, output: str) -> re.Match[str]:
    """The match of `pattern` in wrk's output, which always has it (the summary lines wrk prints)."""
    match = re.search(pattern, output)
    if match is None:
        raise RuntimeError(f"wrk's output has no {pattern!r}:\n{output}")
    return match


def to_ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if match is None:
        raise RuntimeError(f"wrk printed a latency this does not read: {value!r}")
    number, unit = match.groups()
    return round(float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit], 2)


def measure_server(
    name: str, app: str, extra_env: dict, env: dict, targets: list[dict], wrk: str
) -> float | None:
    port = free_port()
    server = start(
        [PYTHON, "-m", "gunicorn", app, f"--workers={WORKERS}", f"--bind=127.0.0.1:{port}",
         "--worker-class=sync", "--log-level=warning"],
        {**env, **extra_env},
        # Server logs (a 404 per endpoint not built yet, tracebacks) go to a file, not into the table.
        ROOT / "var" / f"bench-{name}.log",
    )  # fmt: skip
    try:
        wait_until_serving(port, server)
        for target in targets:
            url = f"http://127.0.0.1:{port}{target['url']}"
            status = status_of(url)
            if status != 200:
                print(f"  {name:15} {target['name']:28} n/a (HTTP {status})", flush=True)
                target[name] = None
                continue
            for _ in range(3):  # warm the workers' caches and connections
                status_of(url)
            target[name] = run_wrk(wrk, url)
            r = target[name]
            line = f"{r['rps']:8.1f} req/s  p50 {r['p50_ms']} ms  p99 {r['p99_ms']} ms"
            print(f"  {name:15} {target['name']:28} {line}", flush=True)
        return worker_rss_mb(server)
    finally:
        stop(server)


# --- Report -----------------------------------------------------------------------------------------
def clean(result: dict | None) -> TypeGuard[dict]:
    """A run that answered only 2xx within the timeout; anything else is no basis for a ratio."""
    if not result:
        return False
    return result["rps"] > 0 and not result["errors"] and not result.get("timeouts")


def ratio(floor: dict | None, ours: dict | None) -> float | None:
    if clean(floor) and clean(ours):
        return round(floor["rps"] / ours["rps"], 2)
    return None


def table(report: dict) -> str:
    def cell(result: dict | None) -> str:
        if not result:
            return f"{'n/a':>8} {'':>7} {'':>7}"
        p50, p99 = (
            f"{v:7.1f}" if v is not None else f"{'-':>7}" for v in (result["p50_ms"], result["p99_ms"])
        )
        rps = f"{result['rps']:.0f}" + ("" if clean(result) else "!")
        return f"{rps:>8} {p50} {p99}"

    def number(value: float | int | None, width: int) -> str:
        return f"{'n/a' if value is None else value:>{width}}"

    head = (
        f"{'endpoint':34} {'ours, cache off':^24} {'ours, cache on':^24} {'floor':^24} "
        f"{'ratio':>6} {'ratio':>6} {'SQL':>4}\n"
        f"{'':34} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'off':>6} {'on':>6} {'q/r':>4}"
    )
    rows = [
        f"{r['name'][:34]:34} {cell(r.get('ours_cache_off'))} {cell(r.get('ours_cache_on'))} "
        f"{cell(r.get('floor'))} {number(r['ratio_cache_off'], 6)} {number(r['ratio_cache_on'], 6)} "
        f"{number(r['sql_queries'], 4)}"
        for r in report["results"]
    ]
    rss = report["worker_rss_mb"]
    corpus = report["corpus"]
    built = (
        f"generate_corpus took {corpus['generate_seconds']} s"
        if corpus.get("generate_seconds") is not None
        else "generation time not recorded"
    )
    foot = [
        f"Worker RSS after the run (MB): ours cache off {rss['ours_cache_off']}, "
        f"ours cache on {rss['ours_cache_on']}, floor {rss['floor']}",
        f"Catalogue: {corpus['publications']:,} publications "
        f"({'reused' if corpus['reused'] else 'built now'}; {built}). {report['load_generator']}, "
        f"{CONNECTIONS} connections, {DURATION} s per URL, "
        f"{WORKERS} sync workers. ratio = floor req/s / ours (1.0 = as fast as the floor, < 1 faster).",
        "! = some responses were not 2xx or timed out (see the JSON and var/bench-*.log); no ratio then.",
    ]
    return "\n".join([head, "-" * len(head.splitlines()[1]), *rows, "", *foot])


def main() -> None:
    signal.signal(signal.SIGTERM, stop_all)
    signal.signal(signal.SIGINT, stop_all)
    started = time.monotonic()
    wrk = require_wrk()
    try:
        env = bench_environment()
        corpus = prepare_database(env)
        targets, rare = targets_and_query_counts(env)
        print(f"Load: wrk; rare term {rare!r}.", flush=True)
        rss = {}
        for name, app, extra in SERVERS:
            print(f"Serving {name} ...", flush=True)
            rss[name] = measure_server(name, app, extra, env, targets, wrk)
    finally:
        stop_all()
    for target in targets:
        target["ratio_cache_off"] = ratio(target.get("floor"), target.get("ours_cache_off"))
        target["ratio_cache_on"] = ratio(target.get("floor"), target.get("ours_cache_on"))
    report = {
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "workers": WORKERS},
        "load_generator": "wrk",
        "connections": CONNECTIONS,
        "duration_seconds_per_url": DURATION,
        "corpus": corpus,
        "results": targets,
        "worker_rss_mb": rss,
        "bench_seconds": round(time.monotonic() - started, 1),
    }
    print()
    print(table(report))
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"\nWritten to {path.relative_to(ROOT)} ({report['bench_seconds']} s in all).")


if __name__ == "__main__":
    main()
