"""The floor is a floor: for every benchmarked URL its SQL is never planned costlier than the API's.

Not timed (timings here would be noise): both sides' statements for the same URL are planned with
EXPLAIN (FORMAT JSON) on a small generated catalogue, and their total costs compared. The API's side is
every statement a request runs (counts cached or not, as API_CACHE_COUNTS says), the floor's the one or
two it sends. Each side answers the URL once first, so a kept count is used as the bench sees it.
"""

from __future__ import annotations

import psycopg
import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench import floor as floor_module
from bench.floor import make_app
from bench.targets import benchmark_targets
from publications.models import Publication
from tests.bench.test_floor import normalise
from tests.bench.wsgi_client import WSGIClient
from tooling.corpus import generate_corpus
from tooling.corpus_words import RARE_TERMS

pytestmark = pytest.mark.django_db

PUBLICATIONS = 3000
# A detail's JSON is built whole by the floor's SQL (the API builds it in Python; a bio both build in SQL,
# key for key in a different order): a few hundred function calls the planner costs at 0.0025 each, under
# 1 % of either plan.
JSON_ALLOWANCE = 1.01


def planned_cost(sql: str, params: dict | None = None) -> float:
    """The planner's total cost of one statement, its parameters bound as the server would bind them."""
    with psycopg.ClientCursor(connection.connection) as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        row = cursor.fetchone()
    assert row is not None
    return float(row[0][0]["Plan"]["Total Cost"])


def is_plannable(sql: str) -> bool:
    # Savepoints and SETs a request may run cannot be explained, and cost nothing worth comparing.
    return sql.lstrip().upper().startswith(("SELECT", "WITH", "INSERT", "UPDATE", "DELETE"))


@pytest.fixture
def corpus():
    generate_corpus(publications=PUBLICATIONS, authors=60)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # statistics for the plans, as make bench's catalogue has them
    live = Publication.objects.published()
    rare = next(
        (t for t in RARE_TERMS if live.filter(search_vector=SearchQuery(t, config="english")).exists()),
        "kashmir",  # a title place: a few dozen pieces when no planted rare term landed in so few
    )
    return benchmark_targets(deep_page=50, common_term="security", rare_term=rare)


@pytest.mark.parametrize("cache_counts", [True, False], ids=["counts cached", "counts every time"])
def test_the_floors_sql_is_never_planned_costlier_than_the_apis(
    settings, client, corpus, cache_counts, monkeypatch
):
    settings.API_CACHE = False
    settings.API_CACHE_COUNTS = cache_counts
    connection.ensure_connection()
    # What is compared is how each side finds, counts, orders and reads the rows, not how it builds JSON:
    # the API builds a list item's JSON and an image's renditions in Python, where EXPLAIN cannot see them,
    # the floor in SQL. So the floor's list items and renditions are planned without their JSON building.
    monkeypatch.setattr(
        floor_module,
        "image_json",
        lambda image_id: (
            f"(SELECT json_build_object('url', i.file) FROM media_image i WHERE i.id = {image_id})"
        ),
    )
    floor = make_app(lambda: connection.connection)
    assert floor.cache_counts is cache_counts
    floor.item = floor.search_item = "json_build_object('id', p.id)"
    sent: list[tuple[str, dict]] = []
    execute = floor.execute

    def recording(sql: str, params: dict) -> tuple | None:
        sent.append((sql, dict(params)))
        return execute(sql, params)

    floor.execute = recording  # type: ignore[method-assign]  # records what the floor sends, unchanged
    floor_client = WSGIClient(floor)

    worse = []
    for target in corpus:
        assert client.get(target.url).status_code == 200, target
        with CaptureQueriesContext(connection) as queries:
            assert client.get(target.url).status_code == 200, target
        api = sum(planned_cost(q["sql"]) for q in queries.captured_queries if is_plannable(q["sql"]))

        assert floor_client.get(target.url).status_code == 200, target
        sent.clear()
        assert floor_client.get(target.url).status_code == 200, target
        ours = sum(planned_cost(sql, params) for sql, params in sent)

        if ours > api * JSON_ALLOWANCE:
            worse.append(f"{target.name}: floor {ours:.2f} > API {api:.2f}")
    assert not worse, "\n".join(worse)


@pytest.mark.parametrize("cache_counts", [True, False], ids=["counts cached", "counts every time"])
def test_on_a_generated_catalogue_the_floor_answers_the_apis_json(settings, client, corpus, cache_counts):
    """Past the ranked search window too: a common word matches more than SEARCH_RANK_WINDOW pieces here."""
    settings.API_CACHE = False
    settings.API_CACHE_COUNTS = cache_counts
    connection.ensure_connection()
    floor = WSGIClient(make_app(lambda: connection.connection))
    common = next(t for t in corpus if t.name.startswith("search common"))
    assert client.get(common.url).json()["count"] > floor_module.SEARCH_RANK_WINDOW

    for _ in range(2):
        for target in corpus:
            api = client.get(target.url)
            assert api.status_code == 200, target
            assert normalise(floor.get(target.url).json()) == normalise(api.json()), target.name


def test_the_floor_reads_the_published_time_as_its_statements_run_where_the_api_does(
    settings, client, corpus
):
    """The API's lists without a search or an author read the published rule's time as the statement runs,
    so Postgres keeps their generic plan rather than planning them on every request (~1 ms at 100k): the
    floor must not pay that planning where the API does not."""
    settings.API_CACHE = False
    floor = make_app(lambda: connection.connection)
    sent: list[str] = []
    execute = floor.execute

    def recording(sql: str, params: dict) -> tuple | None:
        sent.append(sql)
        return execute(sql, params)

    floor.execute = recording  # type: ignore[method-assign]  # records what the floor sends, unchanged
    floor_client = WSGIClient(floor)
    differ = []
    for target in corpus:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(target.url).status_code == 200, target
        sent.clear()
        assert floor_client.get(target.url).status_code == 200, target
        api = any("<= (SELECT" in q["sql"] and "::timestamptz)" in q["sql"] for q in queries.captured_queries)
        ours = any("<= (SELECT %(now)s::timestamptz)" in sql for sql in sent)
        if api != ours:
            differ.append(f"{target.name}: API {api}, floor {ours}")
    assert not differ, "\n".join(differ)
