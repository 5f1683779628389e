"""The catalogue generation: what every entry of the shared cache (responses, page counts) belongs to.

A generation is a random token stored in the cache, replaced whenever anything public changes (each app
connects its models through cissapi.api.invalidation) and whenever the next scheduled change is due (apps
that schedule changes say when through register_expiry()). Every entry carries the token of its generation
and counts only under that one, so a change makes every earlier entry stale at once, and no entry can
outlive the moment a scheduled piece goes live (its lifetime is also capped at that moment).

The generation lives in the same table as the entries, read with an entry in one query, but the table's cull
cannot delete it (cissapi.api.cache_table), so a flood of distinct URLs cannot empty the cache.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

GENERATION_KEY = "api:generation"

# When each app's next scheduled change is due (None: nothing scheduled); see register_expiry().
_expiries: list[Callable[[], datetime | None]] = []


@dataclass(frozen=True)
class Generation:
    token: str
    # When the next scheduled change is due (a POSIX time), or None when nothing is scheduled.
    ends_at: float | None

    def timeout(self, longest: int) -> int:
        """Seconds an entry of this generation may live: at most `longest`, and never past `ends_at`."""
        if self.ends_at is None:
            return longest
        return max(1, min(longest, int(self.ends_at - timezone.now().timestamp())))


def register_expiry(next_change: Callable[[], datetime | None]) -> None:
    """Have every generation end when `next_change()` is due (asked once per generation, when it starts).

    Apps call this from their AppConfig.ready(): publications registers when its next scheduled piece goes
    live, so that piece appears on time with the cache warm and no job running.
    """
    if next_change not in _expiries:
        _expiries.append(next_change)


def current_generation() -> Generation:
    """The catalogue's generation, starting a new one when the last ended (a scheduled change is due)."""
    return read(None)[0]


def read(key: str | None, *, known: Generation | None = None) -> tuple[Generation, Any]:
    """The generation (`known`, when the caller has read it already), and the value cached under `key` in it
    (None when absent or of an older generation).

    Optimization: the generation and the entry are read together (one query on the database cache, one
    MGET on Redis); entries carry the token of the generation they belong to, and any other is stale.
    """
    keys = [name for name in (None if known else GENERATION_KEY, key) if name]
    found = cache.get_many(keys) if keys else {}
    generation = known or _valid_generation(found.get(GENERATION_KEY))
    entry = found.get(key) if key else None
    if entry is None or entry["generation"] != generation.token:
        return generation, None
    return generation, entry["value"]


def keep(generation: Generation, key: str, value: Any) -> None:
    """Keep `value` under `key` for `generation` (replacing any older generation's entry)."""
    entry = {"generation": generation.token, "value": value}
    cache.set(key, entry, generation.timeout(settings.API_CACHE_TIMEOUT))


def entry_key(kind: str, text: str) -> str:
    """The cache key of an entry of `kind` (`response`, `count`) described by `text` (of any length)."""
    return f"api:{kind}:{hashlib.sha256(text.encode()).hexdigest()}"


def end_generation() -> None:
    """Make every cached response and count unreachable: something public changed.

    Done now (inside the writer's transaction, which with the database cache commits with the change) and
    again after commit: a reader that started a new generation from data read before the commit cannot keep
    serving that data.
    """
    cache.delete(GENERATION_KEY)
    transaction.on_commit(lambda: cache.delete(GENERATION_KEY))


def _valid_generation(stored: dict | None) -> Generation:
    now = timezone.now().timestamp()
    if stored is not None and (stored["ends_at"] is None or stored["ends_at"] > now):
        return Generation(**stored)
    moments = [moment for moment in (next_change() for next_change in _expiries) if moment is not None]
    moment = min(moments, default=None)
    generation = Generation(token=secrets.token_hex(8), ends_at=moment.timestamp() if moment else None)
    cache.set(GENERATION_KEY, generation.__dict__, timeout=None)
    return generation
