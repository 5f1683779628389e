"""The shared cache's database table (without Redis): Django's DatabaseCache, whose cull spares the
catalogue generation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.cache.backends.db import DatabaseCache
from django.db import connections

from cissapi.api.generation import GENERATION_KEY

# Keys the cull never deletes. Few and small, so the table stays bounded by MAX_ENTRIES (plus these).
PINNED_KEYS = (GENERATION_KEY,)


class CatalogueDatabaseCache(DatabaseCache):
    """DatabaseCache whose cull never deletes a pinned key.

    Past MAX_ENTRIES, Django deletes the expired entries and then the lowest third of the keys in key order,
    whatever they hold. The catalogue generation is one entry among thousands of responses and counts: a
    flood of distinct URLs would cull it sooner or later, and with it, at once, every entry of every client.
    Kept in this table rather than a table of its own, it is still read with the entry in one query.
    """

    def _cull(self, db: str, cursor: Any, now: datetime, num: int) -> None:
        if self._cull_frequency == 0:
            # CULL_FREQUENCY=0 asks for the whole table to be emptied: an explicit choice, left as it is.
            super()._cull(db, cursor, now, num)  # type: ignore[misc]  # private in Django, not in the stubs
            return
        connection = connections[db]
        table = connection.ops.quote_name(self._table)  # type: ignore[attr-defined]  # set by Django, not in the stubs
        pinned = [self.make_key(key) for key in PINNED_KEYS]
        cursor.execute(
            f"DELETE FROM {table} WHERE expires < %s AND cache_key <> ALL(%s)",
            [connection.ops.adapt_datetimefield_value(now), pinned],
        )
        remaining = num - cursor.rowcount
        if remaining <= self._max_entries:
            return
        cursor.execute(
            f"SELECT cache_key FROM {table} WHERE cache_key <> ALL(%s) ORDER BY cache_key LIMIT 1 OFFSET %s",
            [pinned, remaining // self._cull_frequency],
        )
        last = cursor.fetchone()
        if last:
            cursor.execute(
                f"DELETE FROM {table} WHERE cache_key < %s AND cache_key <> ALL(%s)", [last[0], pinned]
            )
