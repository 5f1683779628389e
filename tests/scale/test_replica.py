"""Read replicas (cissapi/db_router.py) against a real streaming replica of the embedded Postgres, made with
its own pg_basebackup: public reads go to the replica, writes and the admin to the primary, and a lagging
replica never serves an unpublished piece as live."""

from __future__ import annotations

import os
import time

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cissapi import db_router
from publications.models import Publication
from publications.services import publication_unpublish
from tests.engines import streaming_replica
from tests.factories import PublicationFactory

ALIAS = "replica1"
# The replica is read over its own connection, so what the primary holds must be committed; its alias is a
# test mirror so pytest-django never flushes it (a standby is read-only; it follows the primary's flush).
pytestmark = pytest.mark.django_db(transaction=True, databases=["default", ALIAS])
LIST = "/api/v1/publications/"


@pytest.fixture(scope="module")
def replica(django_db_setup, django_db_blocker):
    """The replica as Django alias `replica1` (the primary's test database, on the standby)."""
    primary = connections["default"].settings_dict
    folder = django_settings.VAR_DIR / f"replica-test-{os.getpid()}"
    with django_db_blocker.unblock(), streaming_replica(primary["HOST"], folder) as (socket_dir, port):
        connections.settings[ALIAS] = {
            **primary,
            "HOST": socket_dir,
            "PORT": str(port),
            "TEST": {**primary.get("TEST", {}), "MIRROR": "default"},
        }
        yield ALIAS
        connections[ALIAS].close()
        del connections[ALIAS]
        del connections.settings[ALIAS]


@pytest.fixture
def routed(replica, settings):
    """The project as DATABASE_REPLICA_URLS configures it, with this replica."""
    settings.DATABASE_REPLICAS = [replica]
    settings.DATABASE_ROUTERS = ["cissapi.db_router.ReplicaRouter"]
    settings.MIDDLEWARE = ["cissapi.db_router.ReplicaReadsMiddleware", *settings.MIDDLEWARE]
    # Each request reads the database (no cached response or count), so each shows where it read.
    settings.API_CACHE = settings.API_CACHE_COUNTS = False
    db_router._replayed.clear()
    yield replica
    db_router._replayed.clear()


def replay(replica: str, *, paused: bool) -> None:
    with connections[replica].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()")


def caught_up(replica: str) -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        target = db_router.parse_lsn(cursor.fetchone()[0])
    deadline = time.monotonic() + 20
    while True:
        with connections[replica].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn()::text")
            if db_router.parse_lsn(cursor.fetchone()[0]) >= target:
                return
        assert time.monotonic() < deadline, "the replica did not catch up within 20 s"
        time.sleep(0.02)


def titles(client) -> list[str]:
    return [item["title"] for item in client.get(LIST).json()["results"]]


def test_public_reads_go_to_the_replica_and_the_admin_to_the_primary(routed, client, editor):
    PublicationFactory(published=True, title="Replicated")
    caught_up(routed)

    with CaptureQueriesContext(connections[routed]) as on_replica:
        assert titles(client) == ["Replicated"]
    assert any("publications_publication" in query["sql"] for query in on_replica.captured_queries)

    client.force_login(editor)
    with CaptureQueriesContext(connections[routed]) as on_replica:
        assert client.get(reverse("admin:publications_publication_changelist")).status_code == 200
        assert titles(client) == ["Replicated"]  # an editor's session: the primary too
    assert on_replica.captured_queries == []


def test_reads_after_a_write_in_the_same_request_stay_on_the_primary(routed, rf):
    from django.http import HttpResponse

    seen = []

    def view(request):
        seen.append(Publication.objects.all().db)
        PublicationFactory()
        seen.append(Publication.objects.all().db)
        return HttpResponse()

    caught_up(routed)
    db_router.ReplicaReadsMiddleware(view)(rf.get("/api/v1/publications/"))

    assert seen == [routed, "default"]


def test_an_unpublished_piece_is_never_served_as_live_by_a_lagging_replica(routed, client):
    piece = PublicationFactory(published=True, title="Soon withdrawn")
    caught_up(routed)
    assert titles(client) == ["Soon withdrawn"]

    replay(routed, paused=True)
    try:
        publication_unpublish(publication=Publication.objects.get(pk=piece.pk))

        with CaptureQueriesContext(connections[routed]) as on_replica:
            assert titles(client) == []  # the primary answered
        # The replica really is behind: it still holds the piece as published.
        assert Publication.objects.using(routed).published().filter(pk=piece.pk).exists()
        assert not any("publications_publication" in query["sql"] for query in on_replica.captured_queries)
    finally:
        replay(routed, paused=False)

    caught_up(routed)
    with CaptureQueriesContext(connections[routed]) as on_replica:
        assert titles(client) == []
    assert any("publications_publication" in query["sql"] for query in on_replica.captured_queries)


@pytest.mark.django_db(databases=["default"])  # child processes read the settings; no replica here
def test_replica_urls_become_mirrored_aliases_a_router_and_the_middleware():
    from tests.processes import child_environment, database_url, manage

    replicas = "postgres://reader:pw@replica-a:5432/cissapi,postgres://reader:pw@replica-b:5433/cissapi"
    show = (
        "from django.conf import settings as s; d = s.DATABASES; "
        "print(s.DATABASE_REPLICAS, d['replica2']['HOST'], d['replica2']['PORT'], "
        "d['replica1']['TEST']['MIRROR'], "
        "s.DATABASE_ROUTERS, s.MIDDLEWARE[0])"
    )

    result = manage("shell", "-v", "0", "-c", show, env=child_environment(DATABASE_REPLICA_URLS=replicas))
    alone = manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings as s; print(s.DATABASE_ROUTERS)",
        env=child_environment(DATABASE_URL=database_url()),
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "['replica1',",
        "'replica2']",
        "replica-b",
        "5433",
        "default",
        "['cissapi.db_router.ReplicaRouter']",
        "cissapi.db_router.ReplicaReadsMiddleware",
    ]
    assert alone.stdout.strip() == "[]"
