"""The author admin's links: "View on site" that answers, and each count leading to the author's pieces."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import AuthorFactory, PublicationFactory
from tests.html_links import links, page

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:authors_author_changelist")


def test_view_on_site_is_the_author_page_this_project_serves(editor_client, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    author = AuthorFactory(slug="amna-qureshi")

    found = page(editor_client, reverse("admin:authors_author_change", args=[author.pk]))

    assert links(found, "View on site") == ["http://127.0.0.1:8000/authors/amna-qureshi/"]
    assert editor_client.get("/authors/amna-qureshi/").status_code == 200


def test_view_on_site_is_the_public_page_when_a_site_exists(editor_client, settings):
    settings.SITE_URL = "https://ciss.example"
    author = AuthorFactory(slug="amna-qureshi")

    found = page(editor_client, reverse("admin:authors_author_change", args=[author.pk]))

    assert links(found, "View on site") == ["https://ciss.example/authors/amna-qureshi/"]


def test_the_publication_count_links_to_the_authors_pieces(editor_client):
    author, other = AuthorFactory(), AuthorFactory()
    mine = [PublicationFactory(authors=[author]), PublicationFactory(published=True, authors=[other, author])]
    PublicationFactory(authors=[other])
    PublicationFactory(authors=[other])  # three for the other author, so "2" is this author's count

    (href,) = links(page(editor_client, CHANGELIST), "2")
    assert href == f"{reverse('admin:publications_publication_changelist')}?authors__id__exact={author.pk}"

    listed = editor_client.get(href)
    assert listed.status_code == 200
    assert {p.pk for p in listed.context["cl"].result_list} == {p.pk for p in mine}
