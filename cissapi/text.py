"""Text handling shared by publications and author bios: HTML sanitization, plain text, accent folding."""

from __future__ import annotations

import html
import re
import unicodedata

import nh3

from cissapi.pasted_html import normalize_pasted_html, tidy_sanitized_html
from cissapi.richtext import sanitizer_allowlist

WORDS_PER_MINUTE = 200

_whitespace = re.compile(r"\s+")


def sanitize_html(value: str) -> str:
    """Return `value` with only what the rich-text editor can make left (see cissapi.richtext).

    Everything else (script, style, iframes, event handlers, javascript: URLs, classes, office markup) is
    removed, so stored HTML is safe to render anywhere. Bold, italic and lists that pasted office HTML
    says in styles are restated as tags first, so removing the styles keeps them.
    """
    if not value:
        return ""
    cleaned = nh3.clean(normalize_pasted_html(value), **sanitizer_allowlist())
    return tidy_sanitized_html(cleaned)


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
