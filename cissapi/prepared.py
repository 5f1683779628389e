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
from django.db.models import QuerySet
from django.db.models.query import get_related_populators
from django.utils.asyncio import async_unsafe
from psycopg import _queries
from psycopg._queries import PostgresQuery


class FixedStatementQuery(PostgresQuery):
    """psycopg's conversion of a statement for the server (its %s placeholders to $1, $2, ...), kept per
    process whatever the statement's length.

    Optimization (issue 16): psycopg keeps the conversion of statements up to 4,096 bytes and 50 parameters
    only, for ORMs' long statements rarely repeat; a publication's detail (6 kB, 48 parameters) and a JSON
    Feed's items were parsed anew on every request (~130 microseconds each). The statements run under
    server_binding are the few fixed shapes it exists for, so their conversion is kept in psycopg's own
    (bounded, least recently used) cache.
    """

    def convert(self, query: Any, vars: Any) -> None:
        if vars is None or not isinstance(query, str | bytes):
            super().convert(query, vars)
            return
        # psycopg's convert() with its cached conversion, without the length and parameter-count limits.
        self.query, self._want_formats, self._order, self._parts = _queries._query2pg(
            self._ensure_bytes(query), self._tx.encoding
        )
        self.dump(vars)


class FixedStatementCursor(ServerBindingCursor):
    """Django's server-binding cursor, its statements' conversion kept (FixedStatementQuery)."""

    _query_cls = FixedStatementQuery


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
    raw.cursor_factory, features.uses_server_side_binding = FixedStatementCursor, True
    try:
        yield
    finally:
        raw.cursor_factory, features.uses_server_side_binding = previous


class CompiledQuery:
    """A queryset's SELECT compiled to SQL once, then run with new values for the parameters that vary, its
    rows read into model instances as Django's ModelIterable reads them (the same fields, deferred ones,
    select_related objects and annotations).

    Optimization (issue 16): building a publication detail's queryset (a dozen JSON columns, the published
    rule, select_related) and compiling it cost Python more than a millisecond a request, where Postgres runs
    the statement, prepared (server_binding), in less. The values that vary are given by name with a sample
    each: every sample must appear among the compiled parameters, as a value no constant of the query has.
    Compile it on the connection it runs on (its converters are that connection's) and, for a statement
    run under server_binding, within it: Django writes some SQL differently for server-side binding.
    """

    def __init__(self, queryset: QuerySet, **samples: Any) -> None:
        # Django's own attribute of a queryset, which the stubs do not declare.
        if queryset._prefetch_related_lookups:  # type: ignore[attr-defined]
            raise ValueError("A compiled query runs one statement: prefetch_related would need more.")
        self.db = queryset.db
        self.compiler = queryset.query.get_compiler(using=self.db)
        self.sql, params = self.compiler.as_sql()
        self.params = list(params)
        self.slots = {
            name: [position for position, value in enumerate(self.params) if value == sample]
            for name, sample in samples.items()
        }
        if not all(self.slots.values()):
            raise ValueError(f"Each sample must be a parameter of the query: {self.slots}")
        query = queryset.query
        # A values_list() query gives its rows as tuples, when they come in the order it names.
        names = queryset._fields  # type: ignore[attr-defined]  # as above
        self.values = names is not None
        if self.values:
            if list(names) != [*query.extra_select, *query.values_select, *query.annotation_select]:
                raise ValueError("Name a compiled values_list()'s columns in the order they are selected.")
            return
        # As Django's ModelIterable prepares to read rows.
        select, klass_info = self.compiler.select, self.compiler.klass_info
        fields = klass_info["select_fields"]
        self.model = klass_info["model"]
        self.model_columns = slice(fields[0], fields[-1] + 1)
        self.init_list = [column[0].target.attname for column in select[self.model_columns]]

    def fetch(self, **values: Any) -> list[Any]:
        """The instances (or, for values_list(), the tuples) the queryset would give with `values` in place
        of the samples."""
        params = list(self.params)
        for name, positions in self.slots.items():
            for position in positions:
                params[position] = values[name]
        with connections[self.db].cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        compiler = self.compiler
        if compiler.has_extra_select:
            rows = [row[: compiler.col_count] for row in rows]
        if self.values:
            return list(compiler.results_iter([rows], tuple_expected=True))
        # The stubs follow a later Django's signature (with a fetch mode).
        populators = get_related_populators(compiler.klass_info, compiler.select, self.db)  # type: ignore[call-arg]
        instances = []
        for row in compiler.results_iter([rows]):
            instance = self.model.from_db(self.db, self.init_list, row[self.model_columns])
            for populator in populators:
                populator.populate(row, instance)
            for name, position in (compiler.annotation_col_map or {}).items():
                setattr(instance, name, row[position])
            instances.append(instance)
        return instances


# --- One statement's row on a cursor kept per connection (issue 16, h22-doc) --------------------------------
# Where a database connection keeps the server-binding cursor fetch_one() runs statements on.
_KEPT_CURSOR_ATTRIBUTE = "_kept_server_binding_cursor"


@async_unsafe
def fetch_one(alias: str, sql: str, params: dict[str, Any]) -> tuple[Any, ...] | None:
    """The first row of `sql` with `params` on the database `alias`, bound on the server (server_binding),
    or None without one: what `with connection.cursor() as cursor` then execute() and fetchone() give,
    through the same health check, execute wrappers, error wrapping and query logging.

    Optimization (issue 16): a new cursor copies the connection's adapters and a new Django cursor wraps it
    (a tenth of an author's bio's Python time); the psycopg cursor under Django's is kept for the life of
    its connection and wrapped anew each time. A cursor is only reused on the thread of its connection.
    """
    connection = connections[alias]
    # As Django's connection.cursor(), with the kept cursor in place of a new one. The health check first: a
    # session it replaces is bound on the server as well (server_binding sets up the connection it finds).
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with server_binding(alias):
        raw = connection.connection
        kept = getattr(connection, _KEPT_CURSOR_ATTRIBUTE, None)
        with connection.wrap_database_errors:
            if kept is None or kept.closed or kept.connection is not raw:
                kept = connection.create_cursor()
                setattr(connection, _KEPT_CURSOR_ATTRIBUTE, kept)
            # Django's own step of connection.cursor() (a debug wrapper when queries are logged).
            cursor = connection._prepare_cursor(kept)  # type: ignore[attr-defined]  # private, not in the stubs
        cursor.execute(sql, params)
        return cursor.fetchone()
