"""Links from the admin that must lead somewhere: "View site", "View on site" and the API JSON."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cissapi.public_site import public_or_api
from tests.factories import PublicationFactory
from tests.html_links import links, page

pytestmark = pytest.mark.django_db


def change_url(publication) -> str:
    return reverse("admin:publications_publication_change", args=[publication.pk])


def test_view_site_goes_to_this_projects_site_at_the_local_default(editor_client, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"

    assert links(page(editor_client, reverse("admin:index")), "View site") == ["http://127.0.0.1:8000/"]
    assert editor_client.get("/").status_code == 200


def test_a_local_address_this_project_does_not_route_falls_back_to_the_api(settings):
    assert public_or_api("http://127.0.0.1:8000/nowhere/at/all/", "/api/v1/") == "/api/v1/"
    assert public_or_api("http://127.0.0.1:8000/publications/a-piece/", "/api/v1/") == (
        "http://127.0.0.1:8000/publications/a-piece/"
    )


def test_view_site_goes_to_a_public_site_on_another_host(editor_client, settings):
    settings.SITE_URL = "https://ciss.example"

    assert links(page(editor_client, reverse("admin:index")), "View site") == ["https://ciss.example/"]


def test_a_live_piece_views_on_site_as_its_page_on_this_project(editor_client, settings):
    settings.SITE_URL = "http://localhost:8000"
    publication = PublicationFactory(published=True, slug="deterrence")

    soup = page(editor_client, change_url(publication))

    assert links(soup, "View on site") == ["http://localhost:8000/publications/deterrence/"]
    assert editor_client.get("/publications/deterrence/").status_code == 200
    assert links(soup, "API JSON") == ["/api/v1/publications/deterrence/"]


def test_a_live_piece_links_to_its_public_page_and_its_api_json_when_a_site_exists(editor_client, settings):
    settings.SITE_URL = "https://ciss.example"
    publication = PublicationFactory(published=True, slug="deterrence")

    soup = page(editor_client, change_url(publication))

    assert links(soup, "View on site") == ["https://ciss.example/publications/deterrence/"]
    assert links(soup, "API JSON") == ["/api/v1/publications/deterrence/"]


def test_a_draft_has_no_view_on_site_nor_api_link(editor_client):
    soup = page(editor_client, change_url(PublicationFactory(slug="draft")))

    assert links(soup, "View on site") == []
    assert links(soup, "API JSON") == []


def test_the_changelist_links_live_pieces_to_what_answers(editor_client, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    PublicationFactory(published=True, slug="live-one")
    PublicationFactory(slug="draft-one")

    soup = page(editor_client, reverse("admin:publications_publication_changelist"))

    assert links(soup, "view") == ["http://127.0.0.1:8000/publications/live-one/"]
    assert editor_client.get("/publications/live-one/").status_code == 200
