"""A publication's delete confirmation: what goes with it, in an editor's words, and a warning when live."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from publications.models import Publication
from tests.factories import AuthorFactory, CrossPostFactory, PublicationFactory, TopicFactory

pytestmark = pytest.mark.django_db


def delete_page(client, publication: Publication) -> str:
    response = client.get(reverse("admin:publications_publication_delete", args=[publication.pk]))
    assert response.status_code == 200
    return response.content.decode()


def summary(html: str) -> list[str]:
    (items,) = re.findall(r'<ul class="delete-summary">(.*?)</ul>', html, re.S)
    return [item.strip() for item in re.findall(r"<li>(.*?)</li>", items, re.S)]


def test_the_summary_counts_byline_entries_not_authors(editor_client):
    authors = [AuthorFactory() for _ in range(4)]
    publication = PublicationFactory(authors=authors, topics=[TopicFactory()])
    CrossPostFactory(publication=publication)

    html = delete_page(editor_client, publication)

    assert sorted(summary(html)) == ["1 cross-post", "1 publication", "1 topic filing", "4 byline entries"]
    assert "Authors: 4" not in html
    assert html.count("Byline entry: ") == 4
    assert "(the author is kept)" in html
    assert "Publication_topics object" not in html


def test_a_live_piece_is_flagged_before_its_delete(editor_client):
    live = PublicationFactory(published=True, title="Deterrence after May")
    draft = PublicationFactory(title="A draft")

    assert "“Deterrence after May” is live." in delete_page(editor_client, live)
    assert "is live." not in delete_page(editor_client, draft)


def test_deleting_selected_pieces_flags_each_live_one_and_counts_in_words(editor_client):
    live = PublicationFactory(published=True, title="Live piece", authors=[AuthorFactory()])
    draft = PublicationFactory(title="Draft piece", authors=[AuthorFactory(), AuthorFactory()])

    response = editor_client.post(
        reverse("admin:publications_publication_changelist"),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [live.pk, draft.pk]},
    )

    html = response.content.decode()
    assert "“Live piece” is live." in html
    assert "“Draft piece” is live." not in html
    assert sorted(summary(html)) == ["2 publications", "3 byline entries"]
    assert Publication.objects.count() == 2
