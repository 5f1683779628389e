from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.urls import reverse

from tests.engines import redis_caches, redis_server


@pytest.fixture
def editor(db):
    """A superuser, as the editors who work in the admin are."""
    return get_user_model().objects.create_superuser("editor", "editor@ciss.example", "a-long-test-password")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def partner_key(db):
    """A partner with a usable API key: (api_key, clear key)."""
    from partners.services import api_key_issue
    from tests.factories import PartnerFactory

    return api_key_issue(partner=PartnerFactory(), name="production sync")


# --- Cache backend (issue 16, h16-engines): `--cache-backend=redis` runs the tests against a real Redis ---
def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--cache-backend",
        choices=["database", "redis"],
        default="database",
        help="database: the cache table in Postgres (the default); redis: a private Debian redis-server, "
        "as with REDIS_URL (`make test-scale` runs the cache and throttle tests this way).",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With --cache-backend=redis, tests of the database cache table itself are skipped, saying why."""
    if config.getoption("--cache-backend") != "redis":
        return
    reason = "reads the database cache table or pins its SQL; the cache is Redis in this run"
    for item in items:
        if item.get_closest_marker("database_cache"):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session", autouse=True)
def _cache_backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """With --cache-backend=redis, every test of the session caches and throttles in a real Redis."""
    if request.config.getoption("--cache-backend") != "redis":
        yield "database"
        return
    from django.test import override_settings

    with (
        redis_server(tmp_path_factory.mktemp("redis")) as url,
        override_settings(CACHES=redis_caches(url), REDIS_URL=url),
    ):
        yield "redis"


@pytest.fixture(autouse=True)
def _redis_reads_are_round_trips(_cache_backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """On Redis, each cache read is logged among the queries that query-count pins capture.

    The pins count round trips: with the database cache the generation and the entry are one SQL query, on
    Redis one MGET instead, so the same pins hold for both backends. Throttle counters are left out: without
    Redis they live in process memory, which the pins never counted.
    """
    if _cache_backend != "redis":
        return
    from django.core.cache.backends.redis import RedisCacheClient
    from django.db import connection

    for method in ("get", "get_many"):
        original = getattr(RedisCacheClient, method)

        def logged(self, *args, _original=original, _method=method):
            if connection.queries_logged and self is caches["default"]._cache:
                connection.queries_log.append({"sql": f"-- redis {_method} {args[0]!r}", "time": "0.000"})
            return _original(self, *args)

        monkeypatch.setattr(RedisCacheClient, method, logged)


@pytest.fixture
def cache_backend(_cache_backend: str) -> str:
    """ "database" or "redis": where this session's shared cache lives."""
    return _cache_backend


# --- end of cache backend ---


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    """Each test starts with unused request allowances (counters live in a process-local cache)."""
    caches["throttle"].clear()
    yield
    caches["throttle"].clear()


@pytest.fixture
def api_get(client):
    """GET an API URL (by URL name, or an absolute path) and return the response; JSON in `.json()`."""

    def get(url_or_name: str, *, slug: str | None = None, **params):
        url = (
            url_or_name
            if url_or_name.startswith("/")
            else reverse(url_or_name, kwargs={"slug": slug} if slug else None)
        )
        return client.get(url, params)

    return get


@pytest.fixture
def response_cache_off(settings):
    """The read path itself, as query-count pins measure it: no whole-response or count caching."""
    settings.API_CACHE = False
    settings.API_CACHE_COUNTS = False


@pytest.fixture
def member_of(db):
    """`member_of("editors")`: a new staff user in one of the workflow's groups (made by migration), with an
    email address and a password of "a-long-test-password"."""
    from django.contrib.auth.models import Group

    made = 0

    def make(group: str, username: str | None = None):
        nonlocal made
        made += 1
        name = username or f"{group}-{made}"
        user = get_user_model().objects.create_user(
            name, f"{name}@ciss.example", "a-long-test-password", is_staff=True
        )
        user.groups.add(Group.objects.get(name=group))
        return user

    return make


@pytest.fixture(autouse=True)
def _api_responses_match_the_schema(monkeypatch):
    """Every response a test receives from /api/v1/ is validated against the served OpenAPI schema
    (tests/openapi_contract.py lists what is excluded and why); a mismatch fails the test that got it."""
    from django.test import Client

    from tests.openapi_contract import check_response

    request = Client.request

    def validated_request(self, **kwargs):
        response = request(self, **kwargs)
        check_response(response)
        return response

    monkeypatch.setattr(Client, "request", validated_request)


# --- Changes heard by LISTEN/NOTIFY (issue 16, h19-hits) ---
@pytest.fixture(autouse=True)
def _change_listener_closed():
    """Each test starts with this process's change listener unconnected (it hears nothing of another test's
    changes), and its connection never outlives the test database (which could then not be dropped)."""
    yield
    from cissapi.api import change_listener

    change_listener.listener.close()


# --- end of changes heard ---
