"""Topics', series' and outlets' stored counts of published pieces (migration 0021, publications.related):
what the lists and details read is always the live count, with a stored row, without one, and across every
write that changes what was counted."""

import datetime as dt
import random
from collections.abc import Callable

import pytest
import time_machine
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from publications.models import (
    CrossPost,
    OutletPublicationStats,
    Publication,
    SeriesPublicationStats,
    TopicPublicationStats,
)
from publications.querysets import (
    with_last_published_at,
    with_live_publications,
    with_publication_counts,
)
from publications.related import publication_stats_rebuild_missing
from publications.services import (
    publication_delete,
    publication_publish,
    publication_restore,
    publication_trash,
    publication_unpublish,
)
from taxonomy.models import Outlet, Series, Topic
from tests.factories import (
    AuthorFactory,
    CrossPostFactory,
    OutletFactory,
    PublicationFactory,
    SeriesFactory,
    TopicFactory,
    random_visibility,
)
from tests.publications.collection_counts import live_numbers, read_numbers

pytestmark = pytest.mark.django_db

STATS = (TopicPublicationStats, SeriesPublicationStats, OutletPublicationStats)


def stored_rows() -> int:
    return sum(stats.objects.count() for stats in STATS)


@pytest.fixture
def catalogue():
    """Forty pieces over a few topics, series and outlets: published, scheduled, drafts and trashed."""
    rng = random.Random(21)
    topics = [TopicFactory() for _ in range(3)]
    series = [SeriesFactory() for _ in range(3)]
    outlets = [OutletFactory() for _ in range(3)]
    now = timezone.now()
    pieces = []
    for _ in range(40):
        extra = random_visibility(rng, now, (70, 10, 12, 8))
        piece = PublicationFactory(
            topics=rng.sample(topics, rng.randint(0, 2)), series=rng.choice([None, *series]), **extra
        )
        for outlet in rng.sample(outlets, rng.randint(0, 2)):
            CrossPostFactory(publication=piece, outlet=outlet)
        pieces.append(piece)
    return {"pieces": pieces, "topics": topics, "series": series, "outlets": outlets}


def live_piece(catalogue) -> Publication:
    return next(p for p in catalogue["pieces"] if p.is_live_at(timezone.now()))


def filed_live_piece(catalogue) -> Publication:
    """A live piece under a topic, in a series and cross-posted, so a change to it touches all three."""
    piece = live_piece(catalogue)
    piece.topics.add(catalogue["topics"][0])
    Publication.objects.filter(pk=piece.pk).update(series=catalogue["series"][0])
    CrossPostFactory(publication=piece, outlet=catalogue["outlets"][0])
    piece.refresh_from_db()
    return piece


def draft_dated_long_ago(catalogue) -> Publication:
    """A draft dated before any stored row's `as_of`: only a trigger, not the pieces gone live since, can
    bring it into a count once published."""
    piece = PublicationFactory(
        authors=[AuthorFactory()],
        published_at=timezone.now() - dt.timedelta(days=400),
        topics=[catalogue["topics"][1]],
        series=catalogue["series"][1],
    )
    CrossPostFactory(publication=piece, outlet=catalogue["outlets"][1])
    return piece


def publish_an_old_draft(catalogue) -> None:
    piece = draft_dated_long_ago(catalogue)
    publish_stored_first(piece)


def publish_stored_first(piece: Publication) -> None:
    publication_stats_rebuild_missing()
    publication_publish(publication=piece, by=None, at=piece.published_at)


def unpublish(catalogue) -> None:
    publication_unpublish(publication=filed_live_piece(catalogue))


def trash(catalogue) -> None:
    publication_trash(publication=filed_live_piece(catalogue))


def restore(catalogue) -> None:
    piece = filed_live_piece(catalogue)
    publication_trash(publication=piece)
    publication_stats_rebuild_missing()
    publication_restore(publication=Publication.objects.get(pk=piece.pk))


def redate_the_newest_to_long_ago(catalogue) -> None:
    piece = filed_live_piece(catalogue)
    Publication.objects.filter(pk=piece.pk).update(published_at=timezone.now() + dt.timedelta(seconds=-1))
    publication_stats_rebuild_missing()
    # Still live, so the count stays; the newest date falls back to another piece's.
    Publication.objects.filter(pk=piece.pk).update(published_at=timezone.now() - dt.timedelta(days=500))


def delete(catalogue) -> None:
    publication_delete(publication=filed_live_piece(catalogue))


def delete_in_sql(catalogue) -> None:
    piece = filed_live_piece(catalogue)
    publication_stats_rebuild_missing()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM publications_crosspost WHERE publication_id = %s", [piece.pk])
        cursor.execute("DELETE FROM publications_publication_topics WHERE publication_id = %s", [piece.pk])
        cursor.execute("DELETE FROM publications_publicationauthor WHERE publication_id = %s", [piece.pk])
        cursor.execute("DELETE FROM publications_publication WHERE id = %s", [piece.pk])


def file_under_a_topic(catalogue) -> None:
    piece = Publication.objects.published().exclude(topics=catalogue["topics"][2]).first()
    piece.topics.add(catalogue["topics"][2])


def remove_a_filing(catalogue) -> None:
    piece = filed_live_piece(catalogue)
    publication_stats_rebuild_missing()
    piece.topics.remove(catalogue["topics"][0])


def move_a_filing_in_sql(catalogue) -> None:
    piece = filed_live_piece(catalogue)
    Publication.topics.through.objects.filter(publication=piece, topic=catalogue["topics"][2]).delete()
    publication_stats_rebuild_missing()
    Publication.topics.through.objects.filter(publication=piece, topic=catalogue["topics"][0]).update(
        topic=catalogue["topics"][2]
    )


def cross_post(catalogue) -> None:
    piece = Publication.objects.published().exclude(cross_posts__outlet=catalogue["outlets"][2]).first()
    CrossPostFactory(publication=piece, outlet=catalogue["outlets"][2])


def remove_a_cross_post(catalogue) -> None:
    piece = filed_live_piece(catalogue)
    publication_stats_rebuild_missing()
    CrossPost.objects.filter(publication=piece, outlet=catalogue["outlets"][0]).delete()


def move_a_cross_post(catalogue) -> None:
    piece = filed_live_piece(catalogue)
    CrossPost.objects.filter(publication=piece, outlet=catalogue["outlets"][2]).delete()
    publication_stats_rebuild_missing()
    CrossPost.objects.filter(publication=piece, outlet=catalogue["outlets"][0]).update(
        outlet=catalogue["outlets"][2]
    )


def move_to_another_series(catalogue) -> None:
    piece = filed_live_piece(catalogue)
    publication_stats_rebuild_missing()
    piece.series = catalogue["series"][2]
    piece.save()


def leave_the_series(catalogue) -> None:
    piece = filed_live_piece(catalogue)
    publication_stats_rebuild_missing()
    Publication.objects.filter(pk=piece.pk).update(series=None)


def delete_a_series(catalogue) -> None:
    filed_live_piece(catalogue)
    publication_stats_rebuild_missing()
    catalogue["series"][0].delete()


def create_a_backdated_piece(catalogue) -> None:
    publication_stats_rebuild_missing()
    PublicationFactory(
        published=True,
        published_at=timezone.now() - dt.timedelta(days=300),
        series=catalogue["series"][1],
        topics=[catalogue["topics"][1]],
    )


CHANGES: list[Callable] = [
    publish_an_old_draft,
    unpublish,
    trash,
    restore,
    redate_the_newest_to_long_ago,
    delete,
    delete_in_sql,
    file_under_a_topic,
    remove_a_filing,
    move_a_filing_in_sql,
    cross_post,
    remove_a_cross_post,
    move_a_cross_post,
    move_to_another_series,
    leave_the_series,
    delete_a_series,
    create_a_backdated_piece,
]


def test_stored_counts_are_the_live_ones_with_and_without_a_row(catalogue):
    without_rows = read_numbers()
    assert stored_rows() == 0

    assert publication_stats_rebuild_missing() > 0

    assert stored_rows() == len(Topic.objects.all()) + len(Series.objects.all()) + len(Outlet.objects.all())
    assert read_numbers() == without_rows == live_numbers()


@pytest.mark.parametrize("change", CHANGES, ids=[change.__name__ for change in CHANGES])
def test_stored_counts_follow_each_change(catalogue, change):
    publication_stats_rebuild_missing()

    change(catalogue)

    assert read_numbers() == live_numbers()
    publication_stats_rebuild_missing()
    assert read_numbers() == live_numbers()


def test_a_change_drops_only_the_rows_it_touches(catalogue):
    untouched = catalogue["topics"][2]
    piece = filed_live_piece(catalogue)
    piece.topics.remove(untouched)
    publication_stats_rebuild_missing()

    publication_unpublish(publication=piece)

    assert not TopicPublicationStats.objects.filter(topic=catalogue["topics"][0]).exists()
    assert not SeriesPublicationStats.objects.filter(series=catalogue["series"][0]).exists()
    assert not OutletPublicationStats.objects.filter(outlet=catalogue["outlets"][0]).exists()
    assert TopicPublicationStats.objects.filter(topic=untouched).exists()


def test_editing_a_draft_keeps_the_stored_rows(catalogue):
    draft = PublicationFactory(topics=[catalogue["topics"][0]], series=catalogue["series"][0])
    publication_stats_rebuild_missing()
    before = stored_rows()

    draft.topics.add(catalogue["topics"][1])
    CrossPostFactory(publication=draft, outlet=catalogue["outlets"][0])
    Publication.objects.filter(pk=draft.pk).update(series=catalogue["series"][1], title="Retitled")

    assert stored_rows() == before


def test_a_scheduled_piece_is_counted_from_its_time_with_no_write(api_get):
    topic, series, outlet = TopicFactory(), SeriesFactory(), OutletFactory()
    PublicationFactory(published=True, topics=[topic], series=series)
    at_its_time = timezone.now() + dt.timedelta(hours=2)
    scheduled = PublicationFactory(scheduled=True, topics=[topic], series=series, published_at=at_its_time)
    CrossPostFactory(publication=scheduled, outlet=outlet)
    publication_stats_rebuild_missing()
    assert TopicPublicationStats.objects.get(topic=topic).valid_until == at_its_time

    def counts() -> tuple[int, int, int | None]:
        found = {
            item["slug"]: item["publication_count"] for item in api_get("v1:topic-list").json()["results"]
        }
        in_series = api_get("v1:series-detail", slug=series.slug).json()["publication_count"]
        at_outlet = api_get("v1:outlet-list").json()["results"]
        return found[topic.slug], in_series, at_outlet[0]["publication_count"] if at_outlet else None

    assert counts() == (1, 1, None)  # the outlet has nothing live yet: not public
    with time_machine.travel(at_its_time + dt.timedelta(seconds=1)):
        assert counts() == (2, 2, 1)
        assert read_numbers() == live_numbers()
    assert TopicPublicationStats.objects.filter(topic=topic).exists()  # read stored, not rebuilt


def test_past_its_valid_until_a_stored_count_is_read_with_the_pieces_gone_live_since():
    topic, series, outlet = TopicFactory(), SeriesFactory(), OutletFactory()
    first = timezone.now() + dt.timedelta(hours=3)
    for at in (timezone.now() - dt.timedelta(days=1), first, first + dt.timedelta(hours=1)):
        piece = PublicationFactory(published=True, published_at=at, topics=[topic], series=series)
        CrossPostFactory(publication=piece, outlet=outlet)
    publication_stats_rebuild_missing()
    # Marked: a count taken live would say 1, 2 and 3, never these.
    for stats in STATS:
        stats.objects.update(count=100)

    def counts() -> list[int]:
        return [
            with_publication_counts(Topic.objects.filter(pk=topic.pk)).get().publication_count,
            with_publication_counts(Series.objects.filter(pk=series.pk)).get().publication_count,
            with_publication_counts(Outlet.objects.filter(pk=outlet.pk)).get().publication_count,
        ]

    assert counts() == [100] * 3
    with time_machine.travel(first + dt.timedelta(seconds=1)):
        assert counts() == [101] * 3
    with time_machine.travel(first + dt.timedelta(hours=2)):
        assert counts() == [102] * 3
        # The worker counts again the rows a scheduled piece has overtaken.
        publication_stats_rebuild_missing()
        assert counts() == [3] * 3


def live_only(owners: QuerySet) -> set[int]:
    return set(with_live_publications(owners).values_list("pk", flat=True))


def test_only_those_with_a_published_piece_are_public(catalogue):
    numbers = live_numbers()
    for kind, model in (("topic", Topic), ("series", Series), ("outlet", Outlet)):
        expected = {pk for (k, pk), (count, _latest) in numbers.items() if k == kind and count}
        assert live_only(model.objects.all()) == expected


def test_the_newest_piece_s_date_read_alone_is_the_live_one(catalogue):
    numbers = live_numbers()
    for kind, model in (("topic", Topic), ("series", Series)):
        found = {owner.pk: owner.last_published_at for owner in with_last_published_at(model.objects.all())}
        assert found == {pk: latest for (k, pk), (count, latest) in numbers.items() if k == kind and count}
