"""The shared cache's table (cissapi/api/cache_table.py): its reads keep Django's DatabaseCache semantics (the
same keys, expired rows are misses) in statements Postgres prepares once per connection."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection

pytestmark = pytest.mark.django_db


def test_a_read_gives_the_values_found_under_the_keys_asked():
    cache.set("first", {"one": 1}, 30)
    cache.set("second", [2], 30, version=2)
    cache.set("third", "3", 30)

    assert cache.get_many(["first", "second", "missing"]) == {"first": {"one": 1}}
    assert cache.get_many(["second"], version=2) == {"second": [2]}
    assert cache.get("third") == "3"
    assert cache.get_many([]) == {}


@pytest.mark.database_cache
def test_an_expired_row_is_a_miss_and_is_deleted():
    cache.set("short", "lived", 5)
    cache.set("long", "lived", 600)

    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(seconds=10)):
        assert cache.get_many(["short", "long"]) == {"long": "lived"}

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cissapi_cache WHERE cache_key = %s", [cache.make_key("short")])
        assert cursor.fetchone() == (0,)


@pytest.mark.database_cache
def test_reads_are_statements_planned_once_per_connection(settings):
    threshold = settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"]
    assert threshold is not None
    keys = [f"key-{number}" for number in range(3)]
    cache.set_many({key: key for key in keys}, 30)
    for _ in range(threshold + 1):
        for count in (1, 2, 3):
            assert cache.get_many(keys[:count]) == {key: key for key in keys[:count]}
        cache.get_many(["other-1", "other-2"])  # the same statement as any two keys

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%%cissapi_cache%%'"
        )
        statements = sorted(row[0] for row in cursor.fetchall())
    assert len(statements) == 3, statements  # one per number of keys read
    assert statements[0].endswith("IN ($1)")
