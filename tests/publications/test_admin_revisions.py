"""Revisions in the admin: the history page's side-by-side diff, restore, autosave (never the live row),
the change message of a save that changed nothing, and the edit-conflict message."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from publications.models import Publication
from publications.revisions import autosave_latest, revisions_of
from publications.services import publication_update
from tests.factories import AuthorFactory, PublicationAuthorFactory, PublicationFactory, TopicFactory
from tests.publications.test_admin import change_url, publication_post, saved_rows

pytestmark = pytest.mark.django_db


def revisions_url(publication: Publication) -> str:
    return reverse("admin:publications_publication_revisions", args=[publication.pk])


def autosave_url(publication: Publication) -> str:
    return reverse("admin:publications_publication_autosave", args=[publication.pk])


def loaded(client, publication: Publication) -> dict[str, str]:
    form = client.get(change_url(publication)).context["adminform"].form
    return {
        "loaded_version": form["loaded_version"].value(),
        "loaded_revision": form["loaded_revision"].value(),
    }


@pytest.fixture
def piece(editor) -> Publication:
    publication = PublicationFactory(title="Space Treaty", body="<p>One.</p><p>Two.</p>")
    for position, name in enumerate(["Asma Khalid", "Bilal Ahmad"]):
        PublicationAuthorFactory(
            publication=publication, author=AuthorFactory(name=name, honorific=""), position=position
        )
    publication.topics.add(TopicFactory(name="Space"))
    return publication


def reorder_and_retitle(client, publication: Publication, title: str = "Space Treaty, revised"):
    rows = saved_rows(publication)
    rows[0]["position"], rows[1]["position"] = "1", "0"
    return client.post(
        change_url(publication),
        publication_post(
            title=title,
            slug=publication.slug,
            summary=publication.summary,
            body="<p>One.</p><p>Three.</p>",
            topics=[str(topic.pk) for topic in publication.topics.all()],
            **loaded(client, publication),
            initial_authorships=2,
            authorships=[{"publication": publication.pk, "role": "author", **row} for row in rows],
        ),
    )


def test_the_revisions_page_shows_old_and_new_values_side_by_side(editor_client, piece):
    assert reorder_and_retitle(editor_client, piece).status_code == 302

    page = editor_client.get(revisions_url(piece))

    newest = page.context["entries"][0]["changes"]
    assert {change.label: (change.old, change.new) for change in newest if change.lines is None} == {
        "Title": ("Space Treaty", "Space Treaty, revised"),
        "Authors (byline order)": (["Asma Khalid", "Bilal Ahmad"], ["Bilal Ahmad", "Asma Khalid"]),
    }
    html = page.content.decode()
    assert "<del>Two.</del>" in html and "<ins>Three.</ins>" in html
    assert "<li>Bilal Ahmad</li><li>Asma Khalid</li>" in html
    assert "updated_at" not in html and "loaded_version" not in html and "search_vector" not in html


def test_restoring_from_the_admin_brings_back_the_byline_order_as_a_new_revision(editor_client, piece):
    first = revisions_of(piece).first()  # the piece as the fixture left it
    reorder_and_retitle(editor_client, piece)

    response = editor_client.post(
        reverse("admin:publications_publication_restore", args=[piece.pk, first.history_id])
    )

    assert response.status_code == 302
    piece.refresh_from_db()
    assert piece.title == "Space Treaty"
    assert [row.author.name for row in piece.authorships.order_by("position")] == [
        "Asma Khalid",
        "Bilal Ahmad",
    ]
    assert revisions_of(piece).first().history_change_reason.startswith("Restored")
    log = LogEntry.objects.filter(object_id=str(piece.pk)).latest("pk")
    assert "Title" in log.get_change_message() and "Authors (byline order)" in log.get_change_message()


def test_a_restore_by_get_changes_nothing(editor_client, piece):
    first = revisions_of(piece).first()  # the piece as the fixture left it
    reorder_and_retitle(editor_client, piece)
    editor_client.get(reverse("admin:publications_publication_restore", args=[piece.pk, first.history_id]))
    piece.refresh_from_db()
    assert piece.title == "Space Treaty, revised"


def test_a_save_that_changed_nothing_says_so_in_the_history(editor_client, piece):
    rows = saved_rows(piece)
    response = editor_client.post(
        change_url(piece),
        publication_post(
            title=piece.title,
            slug=piece.slug,
            summary=piece.summary,
            body=piece.body,
            topics=[str(topic.pk) for topic in piece.topics.all()],
            **loaded(editor_client, piece),
            initial_authorships=2,
            authorships=[{"publication": piece.pk, "role": "author", **row} for row in rows],
        ),
    )
    assert response.status_code == 302
    assert LogEntry.objects.get(object_id=str(piece.pk)).get_change_message() == "No fields changed."


def test_autosave_keeps_the_typed_values_and_never_touches_the_live_piece(editor_client, editor, piece):
    piece.status, piece.published_at = Publication.Status.PUBLISHED, timezone.now()
    publication_update(publication=piece, by=editor)
    saved_revisions = revisions_of(piece).count()
    rows = saved_rows(piece)
    rows[0]["position"], rows[1]["position"] = "1", "0"

    response = editor_client.post(
        autosave_url(piece),
        publication_post(
            title="Half-typed new title",
            slug=piece.slug,
            status="published",
            published_at_0=timezone.localtime(piece.published_at).strftime("%Y-%m-%d"),
            published_at_1=timezone.localtime(piece.published_at).strftime("%H:%M:%S"),
            initial_authorships=2,
            authorships=[{"publication": piece.pk, "role": "author", **row} for row in rows],
        ),
    )

    assert response.status_code == 200
    piece.refresh_from_db()
    assert piece.title == "Space Treaty"
    assert [row.author.name for row in piece.authorships.order_by("position")] == [
        "Asma Khalid",
        "Bilal Ahmad",
    ]
    assert revisions_of(piece).count() == saved_revisions
    detail = editor_client.get(reverse("v1:publication-detail", kwargs={"slug": piece.slug})).json()
    assert detail["title"] == "Space Treaty"
    preview = autosave_latest(piece)
    assert preview.title == "Half-typed new title"
    assert [row["name"] for row in preview.related_snapshot["byline"]] == ["Bilal Ahmad", "Asma Khalid"]
    assert preview.pk == piece.pk and preview.revision.is_autosave


def test_reopening_the_form_offers_the_autosave(editor_client, piece):
    editor_client.post(autosave_url(piece), publication_post(title="Typed", slug=piece.slug))
    page = editor_client.get(change_url(piece))
    [message] = [str(m) for m in page.context["messages"]]
    assert "autosaved" in message and revisions_url(piece) in message


def test_an_autosave_keeps_only_the_newest_per_editor(editor_client, piece):
    for title in ("First", "Second"):
        editor_client.post(autosave_url(piece), publication_post(title=title, slug=piece.slug))
    assert piece.history.filter(is_autosave=True).get().title == "Second"


def test_autosave_is_post_only_and_csrf_protected(client, editor, piece):
    client.force_login(editor)
    assert client.get(autosave_url(piece)).status_code == 405
    client.handler.enforce_csrf_checks = True
    assert client.post(autosave_url(piece), publication_post(title="X", slug=piece.slug)).status_code == 403
    assert not piece.history.filter(is_autosave=True).exists()


def test_autosave_needs_the_change_permission(client, piece):
    viewer = get_user_model().objects.create_user("viewer", password="a-long-password-1", is_staff=True)
    client.force_login(viewer)
    response = client.post(autosave_url(piece), publication_post(title="X", slug=piece.slug))
    assert response.status_code in {403, 404}
    assert not piece.history.filter(is_autosave=True).exists()


def test_the_conflict_message_says_who_when_and_what_with_both_versions(editor_client, piece):
    mine = loaded(editor_client, piece)
    colleague = get_user_model().objects.create_superuser("saima", "saima@ciss.example", "a-long-password-2")
    piece.title, piece.summary = "Colleague's title", "Colleague's summary"
    publication_update(publication=piece, by=colleague)

    response = editor_client.post(
        change_url(piece), publication_post(title="My title", slug=piece.slug, **mine)
    )

    assert response.status_code == 200
    [error] = response.context["adminform"].form.non_field_errors()
    when = timezone.localtime(revisions_of(piece).first().history_date)
    assert error.startswith(
        f"Someone else (saima) saved this publication at {when:%Y-%m-%d %H:%M} after you opened it, "
        "changing Title, Summary."
    )
    side_by_side = {change.label: (change.old, change.new) for change in response.context["conflict_changes"]}
    assert side_by_side["Title"] == ("Colleague's title", "My title")
    assert "Their version and yours" in response.content.decode()
    piece.refresh_from_db()
    assert piece.title == "Colleague's title"
