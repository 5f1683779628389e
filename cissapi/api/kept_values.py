"""Values of the shared cache (cissapi.api.generation) that a server process also keeps in its own memory,
served without reading the shared cache while its change listener (cissapi.api.change_listener) vouches
for them, as early hits (cissapi.early_hits) are: the listener healthy, nothing it heard since the value was
last read from the shared cache naming one of the value's surrogate keys (nor the whole generation), and the
generation's scheduled end (a scheduled piece going live, which sends no notice) not come, nor the shared
entry's lifetime (API_CACHE_TIMEOUT). Otherwise the value is read from the shared cache as before, and kept
again.

Used for publication lists' counts (publications.api.pagination): reading one cost a list a round trip and
~0.25 ms of CPU on every request. The bound is the early hits' (README, "Early cache hits"): a value is
served after a commit that changed it only until the commit's notice reaches the listener's socket (the next
request drains it), or, should the listener's connection die silently, at most API_CACHE_LISTEN_HEARTBEAT
seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from cissapi.api import change_listener
from cissapi.api.change_listener import Heard
from cissapi.api.generation import Generation

# Bytes of values a process keeps (as estimated by their callers); emptied when full: a value forgotten
# only costs one more read of the shared cache.
BUDGET = 4 * 1024 * 1024


@dataclass
class Kept:
    value: Any
    keys: tuple[str, ...]
    # How far the listener had heard before the value was last read from the shared cache.
    heard: Heard
    # When the value's generation ends (a scheduled change is due; a POSIX time), or None.
    ends_at: float | None
    size: int
    # Never served after this (a POSIX time): the shared entry's own lifetime, counted from the read, so a
    # change no notice told of (a write that bypassed the services) is not kept longer than there.
    expires: float


class KeptValues:
    """One process's kept values, by their shared cache key."""

    def __init__(self, budget: int = BUDGET) -> None:
        # gthread workers serve requests on several threads of one process.
        self.lock = threading.Lock()
        self.budget = budget
        self.values: dict[str, Kept] = {}
        self.size = 0

    def get(
        self,
        key: str,
        read: Callable[[], tuple[Generation, Any]],
        *,
        surrogate_keys: Iterable[str],
        size: Callable[[Any], int],
    ) -> Any:
        """The value of the shared cache entry `key`, showing what `surrogate_keys` name: kept here while the
        change listener vouches for it, else `read()` (the generation it was read under, and the value) and
        kept, `size(value)` bytes."""
        keys = tuple(surrogate_keys)
        kept = self.values.get(key)
        heard, untouched, _ = change_listener.check(kept.heard if kept is not None else None, keys)
        if (
            kept is not None
            and heard is not None
            and untouched
            and kept.keys == keys
            and time.time() < kept.expires
            and (kept.ends_at is None or time.time() < kept.ends_at)
        ):
            kept.heard = heard
            return kept.value
        # Heard before the read: whatever commits after the read is heard after that.
        generation, value = read()
        if heard is None:
            self.drop(key)
        else:
            expires = time.time() + settings.API_CACHE_TIMEOUT
            self.keep(key, Kept(value, keys, heard, generation.ends_at, size(value), expires))
        return value

    def keep(self, key: str, kept: Kept) -> None:
        with self.lock:
            old = self.values.pop(key, None)
            if old is not None:
                self.size -= old.size
            if self.size + kept.size > self.budget:
                self.values.clear()
                self.size = 0
            if kept.size <= self.budget:
                self.values[key] = kept
                self.size += kept.size

    def drop(self, key: str) -> None:
        with self.lock:
            old = self.values.pop(key, None)
            if old is not None:
                self.size -= old.size


# This process's kept values (one per server process, whatever the number of handlers).
kept_values = KeptValues()
