import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from publications.changelog import decode_cursor, encode_cursor
from publications.models import PublicationChange
from publications.services import publication_publish, publication_unpublish, publication_update
from tests.factories import AuthorFactory, PublicationFactory, SeriesFactory, TopicFactory

pytestmark = pytest.mark.django_db
Kind = PublicationChange.Kind


def visible(publication, at=None):
    return list(
        PublicationChange.objects.effective(at)
        .filter(publication_id=publication.pk)
        .values_list("kind", "slug", "old_slug")
    )


def test_drafts_and_reviews_write_nothing():
    draft = PublicationFactory(ready=True)
    draft.title = "Changed"
    draft.save()
    PublicationFactory(in_review=True)

    assert not PublicationChange.objects.exists()


def test_publishing_edit_slug_change_unpublish_and_delete_are_recorded_in_order():
    publication = PublicationFactory(slug="first", ready=True)
    publication_publish(publication=publication)
    publication.title = "Edited"
    publication.save()
    publication.slug = "second"
    publication.save()
    publication_unpublish(publication=publication)
    pk = publication.pk
    publication.delete()

    assert list(
        PublicationChange.objects.effective()
        .filter(publication_id=pk)
        .values_list("kind", "slug", "old_slug")
    ) == [
        (Kind.PUBLISHED, "first", ""),
        (Kind.UPDATED, "first", ""),
        (Kind.SLUG_CHANGED, "second", "first"),
        (Kind.UNPUBLISHED, "second", ""),
        (Kind.DELETED, "second", ""),
    ]


def test_deleting_a_never_published_piece_leaves_no_tombstone():
    publication = PublicationFactory(scheduled=True)
    publication.delete()

    assert not PublicationChange.objects.exists()


def test_scheduled_go_live_becomes_visible_at_its_time_and_not_before():
    publication = PublicationFactory(ready=True)
    at = timezone.now() + dt.timedelta(hours=2)
    publication_publish(publication=publication, at=at)

    assert visible(publication) == []
    assert visible(publication, at=at - dt.timedelta(microseconds=1)) == []
    assert visible(publication, at=at) == [(Kind.PUBLISHED, publication.slug, "")]
    assert PublicationChange.objects.get().effective_at == at


def test_edits_to_a_scheduled_piece_do_not_leak_or_duplicate_the_go_live():
    publication = PublicationFactory(scheduled=True, slug="before")
    publication.slug = "after"
    publication.title = "Renamed before going live"
    publication.save()

    assert visible(publication) == []
    (pending,) = PublicationChange.objects.pending()
    assert (pending.kind, pending.slug, pending.effective_at) == (
        Kind.PUBLISHED,
        "after",
        publication.published_at,
    )


def test_unscheduling_or_rescheduling_removes_the_old_go_live():
    publication = PublicationFactory(scheduled=True)
    first_time = publication.published_at
    publication_publish(publication=publication, at=first_time + dt.timedelta(days=3))
    assert list(PublicationChange.objects.values_list("effective_at", flat=True)) == [
        first_time + dt.timedelta(days=3)
    ]

    publication_unpublish(publication=publication)

    assert not PublicationChange.objects.exists()


def test_moving_a_live_piece_into_the_future_unpublishes_it_until_then():
    publication = PublicationFactory(published=True)
    later = timezone.now() + dt.timedelta(days=1)
    # By editing its time (the form's door): the workflow's Schedule is refused on a live piece.
    publication.published_at = later
    publication_update(publication=publication)

    assert [kind for kind, *_ in visible(publication)] == [Kind.PUBLISHED, Kind.UNPUBLISHED]
    assert [kind for kind, *_ in visible(publication, at=later)] == [
        Kind.PUBLISHED,
        Kind.UNPUBLISHED,
        Kind.PUBLISHED,
    ]


def test_edit_after_a_scheduled_go_live_is_an_update():
    publication = PublicationFactory(scheduled=True)
    with time_machine.travel(publication.published_at + dt.timedelta(minutes=1)):
        publication.title = "Edited after going live"
        publication.save()
        kinds = [kind for kind, *_ in visible(publication)]

    assert kinds == [Kind.PUBLISHED, Kind.UPDATED]


def test_related_changes_update_live_pieces_only_when_public_fields_change():
    author, topic = AuthorFactory(), TopicFactory()
    live = PublicationFactory(published=True, authors=[author], topics=[topic])
    draft = PublicationFactory(authors=[author])
    mark = PublicationChange.objects.latest("pk").pk

    author.bio = "<p>A new bio is not part of any publication.</p>"
    author.save()
    assert not PublicationChange.objects.filter(pk__gt=mark).exists()

    author.name = "A New Name"
    author.save()
    topic.name = "Renamed topic"
    topic.save()
    live.topics.remove(topic)

    assert (
        list(PublicationChange.objects.filter(pk__gt=mark).values_list("publication_id", "kind"))
        == [(live.pk, Kind.UPDATED)] * 3
    )
    assert visible(draft) == []


def test_cursor_round_trips_and_rejects_garbage():
    change = PublicationChange.objects.filter(publication_id=PublicationFactory(published=True).pk).get()

    assert decode_cursor(encode_cursor(change)) == (change.effective_at, change.pk)
    for garbage in ["", "abc", "!!!!", encode_cursor(change)[:-3] + "@@", "MTI="]:
        with pytest.raises(ValueError):
            decode_cursor(garbage)


def test_a_save_that_changes_nothing_public_records_nothing():
    topic = TopicFactory()
    publication = PublicationFactory(published=True, topics=[topic])
    mark = PublicationChange.objects.latest("pk").pk

    publication.internal_notes = "Check the figures with the author."
    publication.save()
    # What the admin's form does on every save: the same topics again.
    publication.topics.set([topic])
    publication.save()
    assert not PublicationChange.objects.filter(pk__gt=mark).exists()

    publication.summary = "A public edit."
    publication.save()
    assert list(PublicationChange.objects.filter(pk__gt=mark).values_list("kind", flat=True)) == [
        Kind.UPDATED
    ]


def test_every_field_the_api_detail_shows_counts_as_a_public_change():
    from publications.api.serializers import PublicationDetailSerializer
    from publications.models import Publication
    from publications.services import public_publication_fields

    model_fields = {field.name for field in Publication._meta.concrete_fields}
    shown = set(PublicationDetailSerializer().fields) & model_fields
    compared = {
        Publication._meta.get_field(attname.removesuffix("_id")).name
        for attname in public_publication_fields()
    }

    # updated_at changes with every save: comparing it would make every save public again.
    assert shown - compared == {"updated_at"}
    assert "internal_notes" not in compared


def test_deleting_a_topic_or_series_updates_the_live_pieces_that_used_it():
    topic, series = TopicFactory(), SeriesFactory()
    on_topic = PublicationFactory(published=True, topics=[topic])
    in_series = PublicationFactory(published=True, series=series)
    draft = PublicationFactory(topics=[topic], series=series)
    mark = PublicationChange.objects.latest("pk").pk

    topic.delete()
    series.delete()

    assert list(
        PublicationChange.objects.filter(pk__gt=mark).order_by("pk").values_list("publication_id", "kind")
    ) == [(on_topic.pk, Kind.UPDATED), (in_series.pk, Kind.UPDATED)]
    assert visible(draft) == []
