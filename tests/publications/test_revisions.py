"""Revisions: every write of a piece (its fields, byline order, topics, cross-posts) keeps one, with who
and when; internal fields never show; a restore brings a revision back and is itself a revision."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from publications.models import CrossPost, Publication, PublicationAuthor
from publications.revisions import changed_fields, revisions_of
from publications.services import (
    publication_create,
    publication_restore_revision,
    publication_update,
)
from tests.factories import (
    AuthorFactory,
    OutletFactory,
    PublicationAuthorFactory,
    PublicationFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


def labels(publication: Publication) -> list[str]:
    """What the newest revision changed against the one before it."""
    newest, previous = list(revisions_of(publication)[:2]) + [None] * (
        2 - min(2, revisions_of(publication).count())
    )
    return [change.label for change in changed_fields(previous, newest)]


def byline_names(publication: Publication) -> list[str]:
    return [row.author.name for row in publication.authorships.order_by("position")]


@pytest.fixture
def editor():
    return get_user_model().objects.create_superuser("rev-editor", "rev@ciss.example", "a-long-password-1")


@pytest.fixture
def piece(editor) -> Publication:
    first, second = (
        AuthorFactory(name="Asma Khalid", honorific=""),
        AuthorFactory(name="Bilal Ahmad", honorific=""),
    )
    return publication_create(
        publication=PublicationFactory.build(title="Space Treaty", body="<p>One.</p><p>Two.</p>"),
        by=editor,
        byline=[PublicationAuthor(author=first, position=0), PublicationAuthor(author=second, position=1)],
        topics=[TopicFactory(name="Space")],
    )


def test_creating_a_piece_keeps_a_first_revision_with_who_and_byline(piece, editor):
    revision = revisions_of(piece).get()
    assert revision.history_user == editor
    assert [row["name"] for row in revision.related["byline"]] == ["Asma Khalid", "Bilal Ahmad"]
    assert [row["name"] for row in revision.related["topics"]] == ["Space"]


def test_a_field_change_is_a_revision_with_old_and_new_values(piece, editor):
    piece.title = "The Outer Space Treaty"
    publication_update(publication=piece, by=editor)
    newest, previous = revisions_of(piece)[:2]
    [change] = changed_fields(previous, newest)
    assert (change.label, change.old, change.new) == ("Title", "Space Treaty", "The Outer Space Treaty")


def test_a_byline_reorder_alone_is_a_revision_showing_the_order(piece, editor):
    rows = list(piece.authorships.order_by("position"))
    rows[0].position, rows[1].position = 1, 0
    publication_update(publication=piece, by=editor, byline=rows)
    newest, previous = revisions_of(piece)[:2]
    [change] = changed_fields(previous, newest)
    assert change.label == "Authors (byline order)"
    assert (change.old, change.new) == (["Asma Khalid", "Bilal Ahmad"], ["Bilal Ahmad", "Asma Khalid"])


def test_topics_and_cross_posts_are_revisions(piece, editor):
    publication_update(publication=piece, by=editor, topics=[TopicFactory(name="Nuclear")])
    assert labels(piece) == ["Topics"]
    outlet = OutletFactory(name="Strafasia")
    publication_update(
        publication=piece, by=editor, cross_posts=[CrossPost(outlet=outlet, url="https://strafasia.com/a/")]
    )
    assert labels(piece) == ["Cross-posts"]
    newest = revisions_of(piece).first()
    assert changed_fields(revisions_of(piece)[1], newest)[0].new == [
        "Strafasia: https://strafasia.com/a/ (Published in another form)"
    ]


def test_a_bare_byline_save_is_a_revision_too(piece):
    PublicationAuthorFactory(
        publication=piece, author=AuthorFactory(name="Chand Bibi", honorific=""), position=5
    )
    assert labels(piece) == ["Authors (byline order)"]
    assert revisions_of(piece).first().history_user is None


def test_a_save_that_changes_nothing_keeps_no_revision(piece, editor):
    publication_update(publication=piece, by=editor)
    piece.internal_notes = "Check the treaty's date."
    publication_update(publication=piece, by=editor)
    assert revisions_of(piece).count() == 2  # the creation, and the notes; the empty save left none


def test_internal_fields_are_not_in_the_history():
    kept = {field.name for field in Publication.history.model.tracked_fields}
    assert not kept & {"updated_at", "created_at", "search_vector", "word_count", "first_published_at"}


def test_the_body_diff_is_a_text_diff(piece, editor):
    piece.body = "<p>One.</p><p>Three.</p>"
    publication_update(publication=piece, by=editor)
    newest, previous = revisions_of(piece)[:2]
    [change] = changed_fields(previous, newest)
    assert change.lines == [(" ", "One."), ("-", "Two."), ("+", "Three.")]


def test_restore_brings_back_fields_byline_order_topics_and_cross_posts_as_a_new_revision(piece, editor):
    original = revisions_of(piece).get()
    rows = list(piece.authorships.order_by("position"))
    rows[0].position, rows[1].position = 1, 0
    piece.title = "Changed"
    publication_update(
        publication=piece,
        by=editor,
        byline=rows,
        topics=[TopicFactory(name="Nuclear")],
        cross_posts=[CrossPost(outlet=OutletFactory(), url="https://strafasia.com/b/")],
    )
    assert byline_names(piece) == ["Bilal Ahmad", "Asma Khalid"]

    publication_restore_revision(publication=piece, revision=original, by=editor)

    piece.refresh_from_db()
    assert piece.title == "Space Treaty"
    assert byline_names(piece) == ["Asma Khalid", "Bilal Ahmad"]
    assert [topic.name for topic in piece.topics.all()] == ["Space"]
    assert not piece.cross_posts.exists()
    restored = revisions_of(piece).first()
    assert restored.history_change_reason.startswith("Restored the revision of")
    assert not changed_fields(original, restored)


def test_restore_keeps_the_state(piece, editor):
    original = revisions_of(piece).get()
    piece.status, piece.published_at = Publication.Status.PUBLISHED, piece.created_at
    publication_update(publication=piece, by=editor)
    publication_restore_revision(publication=piece, revision=original, by=editor)
    piece.refresh_from_db()
    assert piece.status == Publication.Status.PUBLISHED


def test_restore_needs_the_change_permission(piece):
    reader = get_user_model().objects.create_user("reader", password="a-long-password-1", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_publication"))
    with pytest.raises(PermissionDenied):
        publication_restore_revision(publication=piece, revision=revisions_of(piece).get(), by=reader)
