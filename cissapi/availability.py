"""When the database is down or too slow: a 503 with Retry-After, never a 500 or a stuck worker.

- Public views (everything but the admin) run their queries under `statement_timeout`
  (settings.DB_STATEMENT_TIMEOUT_MS), so one pathological query cannot hold a worker for minutes. It is set
  per request on the request's connection, not in the connection's OPTIONS: migrations, management
  commands (seed_demo, generate_corpus, backups), the webhook worker and the admin share those OPTIONS and
  legitimately run long statements.
- A database error that means "not now" (connection refused or lost, statement timeout) escaping a view
  becomes a 503 with Retry-After: problem+json for the API, feeds and sitemaps, a plain page for the admin.
  Recovery needs nothing from us: Django closes a connection that failed at the end of the request
  (CONN_HEALTH_CHECKS checks it before reuse), and the next request connects afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from weakref import WeakKeyDictionary

from django.conf import settings
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse

from cissapi.api.errorpages import database_unavailable
from cissapi.api.exceptions import is_database_unavailable

# What each open session's statement_timeout is (milliseconds; None: the server's default). Keyed by the
# driver's connection, so a reconnect starts from the default again.
_session_timeouts: WeakKeyDictionary[Any, int | None] = WeakKeyDictionary()


class StatementTimeout:
    """An execute_wrapper: before a request's first query, give the session the timeout the view needs.

    Optimization: the setting is remembered per session, so a worker serving only public requests sends
    one SET per connection, not one per request.
    """

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.applied = False

    def __call__(self, execute: Callable, sql: str, params: Any, many: bool, context: dict) -> Any:
        if not self.applied:
            self.applied = True
            wanted = settings.DB_STATEMENT_TIMEOUT_MS or None
            match = self.request.resolver_match
            if match is None or "admin" in match.namespaces:
                wanted = None
            _set_statement_timeout(context["connection"], wanted)
        return execute(sql, params, many, context)


def _set_statement_timeout(db: BaseDatabaseWrapper, milliseconds: int | None) -> None:
    value = "DEFAULT" if milliseconds is None else str(int(milliseconds))
    # Sent on the driver's connection, below Django's cursor: its errors are turned into Django's here, so a
    # session lost just before the SET is a 503 like one lost during the query, not a 500.
    with db.wrap_database_errors:
        if db.in_atomic_block:
            # A rollback would undo a session-wide SET behind our back, so inside a transaction the timeout
            # lasts for the transaction only.
            db.connection.execute(f"SET LOCAL statement_timeout TO {value}", prepare=False)
            return
        if _session_timeouts.get(db.connection) != milliseconds:
            db.connection.execute(f"SET statement_timeout TO {value}", prepare=False)
            _session_timeouts[db.connection] = milliseconds


class DatabaseAvailabilityMiddleware:
    """Statement timeouts on public requests, and a 503 when the database cannot answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with connection.execute_wrapper(StatementTimeout(request)):
            return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # DRF views (the API, feeds) answer these themselves (cissapi.api.exceptions); this catches the
        # plain Django views: sitemaps and the admin.
        if is_database_unavailable(exception):
            return database_unavailable(request, exception)
        return None
