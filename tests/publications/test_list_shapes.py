"""A list's statement compiled once per list shape (publications.querysets._list_statement): the steps its
queryset was built by (published(), the slug filters, a search, a ranked page's ids), bound with each list's
values; the same statement the ORM writes, and anything else done to the queryset compiles it as it is."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from publications.models import Publication
from publications.querysets import ItemAddresses, _count_statement, _list_statement, _time_unplanned
from tests.compiles import compiled_models
from tests.factories import AuthorFactory, PublicationFactory, SeriesFactory, TopicFactory

pytestmark = pytest.mark.django_db

ADDRESSES = ItemAddresses(
    publication_url=("http://api.test/api/v1/publications/", "/"),
    author_url=("http://api.test/api/v1/authors/", "/"),
    topic_url=("http://api.test/api/v1/topics/", "/"),
    site_url="https://site.test",
    media_url="https://media.test/",
    time_zone="Asia/Karachi",
)


def titles(queryset) -> list[str]:
    return [piece.title for piece in queryset]


def as_the_orm_builds(queryset, build):
    """The list `build` makes of published pieces, built by the ORM as its shape's statement is: the published
    rule's time read as the statement runs where the shape reads it so (_TIME_UNPLANNED_STEPS)."""
    if not _time_unplanned(queryset._shape):
        return queryset
    [(step, _), *_] = queryset._shape
    assert step == "published"
    return build(Publication.objects.all()._published_read_at_run_time(queryset._shape_values[0]))


def test_a_second_list_of_a_shape_compiles_nothing_and_reads_its_own_values():
    water, ice = TopicFactory(slug="water"), TopicFactory(slug="ice")
    PublicationFactory(published=True, title="Rivers", topics=[water])
    PublicationFactory(published=True, title="Glaciers", topics=[ice])
    live = Publication.objects.published
    assert titles(live().in_topics(["water"]).as_items(ADDRESSES)[:20]) == ["Rivers"]

    with compiled_models() as compiled:
        assert titles(live().in_topics(["ice"]).as_items(ADDRESSES)[:20]) == ["Glaciers"]

    assert compiled == []


@pytest.mark.parametrize(
    "build",
    [
        lambda live: live.as_items(ADDRESSES)[:20],
        lambda live: live.as_items(ADDRESSES, fields=frozenset({"slug", "title"}))[40:60],
        lambda live: live.in_topics(["water", "ice", "water"]).as_items(ADDRESSES)[:20],
        lambda live: (
            live.by_author_slugs(["amna", "bilal"]).in_series(["insight"]).as_items(ADDRESSES)[20:40]
        ),
        lambda live: live.search("glacier melt").cross_posted_at(["dawn"]).as_items(ADDRESSES)[:10],
        lambda live: live.search("glacier").as_items(ADDRESSES)._among(3, 1, 2),
        lambda live: (
            live.as_items(ADDRESSES)
            .order_by("-published_at", "-id")
            .filter(published_at__lt="2025-03-01 10:00:00.250000+00:00")[0:21]
        ),
        lambda live: live.in_topics(["ice"]).as_items(ADDRESSES).order_by("-published_at", "-id")[0:21],
        lambda live: live.of_type("book").in_language("ur").as_items(ADDRESSES)[20:40],
    ],
    ids=[
        "list",
        "fields-deep",
        "topics",
        "authors-series",
        "search-outlet",
        "ranked-ids",
        "cursor",
        "cursor-1",
        "type-language",
    ],
)
def test_a_shapes_statement_is_the_one_the_orm_writes_for_the_same_list(build):
    queryset = build(Publication.objects.published())
    column = queryset.query.annotations["item"]

    statement = _list_statement(
        queryset.db, connection.features.uses_server_side_binding, queryset._shape, column.fields
    )

    assert statement is not None
    assert statement.extras == tuple(name for name in queryset.query.annotation_select if name != "item")
    sql, params = statement.bind(
        queryset._shape_values, column.addresses, queryset.query.low_mark, queryset.query.high_mark
    )
    assert (sql, params) == as_the_orm_builds(queryset, build)._items_statement(statement.extras)


@pytest.mark.parametrize(
    "build",
    [
        lambda live: live,
        lambda live: live.in_topics(["water", "ice", "water"]),
        lambda live: live.by_author_slugs(["amna", "bilal"]).in_series(["insight"]),
        lambda live: live.search("glacier melt").cross_posted_at(["dawn"]),
        lambda live: live.of_type("book").in_language("ur"),
    ],
    ids=["list", "topics", "authors-series", "search-outlet", "type-language"],
)
def test_a_shapes_count_is_the_one_the_orm_writes_for_the_same_list(build):
    queryset = build(Publication.objects.published())

    statement = _count_statement(
        queryset.db, connection.features.uses_server_side_binding, queryset._shape, 10_001
    )

    assert statement is not None
    expected = as_the_orm_builds(queryset, build).order_by().values("pk")[:10_001]
    sql, params = expected.query.get_compiler(queryset.db).as_sql()
    assert statement.bind(queryset._shape_values) == (f"SELECT COUNT(*) FROM ({sql}) subquery", list(params))


def test_a_counted_list_of_a_known_shape_builds_no_query():
    PublicationFactory(published=True, title="Rivers", topics=[TopicFactory(slug="ice")])
    PublicationFactory(published=True, title="Glaciers", topics=[TopicFactory(slug="water")])
    live = Publication.objects.published
    assert live().in_topics(["water"]).as_items(ADDRESSES).page_summary(limit=10) == (1, True, None)

    counted = live().in_topics(["ice"]).as_items(ADDRESSES)
    with compiled_models() as compiled:
        assert counted.page_summary(limit=10) == (1, True, None)
    assert live().page_summary(limit=1) == (1, False, None)

    assert compiled == []
    assert counted._lazy
    assert counted._query.where.children == []


def test_a_page_counted_in_its_own_statement_reads_its_rows_and_the_bounded_count():
    water = TopicFactory(slug="water")
    for day in range(1, 4):
        PublicationFactory(
            published=True,
            title=f"Day {day}",
            topics=[water],
            published_at=dt.datetime(2025, 3, day, tzinfo=dt.UTC),
        )
    live = Publication.objects.published
    assert live().in_topics(["water"]).as_items(ADDRESSES).counted_page(0, 2, bound=11)  # compiled once

    with compiled_models() as compiled, CaptureQueriesContext(connection) as queries:
        rows, counted = live().in_topics(["water"]).as_items(ADDRESSES).counted_page(1, 2, bound=11)
        assert live().in_topics(["ice"]).as_items(ADDRESSES).counted_page(0, 2, bound=11) == ([], None)

    assert (titles(rows), counted) == (["Day 2", "Day 1"], 3)
    assert (compiled, len(queries)) == ([], 2)
    # Counted up to the bound: one past the API's limit tells the count is not exact.
    assert live().as_items(ADDRESSES).counted_page(0, 1, bound=3)[1] == 3
    assert live().as_items(ADDRESSES).counted_page(0, 1, bound=2)[1] == 2
    assert live().search("day").as_items(ADDRESSES).counted_page(0, 2, bound=11) is None


def test_any_other_filter_leaves_the_shape_and_is_obeyed():
    PublicationFactory(published=True, title="A report", type=Publication.Type.REPORT)
    PublicationFactory(published=True, title="A commentary", type=Publication.Type.COMMENTARY)
    live = Publication.objects.published
    assert len(titles(live().as_items(ADDRESSES)[:20])) == 2

    reports = live().filter(type=Publication.Type.REPORT).as_items(ADDRESSES)[:20]

    assert reports._shape is None
    assert titles(reports) == ["A report"]


def test_lists_by_repeated_slugs_read_each_piece_once(client):
    author = AuthorFactory(slug="amna")
    PublicationFactory(published=True, title="Her piece", authors=[author], series=SeriesFactory(slug="s"))

    response = client.get("/api/v1/publications/", {"author": "amna,amna", "series": "s,s"})

    assert [item["title"] for item in response.json()["results"]] == ["Her piece"]


def test_a_list_page_of_a_known_shape_builds_no_query():
    TopicFactory(slug="water")
    live = Publication.objects.published
    assert titles(live().in_topics(["water"]).search("rivers").as_items(ADDRESSES)[:20]) == []
    PublicationFactory(published=True, title="Rivers", topics=[TopicFactory(slug="ice")])

    page = live().in_topics(["ice"]).as_items(ADDRESSES)[:20]
    assert titles(page) == ["Rivers"]

    assert page._lazy
    assert page._query.where.children == []


def test_a_lazy_list_read_any_other_way_is_built_first():
    PublicationFactory(published=True, title="Rivers", topics=[TopicFactory(slug="water")])
    PublicationFactory(published=True, title="Glaciers", topics=[TopicFactory(slug="ice")])
    lazy = Publication.objects.published().in_topics(["water"])

    assert lazy.count() == 1
    assert [piece.title for piece in lazy.order_by("title")] == ["Rivers"]
    assert lazy.search("rivers")._search_query is not None
    assert titles(lazy.as_items(ADDRESSES)[:5]) == ["Rivers"]
    assert titles(Publication.objects.published().as_items(ADDRESSES)[1:]) == ["Rivers"]


def test_a_cursor_page_is_a_shape_of_its_own_and_keeps_its_position(client):
    for day in range(1, 6):
        PublicationFactory(
            published=True, title=f"Day {day}", published_at=dt.datetime(2025, 3, day, 10, tzinfo=dt.UTC)
        )
    first = client.get("/api/v1/publications/", {"mode": "cursor", "page_size": 2}).json()
    second = client.get(first["next"]).json()

    with compiled_models() as compiled:
        third = client.get(second["next"]).json()

    assert [item["title"] for item in first["results"] + second["results"] + third["results"]] == [
        "Day 5",
        "Day 4",
        "Day 3",
        "Day 2",
        "Day 1",
    ]
    assert "Publication" not in compiled
    ordered = Publication.objects.published().order_by("-published_at", "-id")
    assert ordered._shape == (("published", 1),)
    assert ordered.order_by("title")._shape is None
