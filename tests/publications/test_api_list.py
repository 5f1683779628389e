import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from tests.factories import (
    AuthorFactory,
    CrossPostFactory,
    OutletFactory,
    PublicationFactory,
    SeriesFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

LIST_ITEM_FIELDS = {
    "id", "uuid", "slug", "url", "public_url", "type", "title", "subtitle", "summary", "language",
    "published_at", "updated_at", "reading_minutes", "authors", "topics", "series", "image",
}  # fmt: skip


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


def days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def test_list_items_are_lean_and_newest_first(api_get):
    older = PublicationFactory(published=True, published_at=days_ago(3))
    newer = PublicationFactory(published=True, published_at=days_ago(1))

    response = api_get("v1:publication-list")

    body = response.json()
    assert body["count"] == 2
    assert [item["slug"] for item in body["results"]] == [newer.slug, older.slug]
    assert set(body["results"][0]) == LIST_ITEM_FIELDS


def test_list_byline_keeps_author_order(api_get):
    first, second, third = AuthorFactory(), AuthorFactory(), AuthorFactory()
    PublicationFactory(published=True, authors=[third, first, second])

    item = api_get("v1:publication-list").json()["results"][0]

    assert [author["slug"] for author in item["authors"]] == [third.slug, first.slug, second.slug]


def test_filter_by_several_authors_includes_co_authored_pieces(api_get):
    a, b, c = AuthorFactory(), AuthorFactory(), AuthorFactory()
    by_a = PublicationFactory(published=True, authors=[a], published_at=days_ago(1))
    co_authored = PublicationFactory(published=True, authors=[c, b], published_at=days_ago(2))
    PublicationFactory(published=True, authors=[c])

    assert slugs(api_get("v1:publication-list", author=f"{a.slug},{b.slug}")) == [by_a.slug, co_authored.slug]


def test_several_slugs_may_also_come_as_repeated_parameters(client):
    a, b = AuthorFactory(), AuthorFactory()
    by_a = PublicationFactory(published=True, authors=[a], published_at=days_ago(1))
    by_b = PublicationFactory(published=True, authors=[b], published_at=days_ago(2))
    PublicationFactory(published=True)

    response = client.get(f"/api/v1/publications/?author={a.slug}&author={b.slug}")

    assert slugs(response) == [by_a.slug, by_b.slug]


def test_filter_by_topics_matches_any_or_all(api_get):
    space, china = TopicFactory(), TopicFactory()
    both = PublicationFactory(published=True, topics=[space, china], published_at=days_ago(1))
    only_space = PublicationFactory(published=True, topics=[space], published_at=days_ago(2))
    PublicationFactory(published=True)

    topics = f"{space.slug},{china.slug}"
    assert slugs(api_get("v1:publication-list", topic=topics)) == [both.slug, only_space.slug]
    assert slugs(api_get("v1:publication-list", topic=topics, topic_match="all")) == [both.slug]


def test_filter_by_type_series_language_and_outlet(api_get):
    journal = SeriesFactory()
    outlet = OutletFactory()
    report = PublicationFactory(published=True, type="report")
    in_series = PublicationFactory(published=True, series=journal)
    in_urdu = PublicationFactory(published=True, language="ur")
    cross_posted = PublicationFactory(published=True)
    CrossPostFactory(publication=cross_posted, outlet=outlet)

    assert slugs(api_get("v1:publication-list", type="report")) == [report.slug]
    assert slugs(api_get("v1:publication-list", series=journal.slug)) == [in_series.slug]
    assert slugs(api_get("v1:publication-list", language="ur")) == [in_urdu.slug]
    assert slugs(api_get("v1:publication-list", outlet=outlet.slug)) == [cross_posted.slug]


def test_a_language_lists_its_live_pieces_newest_first_and_a_scheduled_one_from_its_time(client):
    older = PublicationFactory(published=True, language="ur", published_at=days_ago(2))
    newer = PublicationFactory(published=True, language="ur", published_at=days_ago(1))
    PublicationFactory(language="ur")  # a draft
    PublicationFactory(published=True, language="ur", trashed_at=timezone.now())
    PublicationFactory(published=True, language="en")
    scheduled = PublicationFactory(scheduled=True, language="ur")

    # Twice the prepare threshold, so later runs read the prepared statement (the step's own).
    for _ in range(10):
        body = client.get("/api/v1/publications/", {"language": "ur"}).json()
        assert [item["slug"] for item in body["results"]] == [newer.slug, older.slug]
        assert body["count"] == 2
    with time_machine.travel(scheduled.published_at + dt.timedelta(seconds=1)):
        body = client.get("/api/v1/publications/", {"language": "ur"}).json()
    assert [item["slug"] for item in body["results"]] == [scheduled.slug, newer.slug, older.slug]
    assert body["count"] == 3
    assert client.get("/api/v1/publications/", {"language": "zz"}).json()["count"] == 0


def test_filter_by_publication_and_update_dates(api_get):
    old = PublicationFactory(published=True, published_at=days_ago(30))
    recent = PublicationFactory(published=True, published_at=days_ago(2))
    since = timezone.localtime(days_ago(10)).isoformat()

    assert slugs(api_get("v1:publication-list", published_after=since)) == [recent.slug]
    assert slugs(api_get("v1:publication-list", published_before=since)) == [old.slug]
    assert slugs(api_get("v1:publication-list", published_after=timezone.localdate().isoformat())) == []
    assert sorted(slugs(api_get("v1:publication-list", updated_since=since))) == sorted(
        [old.slug, recent.slug]
    )
    assert (
        slugs(
            api_get("v1:publication-list", updated_since=(timezone.now() + dt.timedelta(hours=1)).isoformat())
        )
        == []
    )


def test_ordering_by_title_and_updated(api_get):
    b = PublicationFactory(published=True, title="Bravo")
    a = PublicationFactory(published=True, title="Alpha")
    b.summary = "Edited last."  # a public edit: a save that changes nothing public keeps updated_at
    b.save()

    assert slugs(api_get("v1:publication-list", ordering="title")) == [a.slug, b.slug]
    assert slugs(api_get("v1:publication-list", ordering="-title")) == [b.slug, a.slug]
    assert slugs(api_get("v1:publication-list", ordering="-updated")) == [b.slug, a.slug]
    assert slugs(api_get("v1:publication-list", ordering="updated")) == [a.slug, b.slug]


def test_fields_parameter_trims_list_items(api_get):
    publication = PublicationFactory(published=True)

    body = api_get("v1:publication-list", fields="slug, title").json()

    assert body["results"] == [{"slug": publication.slug, "title": publication.title}]


def test_unknown_slug_filters_match_nothing(api_get):
    PublicationFactory(published=True)

    assert slugs(api_get("v1:publication-list", author="nobody")) == []
    assert slugs(api_get("v1:publication-list", topic="nothing")) == []


def topic_all_sql(client, slugs: list[str]) -> str:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/publications/", {"topic": ",".join(slugs), "topic_match": "all"})
    assert response.status_code == 200, response.content
    return "\n".join(query["sql"] for query in queries)


def test_matching_all_of_many_topics_is_one_grouped_query(client, settings, response_cache_off):
    """The planning DoS: one EXISTS per slug took over a minute to plan at 300 slugs."""
    settings.API_MAX_FILTER_VALUES = 300
    topics = [TopicFactory(slug=f"t{number}") for number in range(300)]
    everywhere = PublicationFactory(published=True, topics=topics)
    PublicationFactory(published=True, topics=topics[:299])

    few = topic_all_sql(client, ["t0", "t1"])
    many = topic_all_sql(client, [topic.slug for topic in topics])

    # The statements' shape does not grow with the number of slugs, only their parameter lists do.
    for keyword in ("EXISTS", "SELECT", "GROUP BY", "JOIN"):
        assert many.count(keyword) == few.count(keyword), keyword
    assert slugs(
        client.get("/api/v1/publications/", {"topic": ",".join(t.slug for t in topics), "topic_match": "all"})
    ) == [everywhere.slug]


def test_matching_all_of_many_topics_plans_quickly(settings):
    from django.db import connection

    from publications.models import Publication

    slugs_ = [f"t{number}" for number in range(300)]
    queryset = Publication.objects.published().in_topics(slugs_, match_all=True)
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (SUMMARY) {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    planning_ms = float(plan.split("Planning Time: ")[1].split(" ms")[0])
    assert planning_ms < 1000, plan


def test_matching_all_topics_counts_a_repeated_slug_once(api_get):
    space, china = TopicFactory(), TopicFactory()
    both = PublicationFactory(published=True, topics=[space, china])
    PublicationFactory(published=True, topics=[space])

    response = api_get(
        "v1:publication-list", topic=f"{space.slug},{china.slug},{space.slug}", topic_match="all"
    )

    assert slugs(response) == [both.slug]


def problem(response) -> dict:
    """A problem+json answer but its `instance` (the request's own URL)."""
    return {name: value for name, value in response.json().items() if name != "instance"}


@pytest.mark.parametrize(
    "topic",
    [["space,china"], ["space", "china"], ["space,space"], [""], ["nothing"], ["space,", "china"], ["a b"]],
    ids=["commas", "repeated", "twice", "empty", "unknown", "an empty one", "not a slug"],
)
def test_topics_with_no_other_filter_build_no_filterset_and_answer_what_one_answers(
    client, filtersets, topic, settings
):
    space, china = TopicFactory(slug="space"), TopicFactory(slug="china")
    PublicationFactory(published=True, topics=[space, china], published_at=days_ago(1))
    PublicationFactory(published=True, topics=[space], published_at=days_ago(2))
    PublicationFactory(published=True, topics=[china], published_at=days_ago(3))
    PublicationFactory(published=True, published_at=days_ago(4))
    settings.API_MAX_FILTER_VALUES = 3

    alone = client.get("/api/v1/publications/", {"topic": topic, "page_size": 2})
    assert filtersets == []
    # An empty `type` is a filter that filters nothing: the FilterSet then cleans and applies `topic`.
    with_filterset = client.get("/api/v1/publications/", {"topic": topic, "page_size": 2, "type": ""})
    assert filtersets

    assert alone.status_code == with_filterset.status_code
    assert alone["Content-Type"] == with_filterset["Content-Type"]
    if alone.status_code != 200:
        assert problem(alone) == problem(with_filterset)
        return
    assert alone.json()["results"] == with_filterset.json()["results"]
    assert alone.json()["count"] == with_filterset.json()["count"]


def test_too_many_lone_topics_are_the_filtersets_400(client, filtersets, settings):
    settings.API_MAX_FILTER_VALUES = 2
    alone = client.get("/api/v1/publications/", {"topic": "a,b,c"})
    with_filterset = client.get("/api/v1/publications/", {"topic": "a,b,c", "type": ""})

    assert alone.status_code == with_filterset.status_code == 400
    assert filtersets
    assert problem(alone) == problem(with_filterset)
    assert alone.json()["errors"] == [{"parameter": "topic", "detail": "Give at most 2 values."}]
