"""Links from the admin that must lead somewhere: "View site", "View on site" and the API JSON."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PublicationFactory
from tests.html_links import links, page

pytestmark = pytest.mark.django_db


def change_url(publication) -> str:
    return reverse("admin:publications_publication_change", args=[publication.pk])


def test_view_site_goes_to_the_api_while_site_url_is_the_local_default(editor_client, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"

    assert links(page(editor_client, reverse("admin:index")), "View site") == ["/api/v1/"]
    assert editor_client.get("/api/v1/").status_code == 200


def test_view_site_goes_to_a_public_site_on_another_host(editor_client, settings):
    settings.SITE_URL = "https://ciss.example"

    assert links(page(editor_client, reverse("admin:index")), "View site") == ["https://ciss.example/"]


def test_a_live_piece_views_on_site_as_its_api_detail_while_there_is_no_public_site(editor_client, settings):
    settings.SITE_URL = "http://localhost:8000"
    publication = PublicationFactory(published=True, slug="deterrence")

    soup = page(editor_client, change_url(publication))

    assert links(soup, "View on site") == ["/api/v1/publications/deterrence/"]
    assert editor_client.get("/api/v1/publications/deterrence/").status_code == 200
    # "View on site" already is the API JSON: no second button to the same place.
    assert links(soup, "API JSON") == []


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

    assert links(soup, "API JSON") == ["/api/v1/publications/live-one/"]
