"""The catalogue generation: what every entry of the shared cache (responses, page counts) belongs to.

A generation is a random token stored in the cache, replaced whenever anything public changes (each app
connects its models through cissapi.api.invalidation) and whenever the next scheduled change is due (apps
that schedule changes say when through register_expiry()). Every entry carries the token of its generation
and counts only under that one, so a change makes every earlier entry stale at once, and no entry can
outlive the moment a scheduled piece goes live (its lifetime is also capped at that moment).

The generation lives in the same table as the entries, read with an entry in one query, but the table's cull
cannot delete it (cissapi.api.cache_table), so a flood of distinct URLs cannot empty the cache.

Finer than the generation: each entry also names what it shows (its surrogate keys, `publication-12`,
`publications`) and when it was born (before anything it shows was read). A change marks its keys changed
(mark_changed: the time, under `api:changed:<key>`), and an entry born before a change of one of its keys is
stale. Times, not a key-to-entries index: marking is a plain write per key, so two writers (or a writer and a
reader storing an entry) cannot lose each other's update as a read-modify-write of an index could; and an
entry that read the database before a change committed was born before it is marked (after commit), so it
can never be kept as fresh. `api:changed-at`, read with the entry, is the time of the last mark: an entry
born after it is fresh without reading its keys' marks, so a hit costs one query while nobody writes.

Every mark and every end of the generation is also sent as a NOTIFY (cissapi.api.change_listener), with the
same timing: in the writer's transaction and again after commit; a process that hears it needs no read.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from cissapi.api import change_listener

GENERATION_KEY = "api:generation"
# The time of the latest mark_changed() (a POSIX time).
CHANGED_AT_KEY = "api:changed-at"
# Followed by a surrogate key: the time it last changed.
CHANGED_PREFIX = "api:changed:"
# A mark outlives every entry born before it: entries live at most API_CACHE_TIMEOUT from being stored, and
# are stored at most a request's duration (gunicorn's timeout is 30 s) after they are born.
MARK_MARGIN = 300

# Entries (key, birth) this process found fresh, with the time of the last change (`api:changed-at`) they
# were found fresh under; read_entry() skips their marks while that time stays the same. Bounded: emptied
# when full (an entry forgotten only costs one more read of its marks).
_checked: dict[tuple[str, float], float | None] = {}
CHECKED_MAX = 10_000
_UNCHECKED = object()
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
    (None when absent, of an older generation, or born before a change of one of its surrogate keys)."""
    generation, entry = read_entry(key, known=known)
    return generation, entry["value"] if entry is not None else None


def read_entry(key: str | None, *, known: Generation | None = None) -> tuple[Generation, dict | None]:
    """As read(), with the whole fresh entry (its value, `born` and surrogate `keys`) rather than the value.

    Optimization: the generation, the time of the last change and the entry are read together (one query on
    the database cache, one MGET on Redis); entries carry the token of the generation they belong to, and
    any other is stale. Only an entry born before the last change reads its keys' marks (a second query), once
    per process and change.
    """
    keys = [name for name in (None if known else GENERATION_KEY, key and CHANGED_AT_KEY, key) if name]
    found = cache.get_many(keys) if keys else {}
    generation = known or _valid_generation(found.get(GENERATION_KEY))
    entry = found.get(key) if key else None
    if entry is None or entry["generation"] != generation.token:
        return generation, None
    changed_at = found.get(CHANGED_AT_KEY)
    # Optimization: an entry this process found fresh under the same time of the last change is fresh still
    # (no mark has been written since), without reading its keys' marks again; see still_valid().
    # None (no change since the cache was emptied: the time is pinned, never culled nor expired) counts as a
    # time like any other.
    checked = (cast(str, key), entry["born"])
    if _checked.get(checked, _UNCHECKED) != changed_at:
        if not _fresh(entry, changed_at):
            return generation, None
        if len(_checked) >= CHECKED_MAX:
            _checked.clear()
        _checked[checked] = changed_at
    return generation, entry


@dataclass(frozen=True)
class Validity:
    """What a copy of an entry kept elsewhere (a process's own memory, cissapi.early_hits) needs to tell
    whether the entry would still be served: its generation, birth and surrogate keys."""

    token: str
    born: float
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Verdict:
    """still_valid()'s answer."""

    current: bool
    # The time of the last change (`api:changed-at`) it was found current under, to pass next time.
    checked: float | None = None
    # When its generation ends (a scheduled change is due; a POSIX time), or None: nothing scheduled.
    ends_at: float | None = None


def still_valid(validity: Validity, *, checked: float | None) -> Verdict:
    """Whether an entry described by `validity` is still current: its generation has not ended (nor reached
    its scheduled end) and none of its keys changed since it was born.

    `checked` is the time of the last change (`api:changed-at`) when this entry was last found valid, or
    None; the verdict comes with the value to pass next time, and with when the generation ends. One read
    (the generation and the time of the last change together) while nothing it shows changed; the marks of
    its keys only after a new change. A generation that ended is never started here: the full stack does that.
    """
    found = cache.get_many([GENERATION_KEY, CHANGED_AT_KEY])
    stored = found.get(GENERATION_KEY)
    if stored is None or stored["token"] != validity.token:
        return Verdict(False)
    ends_at = stored["ends_at"]
    if ends_at is not None and ends_at <= timezone.now().timestamp():
        return Verdict(False)
    changed_at = found.get(CHANGED_AT_KEY)
    if changed_at is None or changed_at < validity.born or changed_at == checked:
        return Verdict(True, changed_at, ends_at)
    entry = {"born": validity.born, "keys": validity.keys}
    return Verdict(True, changed_at, ends_at) if _fresh(entry, changed_at) else Verdict(False)


def keep(
    generation: Generation, key: str, value: Any, *, born: float, surrogate_keys: Iterable[str] = ()
) -> None:
    """Keep `value` under `key` for `generation` (replacing any older generation's entry): it shows what
    `surrogate_keys` name, as read from `born` on (a POSIX time taken before the first read)."""
    entry = {
        "generation": generation.token,
        "value": value,
        "born": born,
        "keys": sorted(set(surrogate_keys)),
    }
    cache.set(key, entry, generation.timeout(settings.API_CACHE_TIMEOUT))


def mark_changed(surrogate_keys: Iterable[str]) -> None:
    """Make every entry showing one of `surrogate_keys` and born until now stale.

    The caller marks again after commit (cissapi.api.invalidation): an entry that read the rows before they
    committed is born before that second mark.
    """
    moment = time.time()
    # Sorted: in the writer's transaction each mark's row stays locked until commit, and two writers
    # locking shared rows in different orders would deadlock.
    marks = {f"{CHANGED_PREFIX}{name}": moment for name in sorted(surrogate_keys)}
    if not marks:
        return
    cache.set_many(marks, settings.API_CACHE_TIMEOUT + MARK_MARGIN)
    # Written last: a reader that sees the new time also sees the marks.
    cache.set(CHANGED_AT_KEY, moment, timeout=None)
    # And the processes that keep responses hear it (when the writer's transaction commits).
    change_listener.notify(name[len(CHANGED_PREFIX) :] for name in marks)


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
    change_listener.notify(None)
    transaction.on_commit(_end_generation_again)


def _end_generation_again() -> None:
    cache.delete(GENERATION_KEY)
    change_listener.notify(None)


def _fresh(entry: dict[str, Any], changed_at: float | None) -> bool:
    """Whether no surrogate key of `entry` changed since it was born."""
    names = entry.get("keys") or []
    if not names or (changed_at is not None and changed_at < entry["born"]):
        return True
    marks = cache.get_many([f"{CHANGED_PREFIX}{name}" for name in names])
    # A mark no longer kept is older than any entry still kept (MARK_MARGIN).
    return all(moment < entry["born"] for moment in marks.values())


def _valid_generation(stored: dict | None) -> Generation:
    now = timezone.now().timestamp()
    if stored is not None and (stored["ends_at"] is None or stored["ends_at"] > now):
        return Generation(**stored)
    moments = [moment for moment in (next_change() for next_change in _expiries) if moment is not None]
    moment = min(moments, default=None)
    generation = Generation(token=secrets.token_hex(8), ends_at=moment.timestamp() if moment else None)
    cache.set(GENERATION_KEY, generation.__dict__, timeout=None)
    return generation
