"""The shared cache on a real Redis (Debian's redis-server): the generation survives memory pressure.

The rest of the cache and throttle tests run against Redis too: `make test-scale` runs them with
`--cache-backend=redis` (tests/conftest.py).
"""

from __future__ import annotations

import time

import pytest
from django.core.cache import caches
from django.test import override_settings

from cissapi.api.generation import GENERATION_KEY, current_generation, entry_key, keep
from tests.engines import redis_caches, redis_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_redis(tmp_path):
    """A Redis with 2 MB of memory for the cache, evicting as README's "Deployment" says (volatile-ttl)."""
    with (
        redis_server(tmp_path, maxmemory="2mb") as url,
        override_settings(CACHES=redis_caches(url), REDIS_URL=url),
    ):
        yield caches["default"]


def test_a_flood_of_entries_evicts_entries_but_never_the_generation(small_redis):
    generation = current_generation()
    filler = "x" * 20_000

    for number in range(400):  # 8 MB of responses into 2 MB
        keep(
            generation,
            entry_key("response", f"/api/v1/publications/?q=word{number}"),
            filler,
            born=time.time(),
        )

    client = small_redis._cache.get_client()
    assert client.info("stats")["evicted_keys"] > 0
    assert client.info("memory")["used_memory"] <= 3 * 1024 * 1024
    # Stored without expiry (TTL -1), so a volatile-* policy never evicts it.
    assert client.ttl(small_redis.make_key(GENERATION_KEY)) == -1
    assert current_generation().token == generation.token
