"""Bodies and bios pasted from Word or Google Docs are stored as clean semantic markup.

The fixtures are the HTML these programs put on the clipboard (tests/fixtures/pasted/), saved through the
admin and through the models, against the real database.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from authors.models import Author
from cissapi.richtext import LINK_REL
from cissapi.text import sanitize_html
from publications.models import Publication
from tests.factories import AuthorFactory, PublicationFactory
from tests.publications.test_admin import publication_post

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "pasted"

WORD_STORED = (
    "<h2>Deterrence after the test</h2>"
    "<p>The <strong>strategic balance</strong> in South Asia rests on <em>credible</em> "
    "<strong><em>second-strike</em></strong> capability, as the "
    f'<a href="https://ciss.org.pk/report" rel="{LINK_REL}">CISS report</a> argues.</p>'
    "<ul><li><p>Sea-based deterrent</p>"
    "<ul><li><p>Submarine-launched cruise missiles</p></li></ul></li>"
    "<li><p>Missile defence</p></li></ul>"
    "<p>Three steps follow:</p>"
    "<ol><li><p>Talk</p></li><li><p>Verify</p></li></ol>"
    "<p>CO<sub>2</sub> and H2O.</p>"
)
GOOGLE_DOCS_STORED = (
    "<h2>Space diplomacy</h2>"
    "<p><strong>Astronauts</strong> from <em>three nations</em> shared the station, as "
    f'<a href="https://www.example.org/outer-space-treaty" rel="{LINK_REL}">the treaty</a><sup>1</sup> '
    "foresaw.</p>"
    "<ul><li><p>Launch notifications</p></li><li><p><strong>Debris rules</strong></p></li></ul>"
    "<ol><li><p>First, a hotline</p></li></ol>"
)


def pasted(name: str) -> str:
    return (FIXTURES / name).read_text()


def collapsed(html: str) -> str:
    """HTML with the line breaks of the source (Word wraps its lines) read as the spaces they are."""
    return re.sub(r"\s*(</?(?:p|ul|ol|li|h\d)>)\s*", r"\1", " ".join(html.split()))


@pytest.mark.parametrize(
    ("fixture", "stored"), [("word.html", WORD_STORED), ("google_docs.html", GOOGLE_DOCS_STORED)]
)
def test_pasted_office_html_is_stored_as_semantic_markup(fixture, stored):
    publication = PublicationFactory(body=pasted(fixture))
    publication.refresh_from_db()
    assert collapsed(publication.body) == stored


@pytest.mark.parametrize("fixture", ["word.html", "google_docs.html"])
def test_nothing_of_the_office_markup_is_left(fixture):
    body = sanitize_html(pasted(fixture))
    for leftover in ["<span", "style=", "class=", "<!--", "mso", "<o:p", "<b ", "<b>", "<i>", "docs-internal",
                     "dir=", "lang=", "<br", "&nbsp;", "<p></p>", "<meta", "supportLists"]:  # fmt: skip
        assert leftover not in body, leftover


@pytest.mark.parametrize("fixture", ["word.html", "google_docs.html"])
def test_cleaned_paste_is_what_the_editor_keeps(fixture):
    body = sanitize_html(pasted(fixture))
    assert sanitize_html(body) == body


def test_google_docs_wrapper_bold_that_is_not_bold_stays_plain():
    html = (
        '<b style="font-weight:normal;" id="docs-internal-guid-1a2b"><p dir="ltr"><span>Plain</span></p></b>'
    )
    assert sanitize_html(html) == "<p>Plain</p>"


def test_word_right_to_left_styles_are_not_read_as_bold_or_italic():
    html = (
        "<p class=MsoNormal><span style='mso-bidi-font-weight:bold;mso-bidi-font-style:italic'>x</span></p>"
    )
    assert sanitize_html(html) == "<p>x</p>"


def test_word_list_without_markers_is_a_bullet_list():
    html = (
        "<p class=MsoListParagraph style='mso-list:l0 level1 lfo1'>One</p>"
        "<p class=MsoListParagraph style='mso-list:l0 level1 lfo1'>Two</p><p>After</p>"
    )
    assert sanitize_html(html) == "<ul><li><p>One</p></li><li><p>Two</p></li></ul><p>After</p>"


def test_empty_editor_stores_an_empty_body():
    # ProseMirror always keeps one paragraph; an empty one means no body.
    assert sanitize_html("<p></p>") == ""


def test_body_pasted_in_the_admin_is_stored_clean(editor_client):
    response = editor_client.post(
        reverse("admin:publications_publication_add"), publication_post(body=pasted("google_docs.html"))
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert collapsed(Publication.objects.get().body) == GOOGLE_DOCS_STORED


def test_bio_pasted_in_the_admin_is_stored_clean(editor_client):
    author = AuthorFactory()
    url = reverse("admin:authors_author_change", args=[author.pk])
    form = editor_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "photo"}
    data.update({"interests": [], "outlets": [], "bio": pasted("word.html")})
    for prefix in ["positions", "education", "works", "links"]:
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert collapsed(Author.objects.get(pk=author.pk).bio) == WORD_STORED
