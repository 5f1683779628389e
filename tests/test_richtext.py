"""The editor's toolbar and the sanitizer's allow-list come from one configuration and agree."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from cissapi.richtext import EXTENSIONS, LINK_REL, sanitizer_allowlist
from cissapi.text import sanitize_html
from tests.factories import AuthorFactory, PublicationFactory

pytestmark = pytest.mark.django_db

# What each extension of the editor makes, written as the editor writes it (and as it is stored).
MADE_BY = {
    "Heading": "<h2>Two</h2><h3>Three</h3><h4>Four</h4><h5>Five</h5><h6>Six</h6>",
    "Bold": "<p><strong>bold</strong></p>",
    "Italic": "<p><em>italic</em></p>",
    "Strike": "<p><s>struck</s></p>",
    "Subscript": "<p>CO<sub>2</sub></p>",
    "Superscript": "<p>A claim<sup>1</sup></p>",
    "HardBreak": "<p>one<br>two</p>",
    "HorizontalRule": "<p>before</p><hr><p>after</p>",
    "Blockquote": "<blockquote><p>quoted</p></blockquote>",
    "BulletList": "<ul><li><p>item</p></li></ul>",
    "OrderedList": '<ol start="3" type="a"><li><p>third</p></li></ol>',
    "ListItem": "<ul><li><p>outer</p><ul><li><p>inner</p></li></ul></li></ul>",
    "Link": (
        f'<p><a href="https://example.org/a" title="A page" rel="{LINK_REL}">a link</a> and '
        f'<a href="mailto:press@example.org" rel="{LINK_REL}">mail</a></p>'
    ),
    "Table": "<table><tbody><tr><td><p>cell</p></td></tr></tbody></table>",
    "TableRow": "<table><tbody><tr><td><p>a</p></td></tr><tr><td><p>b</p></td></tr></tbody></table>",
    "TableHeader": '<table><tbody><tr><th colspan="2" rowspan="1"><p>head</p></th></tr></tbody></table>',
    "TableCell": '<table><tbody><tr><td colspan="1" rowspan="2"><p>cell</p></td></tr></tbody></table>',
    "Figure": (
        '<figure><img src="https://example.org/map.png" alt="A map" width="640" height="480">'
        "<figcaption>The map</figcaption></figure>"
    ),
    "Image": '<img src="/media/publications/images/2026/map.png" alt="A map">',
    "Caption": (
        '<figure><img src="/media/map.png" alt="A map"><figcaption>A <em>caption</em></figcaption></figure>'
    ),
}


class _Markup(HTMLParser):
    """The tags and (tag, attribute) pairs of a fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[tuple[str, str]] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update((tag, name) for name, _ in attrs)


def markup_of(*fragments: str) -> _Markup:
    parser = _Markup()
    for fragment in fragments:
        parser.feed(fragment)
    return parser


def test_every_extension_of_the_editor_has_a_sample():
    assert set(MADE_BY) == set(EXTENSIONS)


@pytest.mark.parametrize("extension", sorted(MADE_BY))
def test_what_the_editor_makes_survives_the_sanitizer_unchanged(extension):
    assert sanitize_html(MADE_BY[extension]) == MADE_BY[extension]


def test_the_sanitizer_keeps_no_tag_the_editor_cannot_make():
    assert sanitizer_allowlist()["tags"] == markup_of(*MADE_BY.values()).tags


def test_the_sanitizer_keeps_no_attribute_the_editor_cannot_make():
    allowed = {(tag, name) for tag, names in sanitizer_allowlist()["attributes"].items() for name in names}
    # rel is not kept but set: every stored link gets LINK_REL, whatever it came with.
    made = markup_of(*MADE_BY.values()).attributes - {("a", "rel")}
    assert allowed == made


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ('<p onclick="steal()">hi<script>steal()</script></p>', "<p>hi</p>"),
        ('<p><a href="javascript:steal()">x</a></p>', f'<p><a rel="{LINK_REL}">x</a></p>'),
        ('<p><a href="https://e.org" target="_blank" rel="opener">x</a></p>',
         f'<p><a href="https://e.org" rel="{LINK_REL}">x</a></p>'),
        ('<img src="data:image/png;base64,AAAA" alt="x">', '<img alt="x">'),
        ('<p class="lead" style="color:red" data-x="1">styled</p>', "<p>styled</p>"),
        ('<iframe src="https://e.org"></iframe><p>after</p>', "<p>after</p>"),
        ("<style>p{}</style><p>text</p>", "<p>text</p>"),
        ('<figure class="figure"><img src="/m.png" alt="m"><figcaption class="figure-caption">c</figcaption>'
         "</figure>", '<figure><img src="/m.png" alt="m"><figcaption>c</figcaption></figure>'),
        ("<h1>Top</h1><p><u>under</u> <code>x</code> <span>s</span></p>", "<h2>Top</h2><p>under x s</p>"),
    ],
)  # fmt: skip
def test_what_the_editor_cannot_make_is_removed(dirty, clean):
    assert sanitize_html(dirty) == clean


def editor_config(html: str, field: str) -> dict:
    """The configuration the admin page hands the editor of `field`."""

    class Textarea(HTMLParser):
        config: dict = {}

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            attributes = dict(attrs)
            if tag == "textarea" and attributes.get("name") == field:
                Textarea.config = json.loads(attributes["data-django-prose-editor-configurable"] or "{}")

    Textarea().feed(html)
    return Textarea.config


@pytest.mark.parametrize(
    ("url", "field"),
    [
        (lambda: reverse("admin:publications_publication_change", args=[PublicationFactory().pk]), "body"),
        (lambda: reverse("admin:authors_author_change", args=[AuthorFactory().pk]), "bio"),
        (lambda: reverse("admin:publications_publication_add"), "body"),
    ],
)
def test_the_admin_edits_bodies_and_bios_with_the_configured_editor(editor_client, url, field):
    response = editor_client.get(url())
    html = response.content.decode()
    config = editor_config(html, field)
    # The configured extensions, plus the editor's own (document, paragraphs, text, menu, undo...).
    assert EXTENSIONS.items() <= config["extensions"].items()
    assert set(config["extensions"]) - set(EXTENSIONS) <= {
        "Document", "Dropcursor", "Gapcursor", "Paragraph", "Text", "Menu", "NoSpellCheck", "History",
    }  # fmt: skip
    # Its modules come from this site (no CDN), and the inline import map carries the page's CSP nonce.
    nonce = response["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'<script type="importmap" nonce="{nonce}">' in html
    assert '<script src="/static/django_prose_editor/editor.js"' in html
    importmap = json.loads(html.split(f'<script type="importmap" nonce="{nonce}">')[1].split("</script>")[0])
    assert all(path.startswith("/static/") for path in importmap["imports"].values())
