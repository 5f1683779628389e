"""Changes heard without asking: Postgres LISTEN/NOTIFY tells each server process which surrogate keys
changed, so a response it keeps (cissapi.early_hits) or a list's count (cissapi.api.kept_values) is served
without reading the shared cache while nothing it shows has changed.

Every mark of changed keys and every end of the generation (cissapi.api.generation) also sends a NOTIFY on
the primary, in the writer's transaction when there is one: Postgres delivers it only if and when that
transaction commits, and after the rows it changed are visible. Each process keeps one connection of its
own that LISTENs (opened on its first early hit or kept count, so after gunicorn forks) and drains what
arrived, without blocking, on each hit. Heard changes are numbered; a kept response remembers the number it
was last found current under, and is current still while the listener is healthy and nothing heard since
names one of its keys (or the whole generation).

Healthy: connected, and its own heartbeat came back recently. Every HEARTBEAT / 2 seconds a hit sends a
NOTIFY to this listener's own channel through Django's connection to the primary, the way writers' notices
travel; the listener is trusted only while one came back within API_CACHE_LISTEN_HEARTBEAT seconds. So a
listener whose connection died silently, or that listens on a server the writers no longer use (a failover),
is distrusted within that time; and a notice of a write committed in a transaction not yet ended (a test's)
cannot be awaited in vain, since the heartbeat waits with it. When not healthy, a hit reads the shared cache
as before (cissapi.api.generation.still_valid).

The bound (README, "Early cache hits"): a kept response is served after a commit that made it stale only
until the commit's notice reaches the listener's socket (the next hit drains it), or, should the listener's
connection die silently, at most API_CACHE_LISTEN_HEARTBEAT seconds.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from psycopg import pq
from psycopg.conninfo import make_conninfo

CHANNEL = "cissapi_cache_changes"
# The payload of a notice that everything changed (the generation ended).
EVERYTHING = "*"
# Postgres refuses payloads of 8,000 bytes or more; a longer list of keys is sent as EVERYTHING.
MAX_PAYLOAD = 7999
# Heard changes remembered; a kept response last checked before the oldest is read once more.
HISTORY = 10_000
# Seconds between attempts to connect the listener after one failed.
RETRY_SECONDS = 1.0
CONNECT_TIMEOUT_SECONDS = 2


def notify(keys: Iterable[str] | None) -> None:
    """Tell every listening process that `keys` changed (None: everything): on the primary, in the current
    transaction if there is one, so the notice is delivered only if and when it commits."""
    if not settings.API_CACHE_LISTEN:
        return
    payload = EVERYTHING if keys is None else " ".join(sorted(keys))
    if len(payload.encode()) > MAX_PAYLOAD:
        payload = EVERYTHING
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, payload])


@dataclass(frozen=True)
class Heard:
    """How far a listener had heard: its connection (a new one may have missed notices) and the number of
    the last change heard."""

    connection: int
    change: int


class Listener:
    """One process's listening connection and the changes it heard."""

    def __init__(self) -> None:
        # gthread workers serve requests on several threads of one process.
        self.lock = threading.Lock()
        self.pid = 0
        self.conn: pq.abc.PGconn | None = None
        self.connections = 0
        self.change = 0
        self.history: deque[tuple[int, frozenset[str] | None]] = deque(maxlen=HISTORY)
        self.channel = ""
        self.echoed = float("-inf")  # time.monotonic() when a heartbeat last came back
        self.pinged = float("-inf")
        self.retry_at = float("-inf")

    def check(self, since: Heard | None, keys: Iterable[str]) -> tuple[Heard | None, bool, bool]:
        """(How far this listener has heard, None when it is not healthy; whether nothing naming one of
        `keys` or everything was heard after `since`, on the same connection, with the listener healthy;
        whether this call sent the heartbeat through Django's connection)."""
        with self.lock:
            now = time.monotonic()
            heard = self._drain(now)
            untouched = heard is not None and since is not None and not self._touched(since, keys)
            ping = self.conn is not None and now - self.pinged >= settings.API_CACHE_LISTEN_HEARTBEAT / 2
            if ping:
                self.pinged = now
            channel = self.channel
        if ping:
            self._ping(channel)
        return heard, untouched, ping

    def close(self) -> None:
        with self.lock:
            self._lose()

    def _drain(self, now: float) -> Heard | None:
        if self.pid != os.getpid():
            # Forked (gunicorn's workers): the parent's connection is not this process's to use.
            self.conn = None
            self.pid = os.getpid()
        if self.conn is None and now >= self.retry_at:
            self._connect(now)
        if self.conn is None:
            return None
        try:
            # Twice: a server ending the session sends an error, then closes; libpq reads the error with
            # what came before it, and only a second read finds the connection closed.
            for _ in range(2):
                self.conn.consume_input()
                while (notice := self.conn.notifies()) is not None:
                    self._hear(notice, now)
            if self.conn.status != pq.ConnStatus.OK:
                raise ConnectionError("the change listener's connection is closed")
        except Exception:
            # The connection failed (the server restarted, the network broke): reads until reconnected.
            self._lose()
            self.retry_at = now + RETRY_SECONDS
            return None
        if now - self.echoed >= settings.API_CACHE_LISTEN_HEARTBEAT:
            return None
        return Heard(self.connections, self.change)

    def _hear(self, notice: pq.PGnotify, now: float) -> None:
        if notice.relname.decode() == self.channel:
            self.echoed = now
            return
        payload = notice.extra.decode()
        self.change += 1
        self.history.append((self.change, None if payload == EVERYTHING else frozenset(payload.split())))

    def _touched(self, since: Heard, keys: Iterable[str]) -> bool:
        if since.connection != self.connections:
            return True  # notices sent before this connection listened were never heard
        if since.change == self.change:
            return False
        if not self.history or self.history[0][0] > since.change + 1:
            return True  # forgotten
        names = frozenset(keys)
        for change, changed in reversed(self.history):
            if change <= since.change:
                break
            if changed is None or not changed.isdisjoint(names):
                return True
        return False

    def _connect(self, now: float) -> None:
        conn = pq.PGconn.connect(conninfo().encode())
        if conn.status != pq.ConnStatus.OK:
            conn.finish()
            self.retry_at = now + RETRY_SECONDS
            return
        self.channel = f"{CHANNEL}_{secrets.token_hex(6)}"
        for channel in (CHANNEL, self.channel):
            result = conn.exec_(f'LISTEN "{channel}"'.encode())
            if result.status != pq.ExecStatus.COMMAND_OK:
                conn.finish()
                self.retry_at = now + RETRY_SECONDS
                return
        self.conn = conn
        self.connections += 1
        self.history.clear()
        self.echoed = self.pinged = float("-inf")

    def _lose(self) -> None:
        if self.conn is not None:
            self.conn.finish()
        self.conn = None

    def _ping(self, channel: str) -> None:
        """A heartbeat through Django's connection to the primary, the way writers' notices travel (inside a
        transaction, a test's, it is delivered only if that commits, as theirs would be).

        Sent on the driver's connection itself: the process's one statement a second, not a request's query
        (query-count pins and logs see requests' own); a failure closes Django's connection, which the next
        query reopens, as after a failed health check.
        """
        wrapper = connections[DEFAULT_DB_ALIAS]
        try:
            wrapper.ensure_connection()
            wrapper.connection.execute("SELECT pg_notify(%s, '')", [channel])
        except Exception:
            # No heartbeat comes back: the listener stops being trusted, and hits read as before.
            if not wrapper.in_atomic_block:
                wrapper.close()


def conninfo() -> str:
    """The primary's connection string, as Django connects to it (its libpq parameters only)."""
    known = {default.keyword.decode() for default in pq.Conninfo.get_defaults()}
    params = connections[DEFAULT_DB_ALIAS].get_connection_params()
    chosen = {name: value for name, value in params.items() if name in known and value not in (None, "")}
    chosen["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    chosen["application_name"] = "cissapi change listener"
    return make_conninfo("", **chosen)


# This process's listener (one per server process, whatever the number of handlers).
listener = Listener()


def check(since: Heard | None, keys: Iterable[str]) -> tuple[Heard | None, bool, bool]:
    """This process's Listener.check(), or (None, False, False) with API_CACHE_LISTEN off."""
    if not settings.API_CACHE_LISTEN:
        return None, False, False
    return listener.check(since, keys)
