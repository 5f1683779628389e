"""Old slugs: every slug a live piece had answers with a 301 to its current detail, a new piece cannot take
one, and the admin warns before a live piece's slug changes."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from publications.models import Publication, PublicationSlug
from publications.services import publication_trash, publication_unpublish, publication_update
from tests.factories import PublicationFactory
from tests.publications.test_admin import change_url, publication_post

pytestmark = pytest.mark.django_db


def detail(slug: str) -> str:
    return reverse("v1:publication-detail", kwargs={"slug": slug})


def renamed(publication: Publication, *slugs: str, by=None) -> Publication:
    for slug in slugs:
        publication.slug = slug
        publication_update(publication=publication, by=by)
    return publication


def test_every_old_slug_of_a_live_piece_answers_301_to_its_detail(client):
    publication = renamed(PublicationFactory(published=True, slug="first"), "second", "third")

    for old in ("first", "second"):
        response = client.get(detail(old), {"fields": "slug"})
        assert response.status_code == 301, old
        assert response["Location"] == f"http://testserver{detail('third')}?fields=slug"
        assert response.content == b""
    assert client.get(response["Location"]).json() == {"slug": "third"}
    assert set(publication.old_slugs.values_list("slug", flat=True)) == {"first", "second"}


@pytest.mark.parametrize("leave", ["unpublish", "trash"])
def test_an_old_slug_of_a_piece_no_longer_live_is_a_404(client, editor, leave):
    publication = renamed(PublicationFactory(published=True, slug="first"), "second")
    if leave == "unpublish":
        publication_unpublish(publication=publication, by=editor)
    else:
        publication_trash(publication=publication, by=editor)

    response = client.get(detail("first"))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_slugs_a_piece_had_before_it_went_live_are_not_kept(client):
    renamed(PublicationFactory(slug="draft-typo"), "draft-fixed")

    assert not PublicationSlug.objects.exists()
    PublicationFactory.build(slug="draft-typo").full_clean()  # free for another piece


def test_a_new_piece_cannot_take_a_slug_another_piece_had(client):
    renamed(PublicationFactory(published=True, slug="first"), "second")

    with pytest.raises(ValidationError) as error:
        PublicationFactory.build(slug="first").full_clean()

    assert "its old links lead there" in error.value.message_dict["slug"][0]


def test_a_piece_may_take_back_its_own_old_slug(client):
    publication = renamed(PublicationFactory(published=True, slug="first"), "second", "first")

    assert client.get(detail("first")).status_code == 200
    assert client.get(detail("second")).status_code == 301
    assert list(publication.old_slugs.values_list("slug", flat=True)) == ["second"]


def test_the_migration_backfills_old_slugs_from_the_change_log():
    publication = renamed(PublicationFactory(published=True, slug="first"), "second")
    gone = PublicationFactory(published=True, slug="deleted-piece")
    gone.delete()
    PublicationSlug.objects.all().delete()

    importlib.import_module("publications.migrations.0008_trash").backfill_old_slugs(apps, None)

    assert list(PublicationSlug.objects.values_list("slug", "publication_id")) == [("first", publication.pk)]


def test_the_admin_asks_before_a_live_pieces_slug_changes(editor_client):
    publication = PublicationFactory(published=True, slug="live-slug", title="Live")
    now = timezone.localtime(publication.published_at)
    data = publication_post(
        title="Live",
        slug="new-slug",
        status=Publication.Status.PUBLISHED,
        published_at_0=f"{now:%Y-%m-%d}",
        published_at_1=f"{now:%H:%M:%S}",
    )

    warned = editor_client.post(change_url(publication), data)

    assert warned.status_code == 200
    assert "Links to that address will redirect" in str(warned.context["adminform"].form.errors["slug"])
    publication.refresh_from_db()
    assert publication.slug == "live-slug"
    confirmed = warned.context["adminform"].form["confirmed_slug"].value()
    assert confirmed == "new-slug"

    saved = editor_client.post(change_url(publication), {**data, "confirmed_slug": confirmed})

    assert saved.status_code == 302
    publication.refresh_from_db()
    assert publication.slug == "new-slug"
    assert list(publication.old_slugs.values_list("slug", flat=True)) == ["live-slug"]


def test_the_admin_does_not_ask_about_a_drafts_slug(editor_client):
    publication = PublicationFactory(slug="draft-slug", title="Draft")

    response = editor_client.post(change_url(publication), publication_post(title="Draft", slug="other-slug"))

    assert response.status_code == 302
