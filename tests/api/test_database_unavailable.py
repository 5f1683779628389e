"""A database that is down, lost or too slow is a 503 with Retry-After everywhere, and the app recovers.

Tested for real: the requests run against a connection to a port nothing listens on, a session that
Postgres itself terminates, or a table another session holds locked, never a mock.
"""

import copy
import io
import socket
import threading
import time

import orjson
import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connections
from django.db.utils import load_backend

from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db

PUBLIC_URLS = [
    "/api/v1/publications/",
    "/api/v1/publications/piece/",
    "/api/v1/changes/",
    "/feeds/rss/",
    "/feeds/atom/",
    "/sitemap.xml",
    "/sitemap-publications.xml",
    "/sitemap-news.xml",
]


def assert_unavailable_problem(response, detail: str) -> None:
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "5"
    assert "no-store" in response["Cache-Control"]
    body = orjson.loads(response.content)
    assert body["status"] == 503
    assert body["title"] == "Service Unavailable"
    assert body["detail"] == detail


def new_connection(**overrides):
    """A connection of its own to the test database (outside the test's transaction), as `default`."""
    settings_dict = copy.deepcopy(connections["default"].settings_dict)
    settings_dict.update(overrides)
    return load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "default")


@pytest.fixture
def swap_default(settings):
    """Serve requests through another `default` connection; the test's own is put back afterwards.

    That connection commits what it writes, so nothing may be cached through it: later tests would see it.
    """
    settings.API_CACHE = settings.API_CACHE_COUNTS = False
    original = connections["default"]
    swapped = []

    def swap(wrapper):
        swapped.append(wrapper)
        connections["default"] = wrapper
        return wrapper

    yield swap
    connections["default"] = original
    for wrapper in swapped:
        wrapper.close()


@pytest.fixture
def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wsgi_get(path: str):
    """One request through Django's WSGI handler, closed as a server closes it (request_finished fires,
    so Django's end-of-request connection checks run, unlike in the test client)."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
    }
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured["status"], captured["headers"] = int(status.split()[0]), dict(headers)

    result = WSGIHandler()(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        result.close()
    return captured["status"], captured["headers"], content


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_database_down_is_a_503_problem_on_every_public_surface(client, swap_default, closed_port, url):
    PublicationFactory(published=True, slug="piece")
    swap_default(new_connection(HOST="127.0.0.1", PORT=str(closed_port)))

    response = client.get(url)

    assert_unavailable_problem(response, "The database is unavailable; try again shortly.")


def test_database_down_is_a_plain_503_page_in_the_admin(editor_client, swap_default, closed_port):
    swap_default(new_connection(HOST="127.0.0.1", PORT=str(closed_port)))

    response = editor_client.get("/admin/publications/publication/")

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == "5"
    assert b"Service unavailable" in response.content


@pytest.fixture
def locked_publications():
    """Another session holds the publications table exclusively (as a long migration would) until
    `release()`: every read of it waits."""
    params = connections["default"].get_connection_params()
    holder = psycopg.connect(**params)
    holder.execute("LOCK TABLE publications_publication IN ACCESS EXCLUSIVE MODE")
    # Without a timeout a waiting request would wait forever (the bug); this makes it a failure instead.
    safety = threading.Timer(10, holder.rollback)
    safety.start()

    class Lock:
        @staticmethod
        def release():
            holder.rollback()

    yield Lock
    safety.cancel()
    holder.close()


def test_a_public_query_past_the_statement_timeout_is_a_503(client, settings, locked_publications):
    settings.DB_STATEMENT_TIMEOUT_MS = 100
    started = time.monotonic()

    response = client.get("/api/v1/publications/")

    assert_unavailable_problem(response, "The database took too long to answer; try again shortly.")
    assert time.monotonic() - started < 5


def test_a_sitemap_past_the_statement_timeout_is_a_503(client, settings, locked_publications):
    settings.DB_STATEMENT_TIMEOUT_MS = 100

    response = client.get("/sitemap-publications.xml")

    assert_unavailable_problem(response, "The database took too long to answer; try again shortly.")


def test_the_admin_is_not_cut_short_by_the_public_timeout(editor_client, settings, locked_publications):
    settings.DB_STATEMENT_TIMEOUT_MS = 100
    threading.Timer(0.5, locked_publications.release).start()
    started = time.monotonic()

    response = editor_client.get("/admin/publications/publication/")

    assert response.status_code == 200
    assert time.monotonic() - started >= 0.5


def test_the_app_recovers_by_itself_when_the_database_comes_back(swap_default, closed_port):
    server = {key: connections["default"].settings_dict[key] for key in ("HOST", "PORT")}
    served = swap_default(new_connection(HOST="127.0.0.1", PORT=str(closed_port)))
    down = [wsgi_get(url)[0] for url in ("/api/v1/publications/", "/sitemap.xml", "/feeds/rss/")]

    served.settings_dict.update(server)  # the server is back where the settings say it is
    up = [wsgi_get(url)[0] for url in ("/api/v1/publications/", "/sitemap.xml", "/feeds/rss/")]

    assert down == [503, 503, 503]
    assert up == [200, 200, 200]


def test_a_connection_lost_mid_request_is_a_503_and_the_next_request_reconnects(
    swap_default, locked_publications
):
    served = swap_default(new_connection())
    served.ensure_connection()
    pid = served.connection.info.backend_pid

    def restart_the_server_session() -> None:
        with psycopg.connect(**served.get_connection_params(), autocommit=True) as operator:
            operator.execute("SELECT pg_terminate_backend(%s)", [pid])
        locked_publications.release()

    # The request waits on the lock when its session is terminated, as in a database restart.
    threading.Timer(0.3, restart_the_server_session).start()
    status, headers, content = wsgi_get("/api/v1/publications/")
    again = [wsgi_get(url)[0] for url in ("/api/v1/publications/", "/sitemap.xml", "/feeds/rss/")]

    assert status == 503
    assert headers["Content-Type"] == "application/problem+json"
    assert headers["Retry-After"] == "5"
    assert orjson.loads(content)["detail"] == "The database is unavailable; try again shortly."
    # Django closed the broken connection at the end of that request; the next one connects afresh.
    assert again == [200, 200, 200]


def test_the_session_timeout_is_set_for_public_requests_and_lifted_for_the_admin(
    client, swap_default, settings
):
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.models import Session

    settings.DB_STATEMENT_TIMEOUT_MS = 1234
    # Outside the test's transaction, as a server's connections are: the SET lasts for the session.
    served = swap_default(new_connection())
    editor = get_user_model().objects.create_superuser("timeout-editor", "", "a-long-test-password")
    try:
        client.force_login(editor)

        def timeout_after(url: str) -> str:
            assert client.get(url).status_code == 200
            return served.connection.execute("SHOW statement_timeout").fetchone()[0]

        seen = [
            timeout_after(url)
            for url in ("/api/v1/publications/", "/admin/publications/publication/", "/sitemap.xml")
        ]
    finally:
        Session.objects.all().delete()
        editor.delete()

    assert seen == ["1234ms", "0", "1234ms"]


def test_a_session_lost_before_the_statement_timeout_is_set_is_a_database_error_django_knows():
    # The window between Django's health check and the view's first query: the SET statement_timeout goes
    # to the driver's connection directly, and its failure must be one the 503 handlers recognise.
    from django.db import OperationalError

    from cissapi.availability import _set_statement_timeout

    served = new_connection()
    served.ensure_connection()
    try:
        with psycopg.connect(**served.get_connection_params(), autocommit=True) as operator:
            operator.execute("SELECT pg_terminate_backend(%s)", [served.connection.info.backend_pid])
        with pytest.raises(OperationalError):
            _set_statement_timeout(served, 1000)
    finally:
        served.close()
