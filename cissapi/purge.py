"""Purging the caches in front of the app (Varnish with xkey, Fastly, Cloudflare) by surrogate key.

Every cacheable response names what it shows in `Surrogate-Key` and `Cache-Tag` (cissapi.api.http_caching).
After a change commits, cissapi.api.invalidation.surrogate_keys_changed names the keys it may have altered;
the receiver here defers one job (cissapi.tasks.purge_surrogate_keys) and the worker sends the purges, so a
slow or unreachable CDN never holds up an editor's save, and a failed purge is retried.

Settings (README, "Deployment"): VARNISH_PURGE_URLS, FASTLY_SERVICE_ID + FASTLY_API_KEY, CLOUDFLARE_ZONE_ID
+ CLOUDFLARE_API_TOKEN. With none set nothing is deferred.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

# What a surrogate key may look like: the app's own keys are words such as `publication-12` or `feeds`.
# Anything else is dropped, so a key can never smuggle a header or a second key into a purge request.
SAFE_KEY = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
# Keys per request: Fastly takes 256 per purge; Cloudflare's tag purge takes 30 per call; Varnish has no
# limit but header lines have one (8 KB by default in varnishd's http_req_hdr_len).
VARNISH_BATCH = 100
FASTLY_BATCH = 256
CLOUDFLARE_BATCH = 30


class PurgeError(Exception):
    """A cache in front refused or did not answer a purge; the job fails and procrastinate retries it."""


def purge_configured() -> bool:
    """Whether any cache in front is configured to be purged."""
    return bool(
        settings.VARNISH_PURGE_URLS
        or (settings.FASTLY_SERVICE_ID and settings.FASTLY_API_KEY)
        or (settings.CLOUDFLARE_ZONE_ID and settings.CLOUDFLARE_API_TOKEN)
    )


def surrogate_keys_purge(*, keys: Iterable[str]) -> None:
    """Purge `keys` from every configured cache in front; raises PurgeError naming each that failed.

    Every target is tried even when one fails, so one CDN being down does not leave Varnish stale.
    """
    safe = sorted({key for key in keys if SAFE_KEY.match(key)})
    if not safe:
        return
    failures = []
    for name, method, url, headers, body in _requests(safe):
        try:
            _send(method, url, headers, body)
        except PurgeError as error:
            failures.append(f"{name}: {error}")
    if failures:
        raise PurgeError("; ".join(failures))
    logger.info("purged %d surrogate keys", len(safe))


def on_surrogate_keys_changed(sender: Any, keys: frozenset[str], **kwargs: Any) -> None:
    """The receiver of surrogate_keys_changed (sent after commit): one purge job for the worker."""
    if not keys or not purge_configured():
        return
    from cissapi.tasks import purge_surrogate_keys

    purge_surrogate_keys.defer(keys=sorted(keys))


def _batches(keys: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(keys), size):
        yield keys[start : start + size]


def _requests(keys: list[str]) -> Iterator[tuple[str, str, str, dict[str, str], bytes | None]]:
    """(target, method, url, headers, body) of each purge request for `keys`."""
    for url in settings.VARNISH_PURGE_URLS:
        for batch in _batches(keys, VARNISH_BATCH):
            # deploy/varnish/default.vcl: a PURGE from an allowed address with `xkey-purge` purges those keys.
            yield "varnish", "PURGE", url, {"xkey-purge": " ".join(batch)}, None
    if settings.FASTLY_SERVICE_ID and settings.FASTLY_API_KEY:
        url = f"{settings.FASTLY_API_URL.rstrip('/')}/service/{settings.FASTLY_SERVICE_ID}/purge"
        for batch in _batches(keys, FASTLY_BATCH):
            headers = {"Fastly-Key": settings.FASTLY_API_KEY, "Surrogate-Key": " ".join(batch)}
            yield "fastly", "POST", url, headers, None
    if settings.CLOUDFLARE_ZONE_ID and settings.CLOUDFLARE_API_TOKEN:
        url = f"{settings.CLOUDFLARE_API_URL.rstrip('/')}/zones/{settings.CLOUDFLARE_ZONE_ID}/purge_cache"
        for batch in _batches(keys, CLOUDFLARE_BATCH):
            headers = {
                "Authorization": f"Bearer {settings.CLOUDFLARE_API_TOKEN}",
                "Content-Type": "application/json",
            }
            yield "cloudflare", "POST", url, headers, json.dumps({"tags": batch}).encode()


def _send(method: str, url: str, headers: dict[str, str], body: bytes | None) -> None:
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        # The URLs come from settings (operators'), never from requests.
        with urllib.request.urlopen(request, timeout=settings.CACHE_PURGE_TIMEOUT_SECONDS) as response:
            response.read()
    except urllib.error.HTTPError as error:
        raise PurgeError(f"{method} {url} answered {error.code}") from error
    except (urllib.error.URLError, OSError) as error:
        raise PurgeError(f"{method} {url} failed: {error}") from error
