"""The database backend (cissapi/postgresql): a persistent connection's health check costs no round trip,
and a session the server ended is still replaced before a request uses it.

Run against real sessions outside the test's transaction, as a server's connections are.
"""

import select

import psycopg
import pytest
from django.db import connections

from tests.api.test_database_unavailable import new_connection, swap_default, wsgi_get  # noqa: F401

pytestmark = pytest.mark.django_db

URL = "/api/v1/publications/"


@pytest.fixture
def served(swap_default):  # noqa: F811
    """The `default` connection requests are served through, connected by a first request."""
    wrapper = swap_default(new_connection())
    assert wsgi_get(URL)[0] == 200
    return wrapper


def test_the_settings_use_the_projects_backend():
    assert type(connections["default"]).__module__ == "cissapi.postgresql.base"


def test_a_live_sessions_health_check_sends_nothing(served, monkeypatch):
    pings: list[bool] = []
    is_usable = type(served).is_usable
    monkeypatch.setattr(type(served), "is_usable", lambda self: pings.append(True) or is_usable(self))
    pid = served.connection.info.backend_pid

    assert wsgi_get(URL)[0] == 200

    assert pings == []  # one round trip for the request's one query, not two
    assert served.connection.info.backend_pid == pid  # and the connection was kept


def test_a_session_the_server_ended_is_replaced_before_the_request_uses_it(served):
    pid = served.connection.info.backend_pid
    with psycopg.connect(**served.get_connection_params(), autocommit=True) as operator:
        operator.execute("SELECT pg_terminate_backend(%s)", [pid])
    # The server's word that it ended the session reaches the idle socket.
    poller = select.poll()
    poller.register(served.connection.pgconn.socket, select.POLLIN)
    assert poller.poll(5000)

    status, _headers, _content = wsgi_get(URL)

    assert status == 200  # not a 503: the health check saw the end and Django reconnected
    assert served.connection.info.backend_pid != pid
