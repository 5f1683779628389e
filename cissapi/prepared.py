"""Statements Postgres plans once per connection, not on every request.

Django's psycopg cursors bind parameters on the client (unless OPTIONS' `server_side_binding`): each
statement reaches Postgres as new text with the values in it, so psycopg's prepare_threshold
(DB_PREPARE_THRESHOLD) never applies and Postgres plans it every time. For the documents Postgres builds
(an author's bio: seven JSON subqueries and a count; a publication's detail) planning costs 1-3 ms against
0.3 ms to run them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from django.db import connections
from django.db.backends.postgresql.base import ServerBindingCursor


@contextmanager
def server_binding(alias: str) -> Iterator[None]:
    """Within it, the cursors of the database `alias` (the ORM's too) bind parameters on the server, as
    with OPTIONS["server_side_binding"]: a statement run often is prepared (after DB_PREPARE_THRESHOLD
    runs; never when that is off) and planned once per connection. Django still wraps them (errors,
    execute wrappers, query logging)."""
    connection = connections[alias]
    connection.ensure_connection()
    raw = connection.connection
    # With prepared statements off (DB_PREPARE_THRESHOLD=off, for an old pgbouncer) binding on the server
    # would gain nothing.
    if raw is None or raw.prepare_threshold is None:
        yield
        return
    # Django's create_cursor() asks psycopg's connection for a cursor of its cursor_factory; the feature
    # flag makes the logged SQL (DEBUG, tests' CaptureQueriesContext) the statement with its values, as
    # Django logs it under that option, not the text with $1 placeholders a server-binding cursor keeps.
    # The stubs type the features as the base class, which lacks PostgreSQL's flag.
    features = cast(Any, connection.features)
    previous = raw.cursor_factory, features.uses_server_side_binding
    raw.cursor_factory, features.uses_server_side_binding = ServerBindingCursor, True
    try:
        yield
    finally:
        raw.cursor_factory, features.uses_server_side_binding = previous
