"""A snippet is the best passage of the first SNIPPET_SCOPE characters of summary and body; the rest of the
text is read only when none of them matches (ts_headline on a whole long piece is the cost of a search)."""

import pytest

from publications.search import SNIPPET_SCOPE
from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db

FILLER = "Provincial budgets were debated at length in the assembly. "


def snippet_of(api_get, slug: str, q: str) -> str:
    response = api_get("v1:publication-list", q=q)
    assert response.status_code == 200, response.content
    return next(item["snippet"] for item in response.json()["results"] if item["slug"] == slug)


def body_after_scope(text: str) -> str:
    """A body whose `text` starts past SNIPPET_SCOPE characters of words that match nothing."""
    return f"<p>{FILLER * (SNIPPET_SCOPE // len(FILLER) + 2)}</p><p>{text}</p>"


def test_the_snippet_is_the_best_passage_of_the_first_part_when_it_matches(api_get):
    # The densest passage lies past the scope; the one match in the summary is what the snippet shows.
    dense = "Gwadar Gwadar Gwadar harbour, Gwadar Gwadar dredging."
    piece = PublicationFactory(
        published=True, summary="The Gwadar question returns.", body=body_after_scope(dense)
    )

    snippet = snippet_of(api_get, piece.slug, "gwadar")

    assert snippet.startswith("<mark>Gwadar</mark> question returns.")
    assert "dredging" not in snippet


def test_a_match_only_past_the_first_part_is_still_shown(api_get):
    piece = PublicationFactory(
        published=True, summary="A note on ports.", body=body_after_scope("The Gwadar harbour was dredged.")
    )

    snippet = snippet_of(api_get, piece.slug, "gwadar")

    assert "<mark>Gwadar</mark> harbour was dredged" in snippet


def test_a_word_cut_by_the_scope_is_not_half_highlighted(api_get):
    # "securities" straddles the scope's end: its first half would stem to the query's "secur".
    summary = "x" * (SNIPPET_SCOPE - len("Notes.  secur") - 1) + " Notes."
    piece = PublicationFactory(published=True, summary=summary, body="<p>securities markets</p>")
    assert len(f"{summary} securities") > SNIPPET_SCOPE > len(f"{summary} secur") - 1

    snippet = snippet_of(api_get, piece.slug, "security")

    assert "<mark>securities</mark>" in snippet
