"""Every state-changing admin endpoint refuses a POST without the CSRF token, the project's own (workflow
buttons, preview revocation, revision restores, autosave) as Django's (forms, list actions, logout)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from publications.models import Publication
from tests.factories import AuthorFactory, PublicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def csrf_checked_client(client, editor):
    client.force_login(editor)
    client.handler.enforce_csrf_checks = True
    return client


def endpoints(publication: Publication, author) -> list[tuple[str, dict]]:
    revision = publication.history.first().history_id
    author_revision = author.history.first().history_id
    piece = [publication.pk]
    return [
        (reverse("admin:publications_publication_workflow", args=piece), {"action": "submit"}),
        (reverse("admin:publications_publication_revoke_previews", args=piece), {}),
        (reverse("admin:publications_publication_restore", args=[publication.pk, revision]), {}),
        (reverse("admin:publications_publication_autosave", args=piece), {"title": "Changed"}),
        (reverse("admin:publications_publication_change", args=piece), {"title": "Changed"}),
        (reverse("admin:publications_publication_delete", args=piece), {"post": "yes"}),
        (
            reverse("admin:publications_publication_changelist"),
            {"action": "submit", "_selected_action": piece},
        ),
        (reverse("admin:authors_author_restore", args=[author.pk, author_revision]), {}),
        (reverse("admin:partners_apikey_add"), {"name": "sync"}),
        (reverse("admin:logout"), {}),
    ]


def test_every_state_changing_admin_endpoint_refuses_a_post_without_the_csrf_token(csrf_checked_client):
    publication = PublicationFactory(title="Untouched")
    author = AuthorFactory()

    for url, data in endpoints(publication, author):
        response = csrf_checked_client.post(url, data)
        assert response.status_code == 403, url

    stored = Publication.objects.get(pk=publication.pk)
    assert (stored.title, stored.status, stored.trashed_at) == ("Untouched", Publication.Status.DRAFT, None)
    assert stored.history.filter(is_autosave=True).count() == 0
