"""The shared cache's database table (without Redis): Django's DatabaseCache, whose cull spares the
catalogue generation, and whose reads are one prepared statement."""

from __future__ import annotations

import base64
import pickle
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import DatabaseError, connections, router
from django.utils import timezone

from cissapi.api.generation import CHANGED_AT_KEY, CHANGED_PREFIX, GENERATION_KEY
from cissapi.prepared import server_binding

# Keys the cull never deletes. Few and small, so the table stays bounded by MAX_ENTRIES (plus these).
PINNED_KEYS = (GENERATION_KEY, CHANGED_AT_KEY)
# Nor keys starting with this: the marks of changed surrogate keys, which must outlive the entries they make
# stale; they expire by themselves (generation.MARK_MARGIN), so there are only as many as keys changed within
# an entry's lifetime.
PINNED_PREFIX = CHANGED_PREFIX


class CatalogueDatabaseCache(DatabaseCache):
    """DatabaseCache whose cull never deletes a pinned key.

    Past MAX_ENTRIES, Django deletes the expired entries and then the lowest third of the keys in key order,
    whatever they hold. The catalogue generation is one entry among thousands of responses and counts: a
    flood of distinct URLs would cull it sooner or later, and with it, at once, every entry of every client.
    Kept in this table rather than a table of its own, it is still read with the entry in one query. The
    marks of changed surrogate keys are spared too (until they expire): a culled mark would make the entries
    it made stale fresh again.

    Reads (get, get_many) are Django's, bound on the server: a statement text per number of keys, which
    Postgres plans once per connection (cissapi.prepared), and no ORM expression built per read. Every early
    cache hit makes one, of two keys (cissapi.early_hits). An IN list rather than `= ANY(%s)`: psycopg dumps
    strings faster than an array of them.
    """

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        """Django's DatabaseCache.get_many: the values of the keys found, expired rows deleted and missing."""
        key_map = {self.make_and_validate_key(key, version=version): key for key in keys}
        if not key_map:
            return {}
        db = router.db_for_read(self.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(self._table)  # type: ignore[attr-defined]  # set by Django, not in the stubs
        placeholders = ", ".join(["%s"] * len(key_map))
        with server_binding(db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT cache_key, value, expires FROM {table} WHERE cache_key IN ({placeholders})",
                list(key_map),
            )
            rows = cursor.fetchall()
        # Postgres returns `expires` as an aware datetime (USE_TZ) and `value` as text: Django's converters
        # and process_clob change nothing on it.
        now = timezone.now()
        found = {}
        expired = []
        for key, value, expires in rows:
            if expires < now:
                expired.append(key)
            else:
                found[key_map[key]] = pickle.loads(base64.b64decode(value.encode()))
        self._base_delete_many(expired)  # type: ignore[attr-defined]  # private in Django, not in the stubs
        return found

    def _cull(self, db: str, cursor: Any, now: datetime, num: int) -> None:
        if self._cull_frequency == 0:
            # CULL_FREQUENCY=0 asks for the whole table to be emptied: an explicit choice, left as it is.
            super()._cull(db, cursor, now, num)  # type: ignore[misc]  # private in Django, not in the stubs
            return
        connection = connections[db]
        table = connection.ops.quote_name(self._table)  # type: ignore[attr-defined]  # set by Django, not in the stubs
        pinned = [self.make_key(key) for key in PINNED_KEYS]
        prefix = self.make_key(PINNED_PREFIX)
        spared = "cache_key <> ALL(%s) AND left(cache_key, %s) <> %s"
        # Expired marks go with the rest: every entry they made stale has expired before them.
        cursor.execute(
            f"DELETE FROM {table} WHERE expires < %s AND cache_key <> ALL(%s)",
            [connection.ops.adapt_datetimefield_value(now), pinned],
        )
        remaining = num - cursor.rowcount
        if remaining <= self._max_entries:
            return
        cursor.execute(
            f"SELECT cache_key FROM {table} WHERE {spared} ORDER BY cache_key LIMIT 1 OFFSET %s",
            [pinned, len(prefix), prefix, remaining // self._cull_frequency],
        )
        last = cursor.fetchone()
        if last:
            cursor.execute(
                f"DELETE FROM {table} WHERE cache_key < %s AND {spared}",
                [last[0], pinned, len(prefix), prefix],
            )


@contextmanager
def read_as_health_check() -> Iterator[None]:
    """Around a request's first read of the cache table: let the read be its connection's health check.

    With CONN_HEALTH_CHECKS, Django pings a persistent connection (`SELECT 1`) before a request's first
    query; for a request whose only query is this read (an early hit, cissapi.early_hits) that is a second
    round trip. A failed read closes the connection instead, so whatever runs next reconnects, as after a
    failed health check. Nothing changes when the shared cache is Redis.
    """
    backend = caches["default"]
    if not isinstance(backend, DatabaseCache):
        yield
        return
    # Django's own attributes of a connection (since 4.1), which the stubs do not declare.
    connection: Any = connections[router.db_for_read(backend.cache_model_class)]
    if connection.connection is None or not connection.health_check_enabled or connection.health_check_done:
        yield
        return
    connection.health_check_done = True
    try:
        yield
    except DatabaseError:
        connection.close()
        raise
