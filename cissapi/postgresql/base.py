"""Django's PostgreSQL backend (settings' ENGINE "cissapi.postgresql"), with a health check that costs no
round trip when the session is evidently alive.

With CONN_HEALTH_CHECKS, Django pings a persistent connection (`SELECT 1`) before each request's first
query, so that a session the server ended while it sat idle (a restart, pg_terminate_backend, an idle
timeout) is replaced instead of failing the request. That ping is a second round trip for every request
that makes one query (an author's bio, a publication's detail): a third of the bio's time (issue 16).

Optimization: a server that ends a session says so on its socket (a FATAL notice, then the end of the
stream), so an idle session whose socket has nothing to read has not been ended. Only when it has (or
when the session is not idle or in a transaction, the one other state `SELECT 1` could fault) does
Django's ping run, and close the connection when it fails. What no check can see without waiting, a
server whose host vanished without a word, `SELECT 1` could not see either: it would hang as the query
does.
"""

from __future__ import annotations

import select
from typing import Any

from django.db.backends.postgresql import base
from psycopg import pq

# Session states in which a ping could only succeed: idle, or in a transaction a test (or an atomic block)
# holds open.
_SOUND = (pq.TransactionStatus.IDLE, pq.TransactionStatus.INTRANS)


class DatabaseWrapper(base.DatabaseWrapper):
    # Optimization (issue 16): Django inserts many rows at once as one array per column (UNNEST: a short
    # statement, the same text for any number of rows) only when every field's type is one of these; the
    # stored search vector (contrib.postgres' SearchVectorField, whose own db_type() is tsvector) is not,
    # so a publication's bulk_create wrote one placeholder per value (45 a row), and Django compiled and
    # psycopg converted each batch's statement anew: a third of an import's time in Python. Naming the type
    # here changes nothing else: the field still says its own column type.
    data_types = {**base.DatabaseWrapper.data_types, "SearchVectorField": "tsvector"}

    def close_if_health_check_failed(self) -> None:
        # Django's own attributes of a connection (since 4.1), which the stubs do not declare.
        state: Any = self
        if (
            self.connection is not None
            and state.health_check_enabled
            and not state.health_check_done
            and self._evidently_alive()
        ):
            state.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _evidently_alive(self) -> bool:
        """Whether the open session is sound and its socket has nothing to read (no word of its end)."""
        raw = self.connection
        if raw.closed or raw.broken or raw.info.transaction_status not in _SOUND:
            return False
        # poll(), not select(): a busy worker's socket numbers may pass select()'s limit of 1024.
        poller = select.poll()
        poller.register(raw.pgconn.socket, select.POLLIN)
        # Hang-ups and errors are reported whether asked for or not.
        return not poller.poll(0)
