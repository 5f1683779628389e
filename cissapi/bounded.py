"""What a process keeps of values worked out per key, bounded in number."""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


def keep_bounded(kept: dict[K, V], key: K, value: V, limit: int) -> None:
    """Keep `value` under `key` (one `kept` does not hold yet: callers look it up first) in `kept`,
    dropping the oldest entry first when `kept` holds `limit`: the keys come from clients (origins, paths,
    queries), so what a process keeps must not grow with them."""
    if len(kept) >= limit:
        # Another thread may have emptied it meanwhile: then there is nothing to drop.
        oldest = next(iter(kept), None)
        if oldest is not None:
            kept.pop(oldest, None)
    kept[key] = value
