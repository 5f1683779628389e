"""Search snippets are HTML whose only markup is <mark>: markup in any text they are built from is inert."""

from html.parser import HTMLParser

import pytest

from publications.models import Publication
from publications.search import refresh_search_vectors
from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=//evil.example>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "</mark><img src=x onerror=alert(1)><mark>",
    "\ue000<b>forged mark</b>\ue001",
]


class Elements(HTMLParser):
    """Every element a browser would build from the snippet, with its attributes."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list]] = []
        self.text = ""
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))

    def handle_data(self, data):
        self.text += data


def snippet_of(api_get, slug: str, q: str) -> str:
    response = api_get("v1:publication-list", q=q)
    assert response.status_code == 200, response.content
    return next(item["snippet"] for item in response.json()["results"] if item["slug"] == slug)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markup_in_a_summary_comes_back_as_text(api_get, payload):
    piece = PublicationFactory(published=True, summary=f"Gwadar port {payload} and Gwadar again.")

    snippet = snippet_of(api_get, piece.slug, "gwadar")

    elements = Elements(snippet)
    assert {tag for tag, _ in elements.found} == {"mark"}
    assert all(attrs == [] for _, attrs in elements.found)
    assert "Gwadar port" in elements.text


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markup_in_a_body_saved_around_the_sanitizer_comes_back_as_text(api_get, payload):
    piece = PublicationFactory(published=True, summary="", body="<p>Gwadar</p>")
    # As a bulk import or a shell session could write it, bypassing save()'s sanitizer.
    Publication.objects.filter(pk=piece.pk).update(body=f"<p>Gwadar port {payload} and Gwadar again.</p>")
    refresh_search_vectors([piece.pk])

    snippet = snippet_of(api_get, piece.slug, "gwadar")

    elements = Elements(snippet)
    assert {tag for tag, _ in elements.found} == {"mark"}
    assert all(attrs == [] for _, attrs in elements.found)


def test_markup_hidden_in_a_sanitized_body_attribute_stays_inert(api_get):
    # nh3 keeps alt text verbatim, and stripping tags naively would release what it holds.
    piece = PublicationFactory(
        published=True,
        summary="",
        body='<p>Gwadar <img src="/a.png" alt="x><script>alert(1)</script><img src=x onerror=alert(2)>"></p>',
    )

    snippet = snippet_of(api_get, piece.slug, "gwadar")

    assert {tag for tag, _ in Elements(snippet).found} == {"mark"}


def test_the_body_text_reads_as_written(api_get):
    # The entities the sanitizer writes are decoded once, then escaped once: no "&amp;amp;" in the snippet.
    piece = PublicationFactory(
        published=True, summary="", body='<p>Gwadar: R&amp;D, 5 &lt; 6 &amp; "quotes"</p>'
    )

    snippet = snippet_of(api_get, piece.slug, "gwadar")

    assert Elements(snippet).text.strip() == 'Gwadar: R&D, 5 < 6 & "quotes"'
    assert snippet.strip() == '<mark>Gwadar</mark>: R&amp;D, 5 &lt; 6 &amp; "quotes"'
