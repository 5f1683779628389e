"""Snapshot every public endpoint's answer, to compare two versions of the code byte for byte.

    .venv/bin/python -m bench.snapshot OUT.jsonl [--at 2026-11-30T12:00:00Z]
    .venv/bin/python -m bench.snapshot --diff BEFORE.jsonl AFTER.jsonl

The crawl knows only public URLs: it starts at the API index and finds every publication, author, topic,
series and outlet by walking the lists, so it runs unchanged against code whose modules moved. Each answer
is recorded with its status, the headers a client or CDN acts on and a hash of its body; `--diff` names
every URL whose record differs. Time is frozen at `--at` (default: now, rounded to the minute) so scheduled
pieces and the news sitemap's window are the same in both runs when the same moment is passed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

HEADERS = ("Content-Type", "Link", "Surrogate-Key", "Last-Modified", "Cache-Control", "Vary", "ETag")
COLLECTIONS = ("publications", "authors", "topics", "series", "outlets")
FEED_FORMATS = ("rss", "atom", "json")
LIST_VARIANTS = (
    "",
    "?page=2",
    "?page_size=5",
    "?mode=cursor&page_size=7",
    "?ordering=title",
    "?ordering=-updated",
    "?fields=slug,title",
    "?fields=slug,authors,topics",
    "?q=nuclear",
    "?q=pakistan%20security",
    "?type=policy_paper",
    "?language=en",
    "?published_after=2020-01-01",
)


def _slugs(client, collection: str) -> list[str]:
    slugs: list[str] = []
    url: str | None = f"/api/v1/{collection}/?mode=cursor&page_size=100&fields=slug"
    if collection != "publications":
        url = f"/api/v1/{collection}/?mode=cursor&page_size=100"
    while url:
        body = client.get(url).json()
        slugs += [item["slug"] for item in body["results"]]
        url = body.get("next")
    return slugs


def urls(client) -> Iterator[str]:
    """Every public URL worth comparing, discovered through the API itself."""
    yield "/api/v1/"
    yield "/api/v1/schema/?format=json"
    yield "/api/v1/changes/"
    for variant in LIST_VARIANTS:
        yield f"/api/v1/publications/{variant}"
    found = {collection: _slugs(client, collection) for collection in COLLECTIONS}
    for collection in COLLECTIONS[1:]:
        yield f"/api/v1/{collection}/"
    for slug in found["publications"]:
        yield f"/api/v1/publications/{slug}/"
        yield f"/api/v1/publications/{slug}/?fields=slug,title,related"
    for collection in COLLECTIONS[1:]:
        for slug in found[collection]:
            yield f"/api/v1/{collection}/{slug}/"
            yield f"/api/v1/{collection}/{slug}/publications/"
    for fmt in FEED_FORMATS:
        yield f"/feeds/{fmt}/"
        yield f"/feeds/{fmt}/?full=1"
        for collection, prefix in (("authors", "authors"), ("topics", "topics"), ("series", "series")):
            for slug in found[collection]:
                yield f"/feeds/{prefix}/{slug}/{fmt}/"
        for kind in ("commentary", "issue_brief", "policy_paper", "journal_article"):
            yield f"/feeds/types/{kind}/{fmt}/"
    yield "/sitemap.xml"
    for section in ("publications", "authors", "topics"):
        yield f"/sitemap-{section}.xml"
    yield "/sitemap-news.xml"


def record(client, url: str) -> dict:
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return {
        "url": url,
        "status": response.status_code,
        "headers": {name: response.headers.get(name) for name in HEADERS if name in response.headers},
        "sha256": hashlib.sha256(body).hexdigest(),
        "body": body.decode("utf-8", "replace"),
    }


def snapshot(out: Path, at: datetime) -> int:
    import django
    import time_machine

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cissapi.settings")
    os.environ["API_CACHE"] = "0"
    os.environ["API_CACHE_COUNTS"] = "0"
    os.environ["API_THROTTLE_ANON_RATE"] = "off"
    django.setup()
    from django.test import Client

    with time_machine.travel(at, tick=False):
        # A host every configuration allows; links in bodies are built on it (or on SITE_URL).
        client = Client(HTTP_HOST="127.0.0.1:8000")
        count = 0
        with out.open("w") as handle:
            for url in urls(client):
                handle.write(json.dumps(record(client, url)) + "\n")
                count += 1
    return count


def diff(before: Path, after: Path) -> int:
    old = {row["url"]: row for row in map(json.loads, before.open())}
    new = {row["url"]: row for row in map(json.loads, after.open())}
    differences = 0
    for url in sorted(old.keys() | new.keys()):
        a, b = old.get(url), new.get(url)
        if a is None or b is None:
            print(f"only in {'after' if a is None else 'before'}: {url}")
            differences += 1
            continue
        for field in ("status", "headers", "sha256"):
            if a[field] != b[field]:
                print(f"{url}: {field} differs")
                if field == "headers":
                    for name in sorted(a["headers"].keys() | b["headers"].keys()):
                        if a["headers"].get(name) != b["headers"].get(name):
                            print(f"    {name}: {a['headers'].get(name)!r} -> {b['headers'].get(name)!r}")
                differences += 1
    print(f"{len(old)} URLs before, {len(new)} after, {differences} differences")
    return differences


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--diff", action="store_true", help="compare two snapshots")
    parser.add_argument("--at", help="the moment to freeze time at (ISO 8601)")
    args = parser.parse_args(argv)
    if args.diff:
        return 1 if diff(*args.paths) else 0
    at = datetime.fromisoformat(args.at) if args.at else datetime.now(UTC).replace(second=0, microsecond=0)
    print(f"{snapshot(args.paths[0], at)} URLs recorded at {at.isoformat()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
