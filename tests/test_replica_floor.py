"""The replica floor (cissapi/db_router.py) is recorded by one writer at a time, so it never moves back.

Runs on the primary alone: the floor is the primary's WAL position in the shared cache. The replica itself
is exercised in tests/scale/test_replica.py."""

from __future__ import annotations

import threading

import psycopg
import pytest
from django.core.cache import cache
from django.db import connection, connections

from cissapi import db_router

pytestmark = pytest.mark.django_db(transaction=True)


def current_lsn() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return db_router.parse_lsn(cursor.fetchone()[0])


def other_session() -> psycopg.Connection:
    """A connection of its own to the test database, as another server process would hold."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params, autocommit=True)


def test_the_floor_is_the_primary_s_position_when_recorded():
    before = current_lsn()

    recorded = db_router.record_floor()

    assert before <= recorded <= current_lsn()
    assert cache.get(db_router.FLOOR_KEY) == recorded


def test_a_writer_records_only_when_no_other_is_recording_and_reads_the_position_then():
    """Two writers: one (the other session) holds the lock while it records; ours waits, then reads the
    position as it is after the other's write, never the older one it would have read before waiting."""
    finished = threading.Event()
    recorded: list[int] = []

    def ours() -> None:
        try:
            recorded.append(db_router.record_floor())
        finally:
            connections.close_all()
            finished.set()

    with other_session() as other:
        other.execute("SELECT pg_advisory_lock(%s)", [db_router.FLOOR_LOCK])
        writer = threading.Thread(target=ours)
        writer.start()
        assert not finished.wait(0.5), "recorded while another writer held the lock"
        # The other writer's change, WAL-logged while ours waits; its position is what ours must not undercut.
        other.execute("CREATE TEMPORARY TABLE floor_probe AS SELECT 1 AS x")
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            others_position = db_router.parse_lsn(cursor.fetchone()[0])
        cache.set(db_router.FLOOR_KEY, others_position, timeout=None)
        other.execute("SELECT pg_advisory_unlock(%s)", [db_router.FLOOR_LOCK])
        writer.join(10)

    assert finished.is_set()
    assert recorded[0] >= others_position
    assert cache.get(db_router.FLOOR_KEY) == recorded[0]
