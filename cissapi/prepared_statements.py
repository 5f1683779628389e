"""Server-side binding, so that psycopg can prepare the read path's hot statements.

Django's psycopg backend binds parameters on the client (psycopg's ClientCursor) unless
OPTIONS["server_side_binding"] is set, and psycopg never prepares a client-bound statement: its values are
part of its text, so every run is parsed, analyzed and planned anew (for a list page, 7 KB of SQL and a
millisecond or more of Postgres's time before the first row). Statements run inside `server_bound()` send
their values apart from their text; psycopg prepares each after it has run settings.DB_PREPARE_THRESHOLD
times on a connection, and Postgres parses and analyzes it once per connection from then on.

Their plans stay custom (planned for each run's values): settings sets plan_cache_mode=force_custom_plan on
every connection. A generic plan cannot know that the "not in the future" bound is nearly every row, nor
which partial index a parameter's status matches; list page 1 took 300 ms on one instead of 3 ms.

Only here, not for every statement (OPTIONS["server_side_binding"]): Django's own SQL is written for client
binding (some expressions need their values spelled in the text), and a few shapes are what the read path
repeats.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections

# Django's cursor class for server-side binding (what OPTIONS["server_side_binding"] picks), with its
# handling of Django's own adapters; defined only when psycopg 3 is installed, as it is here.
from django.db.backends.postgresql.base import ServerBindingCursor


@contextmanager
def server_bound(alias: str) -> Iterator[None]:
    """Run the statements of this block on database `alias` with server-side binding (see the module)."""
    connection = connections[alias]
    connection.ensure_connection()
    raw = connection.connection
    # With prepared statements off (DB_PREPARE_THRESHOLD=off, for an old pgbouncer), binding on the server
    # would gain nothing.
    if raw is None or getattr(raw, "prepare_threshold", None) is None:
        yield
        return
    previous = raw.cursor_factory
    raw.cursor_factory = ServerBindingCursor
    # Django logs such a statement (connection.queries, query-count pins) with its values spelled in
    # (DatabaseOperations.last_executed_query) only when its features say the binding is on the server.
    # PostgreSQL's features; the stubs type them as the base class, which has no such flag.
    features: Any = connection.features
    logged_as = features.uses_server_side_binding
    features.uses_server_side_binding = True
    try:
        yield
    finally:
        raw.cursor_factory = previous
        features.uses_server_side_binding = logged_as
