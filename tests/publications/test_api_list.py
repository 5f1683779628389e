import datetime as dt

import pytest
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
    b.save()  # edited last

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
