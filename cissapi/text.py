"""Text handling shared by publications and author bios: HTML sanitization, plain text, accent folding."""

from __future__ import annotations

import html
import re
import unicodedata

import nh3

# What an editor's rich text may contain. Everything else (script, style, iframes, event handlers,
# javascript: URLs) is removed on save, so stored HTML is safe to render anywhere.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dl", "dt", "em",
    "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li", "ol", "p", "pre",
    "q", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "blockquote": {"cite"},
    "q": {"cite"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
WORDS_PER_MINUTE = 200

_whitespace = re.compile(r"\s+")


def sanitize_html(value: str) -> str:
    """Return `value` with only the allowed tags, attributes and URL schemes left."""
    if not value:
        return ""
    return nh3.clean(
        value,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    ).strip()


def html_to_text(value: str) -> str:
    """Return the visible text of an HTML fragment, whitespace collapsed."""
    if not value:
        return ""
    text = html.unescape(nh3.clean(value, tags=set()))
    return _whitespace.sub(" ", text).strip()


def fold_accents(value: str) -> str:
    """Strip diacritics ("Défense" -> "Defense") so search matches with or without accents.

    The embedded Postgres has no unaccent extension, so documents and queries are folded here alike.
    """
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def word_count(text: str) -> int:
    """Count the words of plain text."""
    return len(text.split())


def reading_minutes(words: int) -> int:
    """Minutes a reader needs for `words` words, at least one for any text."""
    return max(1, -(-words // WORDS_PER_MINUTE)) if words else 0
