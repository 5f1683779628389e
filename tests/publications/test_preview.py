"""Preview links: a signed, expiring token for one unpublished piece, exchanged for the JSON its detail will
give once published; never cached, unforgeable, revocable in one click."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from publications.models import Publication
from publications.preview import SALT, preview_token
from publications.services import (
    publication_autosave,
    publication_publish,
    publication_revoke_previews,
    publication_schedule,
    publication_trash,
    publication_withdraw,
)
from tests.factories import AuthorFactory, CrossPostFactory, PublicationFactory, TopicFactory
from tests.publications.documents import without_update_times
from tests.publications.test_admin import change_url

pytestmark = pytest.mark.django_db


def preview_path(token: str) -> str:
    return reverse("v1:preview", kwargs={"token": token})


def draft() -> Publication:
    publication = PublicationFactory(
        slug="draft-piece",
        published_at=timezone.now() - dt.timedelta(hours=1),
        authors=[AuthorFactory(slug="b"), AuthorFactory(slug="a")],
    )
    publication.topics.add(TopicFactory())
    CrossPostFactory(publication=publication)
    return Publication.objects.get(pk=publication.pk)


def test_a_preview_is_the_detail_it_will_be_once_published(client, editor, settings):
    settings.PREVIEW_TOKEN_HOURS = 2
    publication = draft()
    assert client.get(reverse("v1:publication-detail", kwargs={"slug": "draft-piece"})).status_code == 404

    response = client.get(preview_path(preview_token(publication)))

    assert response.status_code == 200
    preview = response.json()
    marker = preview.pop("preview")
    assert marker["status"] == "draft"
    expires_at = dt.datetime.fromisoformat(marker["expires_at"])
    assert dt.timedelta(hours=1, minutes=59) < expires_at - timezone.now() <= dt.timedelta(hours=2)
    publication_publish(publication=publication, by=editor)
    published = client.get(reverse("v1:publication-detail", kwargs={"slug": "draft-piece"})).json()
    # Publishing moves updated_at (and the metadata's modified times), and nothing else.
    assert without_update_times(preview) == without_update_times(published)


def test_a_preview_shows_the_newest_autosave_cleaned_and_never_the_live_row(client, editor):
    publication = draft()
    publication.title = "Typed but not saved"
    publication.body = "<p>Work in progress<script>alert(1)</script></p>"
    publication_autosave(publication=publication, by=editor, related={})

    document = client.get(preview_path(preview_token(Publication.objects.get(pk=publication.pk)))).json()

    assert document["title"] == "Typed but not saved"
    assert document["body"] == "<p>Work in progress</p>"
    assert Publication.objects.get(pk=publication.pk).title != "Typed but not saved"


def test_a_preview_is_never_cached(client, settings):
    settings.API_CACHE = True
    publication = draft()
    path = preview_path(preview_token(publication))

    first = client.get(path)
    # No signal, so the catalogue's cache generation goes on: only a fresh answer shows the new title.
    Publication.objects.filter(pk=publication.pk).update(title="Retitled")
    second = client.get(path)

    assert first["Cache-Control"] == "private, no-store"
    assert "ETag" not in first and "Surrogate-Key" not in first
    assert second.json()["title"] == "Retitled"


def test_a_preview_link_expires(client, settings):
    settings.PREVIEW_TOKEN_HOURS = 1
    token = preview_token(draft())

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=59)):
        assert client.get(preview_path(token)).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=61)):
        response = client.get(preview_path(token))

    assert response.status_code == 410
    assert response["Content-Type"] == "application/problem+json"
    assert "expired" in response.json()["detail"]
    assert response["Cache-Control"] == "private, no-store"


def test_a_tampered_or_forged_token_is_a_404(client):
    publication = draft()
    other = PublicationFactory(title="Another draft")
    token = preview_token(publication)
    payload = {"p": other.pk, "v": 0, "e": int((timezone.now() + dt.timedelta(days=1)).timestamp())}
    tampered_payload = signing.b64_encode(signing.JSONSerializer().dumps(payload)).decode()

    for bad in (
        tampered_payload + token[token.index(":") :],  # another piece's id under this token's signature
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # a changed signature
        signing.dumps(payload, key="not-our-secret", salt=SALT),  # signed with another key
        signing.dumps(payload, salt="another.purpose"),  # our key, another purpose
        "garbage",
    ):
        response = client.get(preview_path(bad))
        assert response.status_code == 404, bad
        assert response["Content-Type"] == "application/problem+json"


def test_a_token_reaches_only_its_one_piece(client):
    publication, other = draft(), PublicationFactory(slug="other-draft")

    assert client.get(preview_path(preview_token(publication))).json()["slug"] == "draft-piece"
    assert client.get(preview_path(preview_token(other))).json()["slug"] == "other-draft"


def test_revoking_stops_every_link_given_so_far(client, editor):
    publication = draft()
    old = preview_token(publication)

    publication_revoke_previews(publication=publication, by=editor)

    response = client.get(preview_path(old))
    assert response.status_code == 410
    assert "revoked" in response.json()["detail"]
    assert client.get(preview_path(preview_token(publication))).status_code == 200


def test_a_trashed_piece_has_no_preview(client, editor):
    publication = draft()
    token = preview_token(publication)

    publication_trash(publication=publication, by=editor)

    assert client.get(preview_path(token)).status_code == 404


def test_a_link_given_before_a_piece_went_live_ends_there_and_shows_no_edit_in_progress(client, editor):
    publication = draft()
    token = preview_token(publication)
    publication_publish(publication=publication, by=editor)
    # An editor's unsaved work on the live piece: kept as an autosave, never public.
    live = Publication.objects.get(pk=publication.pk)
    live.body = "<p>Correction under legal review: the minister named was not at the meeting.</p>"
    publication_autosave(publication=live, by=editor, related={})

    response = client.get(preview_path(token))

    assert response.status_code == 410
    assert (
        response.json()["detail"] == "No preview: this piece is published, so its preview links have ended."
    )
    assert "legal review" not in response.content.decode()


def test_a_withdrawn_piece_has_no_preview(client, editor):
    publication = draft()
    token = preview_token(publication)
    publication_publish(publication=publication, by=editor)
    publication_withdraw(publication=publication, by=editor, notice="Withdrawn at the author's request.")

    response = client.get(preview_path(token))

    assert response.status_code == 410
    assert "Body of" not in response.content.decode()


def test_a_scheduled_piece_is_previewed_until_it_goes_live(client, editor):
    publication = draft()
    token = preview_token(publication)
    publication_schedule(publication=publication, by=editor, at=timezone.now() + dt.timedelta(hours=1))

    assert client.get(preview_path(token)).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1, minutes=1)):
        assert client.get(preview_path(token)).status_code == 410


def test_unknown_query_parameters_are_a_400(client):
    response = client.get(preview_path(preview_token(draft())), {"slug": "x"})

    assert response.status_code == 400


# --- The admin ------------------------------------------------------------------------------------------


def preview_link(html: str) -> str | None:
    found = re.search(r'href="([^"]+)" class="preview-link"', html)
    return found.group(1) if found else None


def test_the_admin_preview_button_opens_the_api_json_or_the_frontend(editor_client, editor, settings):
    publication = draft()

    link = preview_link(editor_client.get(change_url(publication)).content.decode())
    assert link.startswith("http://testserver/api/v1/preview/")
    editor_client.logout()  # the link is for a frontend, which has no session
    assert editor_client.get(link).json()["slug"] == "draft-piece"

    settings.FRONTEND_PREVIEW_URL = "https://www.example.org/preview/{token}/?draft=1"
    editor_client.force_login(editor)
    link = preview_link(editor_client.get(change_url(publication)).content.decode())
    assert re.fullmatch(r"https://www\.example\.org/preview/[^/]+/\?draft=1", link)


def test_a_live_piece_has_no_preview_button(editor_client):
    assert (
        preview_link(editor_client.get(change_url(PublicationFactory(published=True))).content.decode())
        is None
    )


def test_the_admin_revokes_previews_in_one_click(editor_client, client):
    publication = draft()
    link = preview_link(editor_client.get(change_url(publication)).content.decode())

    url = reverse("admin:publications_publication_revoke_previews", args=[publication.pk])
    assert editor_client.get(url).status_code == 405
    assert editor_client.post(url).status_code == 302

    assert client.get(link).status_code == 410
