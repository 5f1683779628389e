"""`make soak`: a long mixed run against gunicorn with the response cache on, checked for errors and leaks.

For SOAK_SECONDS (default 600) on a catalogue of its own (`cissapi_soak`, SOAK_PUBLICATIONS pieces, built
with generate_corpus and dropped after unless SOAK_KEEP=1):

- reads: wrk drives zipf-distributed GETs over the API (lists, filters, search, details, authors), the
  feeds and the public site, and counts every response status;
- edits: every SOAK_EDIT_INTERVAL seconds one piece is updated, unpublished, published again or scheduled,
  through the services as the admin does (so readers meet 404s for the pieces taken down: expected);
- webhooks: a partner's subscription points at a receiver in this process; the procrastinate worker
  (`manage.py webhook_worker`) delivers every change to it, and each POST's signature is checked;
- samples every SAMPLE_SECONDS: the gunicorn workers' and the webhook worker's RSS (each web worker's early
  hits capped by PROCESS_BYTES, set low so the layer is full after the warm-up), the cache table's rows
  (capped by CACHE_MAX_ENTRIES, set low here so culling happens), procrastinate's job and event rows.

It prints a report, writes it to bench/results/<timestamp>-soak.txt, and exits 1 if a check failed:
no response outside 2xx/3xx/404/410 and no socket error; every edit done; every delivery delivered and
received once with a valid signature; RSS growth after the warm-up within RSS_GROWTH_MB; the cache rows
within their cap; unfinished jobs within JOB_BACKLOG at every sample and none left after the drain, and
no more jobs created than the work asks for (finished jobs are kept WEBHOOK_LOG_RETENTION_DAYS and removed
by the daily remove_old_jobs, which a 10-minute run never reaches).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.run import (
    PYTHON,
    RESULTS,
    ROOT,
    ZIPF_SCRIPT,
    _found,
    bench_environment,
    drop_database,
    free_port,
    require_wrk,
    start,
    status_of,
    stop_all,
    to_ms,
    wait_until_serving,
)

SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
PUBLICATIONS = int(os.environ.get("SOAK_PUBLICATIONS", "10000"))
EDIT_INTERVAL = float(os.environ.get("SOAK_EDIT_INTERVAL", "5"))
CONNECTIONS = int(os.environ.get("SOAK_CONNECTIONS", "8"))
DATABASE = "cissapi_soak"
SAMPLE_SECONDS = 10
GUNICORN_WORKERS = 2
# Low enough that the zipf mix's URLs overflow it within a minute, so the cull runs all along.
CACHE_MAX_ENTRIES = 1000
# Each web worker's early hits (cissapi/early_hits.py), likewise: bounded by bytes, filled within the warm-up
# and evicting all along, so growth after it is a leak, not the layer filling to its bound. At the 32 MB
# default the zipf tail fills it for the whole run: 31 MB of "growth" in 20261130T141702Z-soak.txt.
PROCESS_BYTES = 2 * 1024 * 1024
# Slack over the cap: each of the gunicorn workers' threads may add one entry between a cull and its set.
CACHE_SLACK = 16
# A process may grow while it warms (code, templates, connections): RSS is compared from this point on.
WARM_UP_FRACTION = 0.2
RSS_GROWTH_MB = 24.0
JOB_BACKLOG = 50
# Long enough for requeue_orphaned_deliveries (every 5 minutes) to pick up a delivery its job left behind.
DRAIN_SECONDS = 360
ALLOWED_STATUSES = range(200, 400)
# Pieces the editor takes down (404) and withdrawn ones (410) are expected answers, not errors.
EXPECTED_MISSING = {404, 410}

# The edit mix's zipf reads (bench/run.py), each thread counting the statuses it saw, printed at the end.
WRK_SCRIPT = (
    ZIPF_SCRIPT
    + """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      io.write(string.format("status %%d %%d\\n", status, count))
    end
  end
end
"""
)


@dataclass
class Samples:
    """What the sampler saw, one list entry per sample."""

    at: list[float] = field(default_factory=list)
    web_rss: list[float] = field(default_factory=list)
    worker_rss: list[float] = field(default_factory=list)
    cache_rows: list[int] = field(default_factory=list)
    jobs: list[int] = field(default_factory=list)
    unfinished_jobs: list[int] = field(default_factory=list)
    events: list[int] = field(default_factory=list)


@dataclass
class Receiver:
    """The partner's end: checks each delivery's signature and remembers the delivery ids it got."""

    secret: str = ""
    received: Counter = field(default_factory=Counter)
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, headers: dict[str, str], body: bytes) -> int:
        expected = hmac.new(
            self.secret.encode(), f"{headers.get('X-CISS-Timestamp', '')}.".encode() + body, hashlib.sha256
        ).hexdigest()
        with self.lock:
            if not hmac.compare_digest(f"sha256={expected}", headers.get("X-CISS-Signature", "")):
                self.bad_signatures += 1
                return 400
            self.received[headers.get("X-CISS-Delivery", "")] += 1
        return 204


def serve_receiver(receiver: Receiver) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(receiver.handle(dict(self.headers.items()), body))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the report counts the deliveries."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True).start()
    return server


# --- Processes --------------------------------------------------------------------------------------
def children(pid: int) -> list[int]:
    return [int(c) for task in Path(f"/proc/{pid}/task").glob("*/children") for c in task.read_text().split()]


def rss_mb(pids: list[int]) -> float:
    """The largest resident set among `pids`, in MB (0 when none is alive)."""
    sizes = [0.0]
    for pid in pids:
        status = Path(f"/proc/{pid}/status")
        try:
            if match := re.search(r"VmRSS:\s+(\d+) kB", status.read_text()):
                sizes.append(int(match[1]) / 1024)
        except OSError:  # exited between the listing and the read
            continue
    return round(max(sizes), 1)


# --- The catalogue and what reads ask for ----------------------------------------------------------
def prepare() -> dict:
    """The soak catalogue (built now if empty), a partner's webhook to the receiver, and the URLs."""
    from django.core.management import call_command

    from authors.models import Author
    from partners.models import Partner, WebhookSubscription
    from publications.models import Publication
    from taxonomy.models import Topic
    from tooling.corpus import generate_corpus

    call_command("migrate", "--noinput", verbosity=0)
    built = None
    if not Publication.objects.exists():
        started = time.monotonic()
        generate_corpus(publications=PUBLICATIONS, authors=max(PUBLICATIONS // 20, 10))
        built = round(time.monotonic() - started, 1)
    partner, _ = Partner.objects.get_or_create(name="Soak partner")
    partner.webhooks.all().delete()
    live = Publication.objects.published().order_by("-published_at", "-id")
    slugs = list(live.values_list("slug", flat=True)[:1000])
    topics = list(Topic.objects.order_by("slug").values_list("slug", flat=True))
    authors = list(Author.objects.order_by("id").values_list("slug", flat=True)[:50])
    api = "/api/v1/publications/"
    # Most asked for first (zipf ranks): front pages and feeds, filters and search, then pieces newest first.
    front = [api, "/feeds/json/", "/", "/publications/", "/feeds/rss/", "/feeds/atom/"]
    front += [f"{api}?page={n}" for n in range(2, 6)]
    lists = [f"{api}?topic={slug}" for slug in topics] + [f"/topics/{slug}/" for slug in topics]
    lists += [f"{api}?q={word}" for word in ("security", "nuclear", "pakistan", "climate", "trade")]
    lists += ["/search/?q=security", f"/feeds/topics/{topics[0]}/json/"]
    people = [url for slug in authors for url in (f"/api/v1/authors/{slug}/", f"/authors/{slug}/")]
    pieces = [url for slug in slugs for url in (f"{api}{slug}/", f"/publications/{slug}/")]
    pieces += [f"{api}?page={n}" for n in range(6, 56)]
    return {
        "urls": front + lists + people[:20] + pieces[:400] + people[20:] + pieces[400:],
        # Pieces with no PDF: the corpus names PDF files it does not write, and a save reads the file's size.
        "edit_pool": list(live.filter(pdf="").values_list("pk", flat=True)[:200]),
        "partner": partner,
        "subscription_model": WebhookSubscription,
        "built_seconds": built,
        "publications": Publication.objects.count(),
    }


# --- Edits ------------------------------------------------------------------------------------------
class Editor:
    """One edit per call, through the services, cycling update / unpublish / publish / unpublish /
    schedule, so every piece taken down comes back (at once, or at its scheduled time)."""

    CYCLE = ("update", "unpublish", "publish", "unpublish", "schedule")

    def __init__(self, pool: list[int]) -> None:
        self.pool = pool
        self.done: Counter = Counter()
        self.failures: list[str] = []
        self.step = 0
        self.picked = 0
        self.down: int | None = None  # the piece last taken down, which publish or schedule brings back

    def edit(self) -> None:
        from publications.models import Publication
        from publications.services import (
            publication_publish,
            publication_schedule,
            publication_unpublish,
            publication_update,
        )

        action = self.CYCLE[self.step % len(self.CYCLE)]
        self.step += 1
        if action in ("update", "unpublish") or self.down is None:
            pk = self.pool[self.picked % len(self.pool)]
            self.picked += 1
        else:
            pk = self.down
        try:
            publication = Publication.objects.get(pk=pk)
            if action == "update":
                publication.summary = f"{publication.summary.split(' (soak')[0]} (soak {self.step})"
                publication_update(publication=publication)
            elif action == "unpublish":
                publication_unpublish(publication=publication)
                self.down = pk
            elif action == "publish":
                publication_publish(publication=publication)
            else:
                at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2 * EDIT_INTERVAL)
                publication_schedule(publication=publication, by=None, at=at)
            self.done[action] += 1
        except Exception as error:  # every failure is reported and fails the run
            self.failures.append(f"{action} {pk}: {error!r}")


# --- Sampling ---------------------------------------------------------------------------------------
def sample(samples: Samples, started: float, web: subprocess.Popen, worker: subprocess.Popen) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cissapi_cache")
        cache_rows = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE status IN ('todo', 'doing')) FROM procrastinate_jobs"
        )
        jobs, unfinished = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM procrastinate_events")
        events = cursor.fetchone()[0]
    samples.at.append(round(time.monotonic() - started))
    samples.web_rss.append(rss_mb(children(web.pid)))
    # webhook_worker supervises the procrastinate worker, its child: the one that runs the jobs.
    samples.worker_rss.append(rss_mb(children(worker.pid)))
    samples.cache_rows.append(cache_rows)
    samples.jobs.append(jobs)
    samples.unfinished_jobs.append(unfinished)
    samples.events.append(events)


# --- Checks and report ------------------------------------------------------------------------------
def rss_check(name: str, values: list[float]) -> tuple[str, bool]:
    """first (after the warm-up) / last / max, and whether the growth stayed within RSS_GROWTH_MB."""
    warm = values[min(int(len(values) * WARM_UP_FRACTION), len(values) - 1) :]
    growth = round(warm[-1] - warm[0], 1)
    ok = warm[0] > 0 and growth <= RSS_GROWTH_MB
    line = (
        f"{name} RSS MB: first {values[0]}, after warm-up {warm[0]}, last {warm[-1]}, max {max(values)}; "
        f"growth after warm-up {growth} (bound {RSS_GROWTH_MB})"
    )
    return line, ok


def checks(result: dict) -> list[tuple[str, bool]]:
    """Each check as (what it says, passed)."""
    reads, samples, editor = result["reads"], result["samples"], result["editor"]
    statuses: Counter = reads["statuses"]
    unexpected = {
        s: n for s, n in statuses.items() if s not in ALLOWED_STATUSES and s not in EXPECTED_MISSING
    }
    deliveries = result["deliveries"]
    received = result["received"]
    minutes = SECONDS / 60 + DRAIN_SECONDS / 60
    job_bound = deliveries["total"] + sum(editor.done.values()) + int(4 * minutes) + 5
    added_jobs = samples.jobs[-1] - samples.jobs[0]
    return [
        (
            f"reads: {reads['requests']:,} requests, statuses {dict(sorted(statuses.items()))}, "
            f"unexpected {unexpected or 'none'}, socket errors {reads['socket_errors'] or 'none'}",
            reads["requests"] > 0 and not unexpected and not reads["socket_errors"],
        ),
        (
            f"edits: {dict(editor.done)}, failures {editor.failures or 'none'}",
            sum(editor.done.values()) > 0 and not editor.failures,
        ),
        (
            f"webhooks: {result['changes']} changes ({result['effective_changes']} effective), "
            f"{deliveries['total']} deliveries {deliveries['by_status']}; received "
            f"{len(received)} distinct ({sum(received.values())} POSTs), bad signatures "
            f"{result['bad_signatures']}",
            deliveries["total"] > 0
            and deliveries["total"] == result["changes"] == result["effective_changes"]
            and deliveries["by_status"] == {"delivered": deliveries["total"]}
            and set(received) == set(deliveries["uuids"])
            and not result["bad_signatures"],
        ),
        rss_check("web workers' (largest)", samples.web_rss),
        rss_check("webhook worker", samples.worker_rss),
        (
            f"cache table rows: max {max(samples.cache_rows)}, last {samples.cache_rows[-1]} "
            f"(cap CACHE_MAX_ENTRIES {CACHE_MAX_ENTRIES} + {CACHE_SLACK})",
            max(samples.cache_rows) <= CACHE_MAX_ENTRIES + CACHE_SLACK,
        ),
        (
            f"jobs: unfinished max {max(samples.unfinished_jobs)} (bound {JOB_BACKLOG}), after the drain "
            f"{samples.unfinished_jobs[-1]}; rows {samples.jobs[0]} -> {samples.jobs[-1]} (+{added_jobs}, "
            f"bound +{job_bound}: one per delivery, a scan per edit, the periodic tasks); events "
            f"{samples.events[0]} -> {samples.events[-1]}",
            max(samples.unfinished_jobs) <= JOB_BACKLOG
            and samples.unfinished_jobs[-1] == 0
            and added_jobs <= job_bound,
        ),
    ]


def report(result: dict) -> tuple[str, bool]:
    samples = result["samples"]
    results = checks(result)
    reads = result["reads"]
    lines = [
        f"make soak: {SECONDS} s on {result['publications']:,} publications "
        f"({'built in ' + str(result['built_seconds']) + ' s' if result['built_seconds'] else 'reused'}), "
        f"gunicorn {GUNICORN_WORKERS} workers with the response cache on, wrk {CONNECTIONS} connections over "
        f"{result['urls']} URLs (zipf), an edit every {EDIT_INTERVAL:g} s, webhooks to a local receiver; "
        f"bounds set low so they are reached early: {CACHE_MAX_ENTRIES} cache rows, "
        f"{PROCESS_BYTES // 1024 // 1024} MB of early hits per web worker.",
        f"Reads: {reads['rps']} req/s, p50 {reads['p50_ms']} ms, p99 {reads['p99_ms']} ms.",
        "",
    ]
    lines += [f"[{'ok' if ok else 'FAILED'}] {text}" for text, ok in results]
    lines += [f"  {line}" for line in result.get("odd_deliveries", [])]
    lines += ["", "Samples (s: web RSS, worker RSS, cache rows, jobs, unfinished jobs, events):"]
    lines += [
        f"  {at:>5}: {web:6.1f} {worker:6.1f} {cache:6} {jobs:6} {unfinished:4} {events:7}"
        for at, web, worker, cache, jobs, unfinished, events in zip(
            samples.at, samples.web_rss, samples.worker_rss, samples.cache_rows, samples.jobs,
            samples.unfinished_jobs, samples.events, strict=True,
        )
    ]  # fmt: skip
    lines += [
        "",
        f"Load average before / after: {result['load_before']} / {result['load_after']} "
        f"({os.cpu_count()} cores; other work on the machine shares them).",
    ]
    passed = all(ok for _, ok in results)
    lines.append("PASSED" if passed else "FAILED")
    return "\n".join(lines), passed


# --- The run ----------------------------------------------------------------------------------------
def run_wrk_output(output: str) -> dict:
    """Requests, statuses, socket errors and latencies from wrk's output with WRK_SCRIPT's status lines."""
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    latencies = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, re.MULTILINE))
    statuses: Counter = Counter()
    for status, count in re.findall(r"^status (\d+) (\d+)$", output, re.MULTILINE):  # a line per wrk thread
        statuses[int(status)] += int(count)
    return {
        "requests": int(_found(r"(\d+) requests in", output)[1]),
        "rps": float(_found(r"Requests/sec:\s+([\d.]+)", output)[1]),
        "statuses": statuses,
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
        "p50_ms": to_ms(latencies["50"]) if "50" in latencies else None,
        "p99_ms": to_ms(latencies["99"]) if "99" in latencies else None,
    }


def main() -> int:
    signal.signal(signal.SIGTERM, stop_all)
    signal.signal(signal.SIGINT, stop_all)
    wrk = require_wrk()
    receiver = Receiver()
    hook_server = serve_receiver(receiver)
    env = {
        **bench_environment(DATABASE),
        "API_CACHE": "1",
        "API_CACHE_COUNTS": "1",
        "CACHE_MAX_ENTRIES": str(CACHE_MAX_ENTRIES),
        "API_CACHE_PROCESS_BYTES": str(PROCESS_BYTES),
        # The receiver is on this machine, over plain http.
        "WEBHOOK_ALLOW_HTTP": "1",
        "WEBHOOK_ALLOW_PRIVATE_NETWORKS": "1",
        "WEBHOOK_RETRY_BASE_SECONDS": "1",
    }
    env.pop("REDIS_URL", None)  # the bounds checked are the database cache table's
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection

    from partners.models import WebhookDelivery
    from partners.webhooks import webhook_scan_changes
    from publications.models import PublicationChange

    load_before = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"Preparing {DATABASE} ...", flush=True)
    setup = prepare()
    subscription = setup["subscription_model"](
        partner=setup["partner"], url=f"http://127.0.0.1:{hook_server.server_port}/hook"
    )
    subscription.save()
    receiver.secret = subscription.secret
    # The first scan only places the scanner's cursor at the present; do it now, so the first edit is sent.
    webhook_scan_changes()
    first_delivery = WebhookDelivery.objects.order_by("-id").values_list("id", flat=True).first() or 0
    first_change = PublicationChange.objects.order_by("-id").values_list("id", flat=True).first() or 0
    script = ROOT / "var" / "soak-zipf.lua"
    script.write_text(WRK_SCRIPT % {"paths": ", ".join(json.dumps(url) for url in setup["urls"])})
    port = free_port()
    try:
        web = start(
            [PYTHON, "-m", "gunicorn", "cissapi.wsgi:application", f"--workers={GUNICORN_WORKERS}",
             f"--bind=127.0.0.1:{port}", "--log-level=warning", "--access-logfile=-"],
            env, ROOT / "var" / "soak-web.log",
        )  # fmt: skip
        worker = start([PYTHON, "manage.py", "webhook_worker"], env, ROOT / "var" / "soak-worker.log")
        wait_until_serving(port, web)
        for url in setup["urls"][:20]:  # both workers loaded and answering before the clock starts
            status_of(f"http://127.0.0.1:{port}{url}")
        print(f"Soaking for {SECONDS} s (port {port}) ...", flush=True)
        started = time.monotonic()
        reads = start(
            [wrk, "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", "--timeout=10s", "-s", str(script),
             f"http://127.0.0.1:{port}"],
            env, ROOT / "var" / "soak-wrk.log",
        )  # fmt: skip
        editor = Editor(setup["edit_pool"])
        samples = Samples()
        next_edit, next_sample = started + EDIT_INTERVAL, started
        while time.monotonic() - started < SECONDS:
            now = time.monotonic()
            if now >= next_sample:
                sample(samples, started, web, worker)
                next_sample += SAMPLE_SECONDS
            if now >= next_edit:
                editor.edit()
                next_edit += EDIT_INTERVAL
            time.sleep(0.2)
        reads.wait(timeout=60)
        print("Reads done; waiting for the webhook deliveries to drain ...", flush=True)
        deadline = time.monotonic() + DRAIN_SECONDS
        deliveries = WebhookDelivery.objects.filter(id__gt=first_delivery)
        # Every change the edits made, once effective (a scheduled go-live at its time), is one delivery.
        changes = PublicationChange.objects.filter(id__gt=first_change)
        while time.monotonic() < deadline:
            pending = deliveries.exclude(status=WebhookDelivery.Status.DELIVERED).exists()
            pending = pending or deliveries.count() < changes.count()
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')")
                if not pending and not cursor.fetchone()[0]:
                    break
            time.sleep(1)
        sample(samples, started, web, worker)
    finally:
        stop_all()
        hook_server.shutdown()
    by_status = Counter(deliveries.values_list("status", flat=True))
    # Each delivery's jobs (statuses in order; a retry reuses its job): a second one means the first ended
    # without sending it and the 5-minute orphan requeue sent it; those and the undelivered are listed.
    jobs: dict[int, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (args->>'delivery_id')::bigint, status FROM procrastinate_jobs "
            "WHERE task_name LIKE %s AND (args->>'delivery_id')::bigint > %s ORDER BY id",
            ["%deliver_webhook", first_delivery],
        )
        for delivery_id, status in cursor.fetchall():
            jobs.setdefault(delivery_id, []).append(status)
    odd = [
        f"delivery {pk} ({status}, {attempts} attempts, created {created:%H:%M:%S}, "
        f"last {last_response!r:.80}): jobs {jobs.get(pk, [])}"
        for pk, status, attempts, created, last_response in deliveries.order_by("id").values_list(
            "id", "status", "attempts", "created_at", "last_response"
        )
        if status != WebhookDelivery.Status.DELIVERED or len(jobs.get(pk, [])) != 1
    ]
    result = {
        "reads": run_wrk_output((ROOT / "var" / "soak-wrk.log").read_text()),
        "samples": samples,
        "editor": editor,
        "changes": changes.count(),
        "effective_changes": changes.effective().count(),
        "deliveries": {
            "total": deliveries.count(),
            "by_status": dict(by_status),
            "uuids": [str(u) for u in deliveries.values_list("uuid", flat=True)],
        },
        "odd_deliveries": odd,
        "received": receiver.received,
        "bad_signatures": receiver.bad_signatures,
        "urls": len(setup["urls"]),
        "publications": setup["publications"],
        "built_seconds": setup["built_seconds"],
        "load_before": load_before,
        "load_after": " ".join(f"{v:.2f}" for v in os.getloadavg()),
    }
    connection.close()
    if os.environ.get("SOAK_KEEP") != "1":
        drop_database(DATABASE)
    text, passed = report(result)
    print()
    print(text)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}-soak.txt"
    path.write_text(text + "\n")
    print(f"\nWritten to {path.relative_to(ROOT)}.")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
