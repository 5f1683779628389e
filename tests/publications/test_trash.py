"""The trash: a delete keeps the piece (or author) restorable with its byline, topics and cross-posts, and
every public surface treats it as deleted until then; only publishers empty it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from authors.services import author_delete, author_restore, author_trash
from publications.models import Publication, PublicationChange
from publications.services import publication_delete, publication_restore, publication_trash
from tests.factories import (
    AuthorFactory,
    CrossPostFactory,
    PublicationFactory,
    TopicFactory,
)
from tests.publications.documents import without_update_times

pytestmark = pytest.mark.django_db
Kind = PublicationChange.Kind


def user_with(*codenames: str):
    """A staff user holding exactly these permissions ("app.codename")."""
    user = get_user_model().objects.create_user(f"user-{'-'.join(codenames) or 'none'}", password="x" * 20)
    user.is_staff = True
    user.save()
    for name in codenames:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return get_user_model().objects.get(pk=user.pk)  # a fresh permission cache


def kinds(publication: Publication) -> list[str]:
    return list(
        PublicationChange.objects.filter(publication_id=publication.pk)
        .order_by("pk")
        .values_list("kind", flat=True)
    )


def live_piece() -> Publication:
    topic = TopicFactory(slug="deterrence")
    publication = PublicationFactory(
        published=True, slug="live-piece", authors=[AuthorFactory(slug="first"), AuthorFactory(slug="second")]
    )
    publication.topics.add(topic)
    CrossPostFactory(publication=publication)
    return publication


def public_paths(publication: Publication) -> list[str]:
    return [
        reverse("v1:publication-detail", kwargs={"slug": publication.slug}),
        reverse("v1:topic-detail", kwargs={"slug": "deterrence"}),
    ]


def test_a_trashed_piece_is_absent_everywhere_and_restored_whole(client, editor):
    publication = live_piece()
    byline = list(publication.authorships.values_list("author__slug", "position"))
    detail = client.get(public_paths(publication)[0]).json()
    announced = len(kinds(publication))

    publication_trash(publication=publication, by=editor)

    assert not Publication.objects.published().exists()
    for path in public_paths(publication):
        assert client.get(path).status_code == 404, path
    assert client.get(reverse("v1:publication-list")).json()["count"] == 0
    assert b"live-piece" not in client.get("/feeds/rss/").content
    assert b"live-piece" not in client.get("/sitemap-publications.xml").content
    assert client.get(reverse("v1:author-publications", kwargs={"slug": "first"})).json()["count"] == 0

    publication_restore(publication=publication, by=editor)

    publication.refresh_from_db()
    assert (publication.trashed_at, publication.trashed_by) == (None, None)
    assert list(publication.authorships.values_list("author__slug", "position")) == byline
    restored = client.get(public_paths(publication)[0]).json()
    # The same document: byline order, topics and cross-posts were simply kept (only the dates moved on).
    assert without_update_times(restored) == without_update_times(detail)
    assert kinds(publication)[announced:] == [Kind.DELETED, Kind.PUBLISHED]


def test_trash_and_restore_of_a_draft_tell_partners_nothing(editor):
    draft = PublicationFactory()

    publication_trash(publication=draft, by=editor)
    publication_restore(publication=draft, by=editor)

    assert kinds(draft) == []


def test_the_tombstone_of_a_trashed_piece_is_in_the_change_feed(client, editor):
    # The webhook delivery of the same tombstone: test_write_doors' test_trashing_through_any_door_...
    publication = live_piece()

    publication_trash(publication=publication, by=editor)

    last = client.get(reverse("v1:change-list")).json()["results"][-1]
    assert (last["kind"], last["slug"]) == ("deleted", "live-piece")


def test_a_trashed_slug_stays_reserved(editor):
    publication_trash(publication=PublicationFactory(slug="taken"), by=editor)

    with pytest.raises(ValidationError) as error:
        PublicationFactory.build(slug="taken").full_clean()
    assert "slug" in error.value.message_dict


def test_trash_and_restore_need_the_delete_permission():
    publication = PublicationFactory()
    nobody = user_with("publications.change_publication")

    with pytest.raises(PermissionDenied):
        publication_trash(publication=publication, by=nobody)
    publication_trash(publication=publication, by=user_with("publications.delete_publication"))
    with pytest.raises(PermissionDenied):
        publication_restore(publication=publication, by=nobody)


def test_restoring_a_live_piece_needs_the_publish_permission(editor):
    publication = live_piece()
    publication_trash(publication=publication, by=editor)
    deleter = user_with("publications.delete_publication")

    with pytest.raises(PermissionDenied):
        publication_restore(publication=publication, by=deleter)
    assert not Publication.objects.published().exists()


def test_only_publishers_empty_the_trash(editor):
    publication = PublicationFactory()
    publication_trash(publication=publication, by=editor)

    with pytest.raises(PermissionDenied):
        publication_delete(publication=publication, by=user_with("publications.delete_publication"))
    publication_delete(publication=publication, by=user_with("publications.empty_trash"))

    assert not Publication.objects.exists()


# --- The admin ------------------------------------------------------------------------------------------


def changelist(trash: bool = False) -> str:
    return reverse("admin:publications_publication_changelist") + ("?trash=1" if trash else "")


def test_the_admin_delete_moves_to_the_trash_and_the_trash_view_lists_it(editor_client):
    kept = PublicationFactory(title="Kept piece")
    binned = PublicationFactory(title="Binned piece")

    response = editor_client.post(
        changelist(), {"action": "delete_selected", "_selected_action": [binned.pk], "post": "yes"}
    )

    assert response.status_code == 302
    binned.refresh_from_db()
    assert binned.trashed_at is not None
    assert [p.title for p in editor_client.get(changelist()).context["cl"].result_list] == [kept.title]
    assert [p.title for p in editor_client.get(changelist(trash=True)).context["cl"].result_list] == [
        binned.title
    ]


def test_the_trash_view_restores(editor_client, editor):
    publication = live_piece()
    publication_trash(publication=publication, by=editor)

    editor_client.post(changelist(trash=True), {"action": "restore", "_selected_action": [publication.pk]})

    assert list(Publication.objects.published()) == [publication]


def test_emptying_the_trash_asks_first_and_is_for_publishers_only(editor_client, editor):
    publication = PublicationFactory(title="Old draft")
    publication_trash(publication=publication, by=editor)
    data = {"action": "empty_trash", "_selected_action": [publication.pk]}

    confirmation = editor_client.post(changelist(trash=True), data)
    assert "This cannot be undone." in confirmation.content.decode()
    assert Publication.objects.filter(pk=publication.pk).exists()

    deleter = user_with(
        "publications.view_publication", "publications.change_publication", "publications.delete_publication"
    )
    client = Client()
    client.force_login(deleter)
    actions = client.get(changelist(trash=True)).context["action_form"].fields["action"].choices
    assert "empty_trash" not in dict(actions)
    client.post(changelist(trash=True), {**data, "post": "yes"})  # crafted: refused
    assert Publication.objects.filter(pk=publication.pk).exists()

    editor_client.post(changelist(trash=True), {**data, "post": "yes"})
    assert not Publication.objects.filter(pk=publication.pk).exists()


# --- Authors --------------------------------------------------------------------------------------------


def test_a_trashed_author_leaves_the_api_and_the_bylines_until_restored(client, editor):
    author = AuthorFactory(slug="gone")
    other = AuthorFactory(slug="stays")
    publication = PublicationFactory(published=True, authors=[author, other])
    detail = reverse("v1:publication-detail", kwargs={"slug": publication.slug})

    author_trash(author=author, by=editor)

    assert client.get(reverse("v1:author-detail", kwargs={"slug": "gone"})).status_code == 404
    assert [a["slug"] for a in client.get(reverse("v1:author-list")).json()["results"]] == ["stays"]
    assert [a["slug"] for a in client.get(detail).json()["authors"]] == ["stays"]
    assert client.get("/feeds/authors/gone/rss/").status_code == 404
    assert kinds(publication)[-1] == Kind.UPDATED  # partners learn the byline changed

    author_restore(author=author, by=editor)

    assert [a["slug"] for a in client.get(detail).json()["authors"]] == ["gone", "stays"]
    assert author.authorships.count() == 1


def test_the_admin_trashes_an_author_with_bylines_and_only_publishers_empty_it(client, editor_client):
    author = AuthorFactory()
    url = reverse("admin:authors_author_delete", args=[author.pk])

    assert editor_client.post(url, {"post": "yes"}).status_code == 302
    author.refresh_from_db()
    assert author.trashed_at is not None
    with pytest.raises(PermissionDenied):
        author_delete(author=author, by=user_with("authors.delete_author"))
