"""An author's revisions: one per save, the bio's rows (positions, education, works, links) included."""

from __future__ import annotations

import pytest
from django.urls import reverse

from authors.models import Author
from authors.revisions import changed_fields, revisions_of
from authors.services import author_update
from tests.authors.test_admin import author_post
from tests.factories import AuthorFactory, PositionFactory

pytestmark = pytest.mark.django_db


def test_an_admin_save_with_inlines_is_one_revision_holding_the_rows(editor_client, editor):
    data = author_post(
        positions=[
            {"title": "Research Officer", "organization": "CISS", "is_current": "on", "position": "0"}
        ],
        education=[{"degree": "M.Phil.", "institution": "QAU", "status": "completed", "position": "0"}],
    )
    response = editor_client.post(reverse("admin:authors_author_add"), data)
    assert response.status_code == 302
    author = Author.objects.get(slug="mobeen-jafar-mir")
    revision = revisions_of(author).get()
    assert revision.history_user == editor
    assert [row["text"] for row in revision.related["positions"]] == ["Research Officer, CISS"]
    assert len(revision.related["education"]) == 1


def test_a_changed_field_and_a_bare_position_show_in_the_diff():
    author = AuthorFactory(headline="Research Officer")
    author_update(author=author, headline="Director Research")
    newest, previous = revisions_of(author)[:2]
    [change] = changed_fields(previous, newest)
    assert (change.label, change.old, change.new) == ("Headline", "Research Officer", "Director Research")
    PositionFactory(author=author, title="Director", organization="CISS")
    author_update(author=author)
    newest, previous = revisions_of(author)[:2]
    assert [change.label for change in changed_fields(previous, newest)] == ["Positions"]


def test_internal_author_fields_are_not_in_the_history():
    kept = {field.name for field in Author.history.model.tracked_fields}
    assert not kept & {"search_name", "created_at", "updated_at"}


def test_the_admin_shows_an_authors_revisions_and_restores_one_with_its_rows(editor_client):
    author = AuthorFactory(headline="Research Officer")
    PositionFactory(author=author, title="Research Officer", organization="CISS")
    author_update(author=author)
    original = revisions_of(author).first()
    author.positions.all().delete()
    author_update(author=author, headline="Director Research")

    page = editor_client.get(reverse("admin:authors_author_revisions", args=[author.pk]))
    newest = {change.label: (change.old, change.new) for change in page.context["entries"][0]["changes"]}
    assert newest == {
        "Headline": ("Research Officer", "Director Research"),
        "Positions": (["Research Officer, CISS"], []),
    }

    response = editor_client.post(
        reverse("admin:authors_author_restore", args=[author.pk, original.history_id])
    )
    assert response.status_code == 302
    author.refresh_from_db()
    assert author.headline == "Research Officer"
    assert [str(position) for position in author.positions.all()] == ["Research Officer, CISS"]
    assert revisions_of(author).first().history_change_reason.startswith("Restored")
