"""The rich-text editor of publication bodies and author bios, and the one configuration behind it.

EXTENSIONS is the single source of both the editor's toolbar (django-prose-editor's ProseMirror extensions)
and the sanitizer's allow-list (cissapi.text.sanitize_html): what an editor can make is exactly what is
stored, and nothing the sanitizer keeps is missing from the toolbar (tests/test_richtext.py holds the two
to each other).
"""

from __future__ import annotations

import functools
from typing import Any

from django.forms import Media
from django.http import HttpRequest
from django_prose_editor.config import allowlist_from_extensions
from django_prose_editor.widgets import AdminProseEditorWidget
from js_asset import Media as NoncedMedia

EXTENSIONS: dict[str, Any] = {
    # h1 is the page's title, so a body's headings start at h2.
    "Heading": {"levels": [2, 3, 4, 5, 6]},
    "Bold": True,
    "Italic": True,
    "Strike": True,
    "Subscript": True,
    # Also the note markers: footnotes are numbered superscripts and a "Notes" list at the end (the
    # editor has no footnote node, and a stored one would need ids and fragment links we do not keep).
    "Superscript": True,
    "HardBreak": True,
    "HorizontalRule": True,
    "Blockquote": True,
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    # Opening in a new window is the reader's choice; the sanitizer sets rel="noopener noreferrer".
    "Link": {"enableTarget": False},
    "Table": True,
    "TableRow": True,
    "TableHeader": True,
    "TableCell": True,
    # Images with alt text and a caption, chosen from the media library: the image dialog's "Browse..."
    # opens the library's picker (media.admin), which fills address, alt text and caption. By path, as
    # the base knows no app; the API adds each library image's srcset on output (media.api.documents).
    "Figure": {"pickerUrl": "/admin/media/image/picker/"},
    "Image": True,
    "Caption": True,
}

# What the sanitizer adds to the editor's allow-list policy, the same for every extension.
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer"
# Attributes the editor's extensions may emit that are never stored: presentation (class, style: the site's
# stylesheet decides), link targets and rel (LINK_REL is set on every link instead), and the editor's own
# bookkeeping (data-*). The editor recreates its defaults (a figure's class) when it loads stored HTML.
DROPPED_ATTRIBUTES = {"class", "style", "target", "rel"}
# The editor writes every table row into <tbody>; a <thead> it never makes is not kept either.
DROPPED_TAGS = {"thead"}
EDITOR_HELP_TEXT = (
    "Use the toolbar. Text pasted from Word or Google Docs keeps its headings, bold, italics, lists and "
    "links, and loses the rest of its formatting."
)


@functools.cache
def sanitizer_allowlist() -> dict[str, Any]:
    """The nh3 arguments that keep exactly what EXTENSIONS lets an editor make."""
    derived = allowlist_from_extensions(EXTENSIONS)
    attributes = {
        tag: {name for name in names if name not in DROPPED_ATTRIBUTES and not name.startswith("data-")}
        for tag, names in derived["attributes"].items()
    }
    return {
        "tags": set(derived["tags"]) - DROPPED_TAGS,
        "attributes": {tag: names for tag, names in attributes.items() if names},
        "url_schemes": URL_SCHEMES,
        "link_rel": LINK_REL,
    }


def editor_widget() -> AdminProseEditorWidget:
    """The admin widget of a rich-text field: a ProseMirror editor with EXTENSIONS' toolbar."""
    return AdminProseEditorWidget(config={"extensions": EXTENSIONS}, preset="configurable")


def page_media(media: Media, request: HttpRequest) -> Media:
    """A form page's media with the request's CSP nonce on its tags.

    The editor's modules are found through an inline `<script type="importmap">`, which the admin's
    Content-Security-Policy (scripts from this origin, inline ones only with the nonce) would block.
    """
    return NoncedMedia.from_media(media, nonce=getattr(request, "csp_nonce", ""))
