"""The admin changelists search as the API does: full text for publications, typo-tolerant author names."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import AuthorFactory, PublicationFactory, TopicFactory

pytestmark = pytest.mark.django_db

PUBLICATIONS = reverse("admin:publications_publication_changelist")
AUTHORS = reverse("admin:authors_author_changelist")


def found(client, url: str, **params: str) -> set[str]:
    response = client.get(url, params)
    assert response.status_code == 200
    return {getattr(row, "title", None) or row.name for row in response.context["cl"].result_list}


def test_publication_search_finds_a_word_form_in_the_body(editor_client):
    PublicationFactory(title="Crewed flight", body="<p>The astronaut trained for a year.</p>")
    PublicationFactory(title="Ground stations", body="<p>Nothing about crews.</p>")
    assert found(editor_client, PUBLICATIONS, q="astronauts") == {"Crewed flight"}


def test_publication_search_folds_accents_and_reads_summaries_and_bylines(editor_client):
    PublicationFactory(title="Doctrine", summary="La défense aérienne du Pakistan.")
    PublicationFactory(title="Bylined", authors=[AuthorFactory(name="Zubayr Qureshi")])
    PublicationFactory(title="Other")
    assert found(editor_client, PUBLICATIONS, q="defense") == {"Doctrine"}
    assert found(editor_client, PUBLICATIONS, q="Qureshi") == {"Bylined"}


def test_publication_search_finds_drafts_and_keeps_list_filters(editor_client):
    topic = TopicFactory()
    PublicationFactory(title="Draft on astronauts", body="<p>astronauts</p>", topics=[topic])
    PublicationFactory(title="Live on astronauts", body="<p>astronauts</p>", published=True)
    assert found(editor_client, PUBLICATIONS, q="astronaut") == {"Draft on astronauts", "Live on astronauts"}
    assert found(editor_client, PUBLICATIONS, q="astronaut", topics__id__exact=str(topic.pk)) == {
        "Draft on astronauts"
    }


def test_publication_search_still_finds_identifiers_as_typed(editor_client):
    PublicationFactory(title="With a DOI", doi="10.1234/ciss.2026.7")
    PublicationFactory(title="Numbered", report_number="IB-2026-04")
    PublicationFactory(title="Neither")
    assert found(editor_client, PUBLICATIONS, q="10.1234/ciss.2026.7") == {"With a DOI"}
    assert found(editor_client, PUBLICATIONS, q="IB-2026-04") == {"Numbered"}


@pytest.mark.parametrize("query", ['"unclosed', "-", "a | | b", "'; DROP TABLE x; --", "é" * 200, "\x00"])
def test_publication_search_answers_any_input(editor_client, query):
    PublicationFactory()
    response = editor_client.get(PUBLICATIONS, {"q": query})
    assert response.status_code == 200


def test_author_search_forgives_typos_as_the_api_does(editor_client):
    AuthorFactory(name="Zubayr Ahmed")
    AuthorFactory(name="Sarah Khan")
    assert found(editor_client, AUTHORS, q="Zubair") == {"Zubayr Ahmed"}
    assert found(editor_client, AUTHORS, q="zubáyr") == {"Zubayr Ahmed"}


def test_author_search_still_finds_email_and_headline(editor_client):
    AuthorFactory(name="Sarah Khan", email="skhan@ciss.example")
    AuthorFactory(name="Ali Raza", headline="Director, Nuclear Policy")
    assert found(editor_client, AUTHORS, q="skhan@") == {"Sarah Khan"}
    assert found(editor_client, AUTHORS, q="nuclear policy") == {"Ali Raza"}


def test_author_search_keeps_the_publication_counts(editor_client):
    author = AuthorFactory(name="Zubayr Ahmed")
    PublicationFactory(authors=[author])
    PublicationFactory(authors=[author])
    response = editor_client.get(AUTHORS, {"q": "Zubair"})
    assert [row.publication_total for row in response.context["cl"].result_list] == [2]
