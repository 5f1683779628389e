"""The list page's statement is prepared on each connection (cissapi.prepared_statements) and keeps custom
plans: it answers as an unprepared one would, and a scheduled piece still appears at its time."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils import timezone

from tests.factories import PublicationFactory, TopicFactory

pytestmark = pytest.mark.django_db

# Enough runs for psycopg to prepare the statement, and for Postgres to weigh a generic plan (after five
# custom ones) if it were allowed to.
RUNS = int(settings.DB_PREPARE_THRESHOLD) + 6


def page_statements() -> list[tuple[int, int]]:
    """(generic plans, custom plans) of each prepared statement of this connection that builds list items."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%AS "item"%'],
        )
        return cursor.fetchall()


def slugs(response) -> list[str]:
    assert response.status_code == 200
    return [item["slug"] for item in response.json()["results"]]


def test_the_list_page_statement_is_prepared_and_planned_for_each_runs_values(api_get, response_cache_off):
    topic = TopicFactory()
    PublicationFactory.create_batch(3, published=True, topics=[topic])
    assert page_statements() == []
    for _ in range(RUNS):
        assert len(slugs(api_get("v1:publication-list", topic=topic.slug))) == 3
    # Prepared (so parsed once), and never planned generically: a generic plan of this statement can be a
    # hundred times slower on a large catalogue (cissapi.prepared_statements).
    [(generic, custom)] = page_statements()
    assert generic == 0
    assert custom >= RUNS - int(settings.DB_PREPARE_THRESHOLD)
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone() == ("force_custom_plan",)


def test_a_prepared_page_shows_a_scheduled_piece_once_its_time_has_come(api_get, response_cache_off):
    live = PublicationFactory(published=True, published_at=timezone.now() - dt.timedelta(days=1))
    scheduled = PublicationFactory(published=True, published_at=timezone.now() + dt.timedelta(hours=1))
    for _ in range(RUNS):
        assert slugs(api_get("v1:publication-list")) == [live.slug]
    assert page_statements(), "the page statement should be prepared by now"
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        assert slugs(api_get("v1:publication-list")) == [scheduled.slug, live.slug]
