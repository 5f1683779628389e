"""cissapi.prepared.fetch_one: a statement's row on a server-binding cursor kept per connection, through
Django's own steps (execute wrappers, error wrapping, query logging)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, ProgrammingError, connection
from django.test.utils import CaptureQueriesContext

from cissapi.prepared import FixedStatementCursor, fetch_one

pytestmark = pytest.mark.django_db

SQL = "SELECT %(a)s::int + 1, %(b)s::text"


def kept_cursor() -> Any:
    return connection._kept_server_binding_cursor  # type: ignore[attr-defined]  # set by fetch_one


def test_a_row_is_what_djangos_cursor_gives():
    with connection.cursor() as cursor:
        cursor.execute(SQL, {"a": 1, "b": "x"})
        expected = cursor.fetchone()
    assert fetch_one(DEFAULT_DB_ALIAS, SQL, {"a": 1, "b": "x"}) == expected == (2, "x")
    assert fetch_one(DEFAULT_DB_ALIAS, "SELECT 1 WHERE %(a)s::int = 0", {"a": 1}) is None


def test_the_cursor_is_kept_for_the_connection():
    fetch_one(DEFAULT_DB_ALIAS, SQL, {"a": 1, "b": "x"})
    first = kept_cursor()
    assert fetch_one(DEFAULT_DB_ALIAS, SQL, {"a": 2, "b": "y"}) == (3, "y")
    assert kept_cursor() is first and not first.closed
    assert first.connection is connection.connection


@pytest.mark.django_db(transaction=True)  # the connection is closed: no test transaction around it
def test_a_new_connection_gets_a_new_cursor():
    fetch_one(DEFAULT_DB_ALIAS, SQL, {"a": 1, "b": "x"})
    first = kept_cursor()
    # A connection that ended (CONN_MAX_AGE, a lost session): its cursor goes with it.
    first.connection.close()
    connection.close_if_unusable_or_obsolete()
    assert fetch_one(DEFAULT_DB_ALIAS, SQL, {"a": 1, "b": "x"}) == (2, "x")
    assert kept_cursor() is not first


def test_the_statement_is_logged_as_djangos_cursor_logs_it():
    with CaptureQueriesContext(connection) as queries:
        fetch_one(DEFAULT_DB_ALIAS, SQL, {"a": 1, "b": "x"})
    assert len(queries) == 1
    assert queries[0]["sql"] == "SELECT 1::int + 1, 'x'::text"


def test_the_statement_goes_through_the_execute_wrappers():
    seen = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: dict) -> Any:
        seen.append((sql, params, context["connection"]))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        fetch_one(DEFAULT_DB_ALIAS, SQL, {"a": 1, "b": "x"})
    assert seen == [(SQL, {"a": 1, "b": "x"}, connection)]


def test_errors_are_djangos():
    with pytest.raises(ProgrammingError):
        fetch_one(DEFAULT_DB_ALIAS, "SELECT no_such_column FROM authors_author", {})


@pytest.mark.django_db(transaction=True)  # the connection is closed: no test transaction around it
def test_a_session_the_health_check_replaces_is_bound_on_the_server():
    fetch_one(DEFAULT_DB_ALIAS, SQL, {"a": 1, "b": "x"})
    # The server ended the session while it sat idle; the next request's health check replaces it.
    connection.connection.close()
    connection.health_check_done = False
    assert fetch_one(DEFAULT_DB_ALIAS, SQL, {"a": 1, "b": "x"}) == (2, "x")
    assert isinstance(kept_cursor(), FixedStatementCursor)
