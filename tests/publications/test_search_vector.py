import pytest
from django.contrib.postgres.search import SearchQuery

from publications.models import Publication
from tests.factories import AuthorFactory, PublicationFactory

pytestmark = pytest.mark.django_db


def search(text: str) -> list[Publication]:
    query = SearchQuery(text, search_type="websearch", config="english")
    return list(Publication.objects.filter(search_vector=query))


def test_search_vector_covers_title_summary_body_and_authors():
    author = AuthorFactory(name="Anum Riaz")
    publication = PublicationFactory(
        title="Space diplomacy", summary="Human spaceflight with China", body="<p>Astronauts in orbit</p>",
        authors=[author],
    )  # fmt: skip

    for term in ["diplomacy", "spaceflight", "astronaut", "riaz"]:
        assert search(term) == [publication], term


def test_search_vector_follows_an_author_rename():
    author = AuthorFactory(name="Old Name")
    publication = PublicationFactory(authors=[author])
    author.name = "Mobeen Mir"
    author.save()

    assert search("mobeen") == [publication]
    assert search("old") == []


def test_accents_are_folded_in_documents():
    publication = PublicationFactory(title="Défense stratégique")
    assert search("defense") == [publication]
