"""Worker jobs of the shared base (procrastinate, in Postgres; `manage.py webhook_worker` runs all queues)."""

from __future__ import annotations

from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from cissapi.purge import PurgeError, surrogate_keys_purge

PURGE_QUEUE = "cache-purge"


# A CDN that is down gets 2, 4, 8 ... 128 s between attempts (2**attempt): about four minutes in all; the
# responses' own max-age (API_CACHE_MAX_AGE) still bounds how long they can be served stale.
PURGE_RETRY = RetryStrategy(max_attempts=8, exponential_wait=2, retry_exceptions={PurgeError})


@app.task(queue=PURGE_QUEUE, retry=PURGE_RETRY)
def purge_surrogate_keys(keys: list[str]) -> None:
    """Purge `keys` from Varnish and the CDNs configured (cissapi.purge)."""
    surrogate_keys_purge(keys=keys)
