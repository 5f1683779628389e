"""Text handling shared by publications and author bios: HTML sanitization, plain text, accent folding, and
characters that must never reach a reader (controls, bidi overrides) or an XML document."""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

import nh3

from cissapi.pasted_html import normalize_pasted_html, tidy_sanitized_html
from cissapi.richtext import sanitizer_allowlist

WORDS_PER_MINUTE = 200

_whitespace = re.compile(r"\s+")

# Bidi embeddings, overrides and isolates are invisible and reorder the text around them (U+202E made a feed
# reader show a title backwards). The marks LRM, RLM and ALM stay: mixed Urdu and English text needs them
# and they reorder nothing beyond themselves.
_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
# C0 controls other than tab and line breaks, DEL and the C1 controls, bidi controls, noncharacters and lone
# surrogates (Postgres cannot store those): nothing an editor means to type.
_UNSAFE_CLASS = f"\x00-\x08\x0e-\x1f\x7f-\x9f{_BIDI_CONTROLS}\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff"
_UNSAFE = re.compile(f"[{_UNSAFE_CLASS}]")
# Line breaks of every kind, \x0b among them (Word's soft line break, pasted).
_LINE_BREAK = re.compile("\r\n|[\n\r\x0b\x0c\x85\u2028\u2029]")
# In single-line text a break (or tab) and the spaces around it become one space.
_SINGLE_LINE_BREAKS = re.compile(" *[\t\n\r\x0b\x0c\x85\u2028\u2029][ \t\n\r\x0b\x0c\x85\u2028\u2029]*")
# The same in XML output, with \x0b and \x0c, which XML 1.0 cannot carry at all, not even escaped.
_XML_UNSAFE = re.compile(f"[\x0b\x0c{_UNSAFE_CLASS}]")


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


def clean_text(value: str, *, single_line: bool) -> str:
    """Plain text as a reader should get it: no control, bidi override or noncharacter, ends trimmed.

    Single-line text (titles, names) gets a space for each run of tabs and line breaks; multi-line text
    (summaries, descriptions) keeps tabs and gets a newline for each line break of any kind.
    """
    if not value:
        return value
    value = _SINGLE_LINE_BREAKS.sub(" ", value) if single_line else _LINE_BREAK.sub("\n", value)
    return _UNSAFE.sub("", value).strip()


def xml_text(value: str) -> str:
    """`value` without what XML 1.0 cannot carry or a reader should not get (bidi controls).

    For XML outputs (feeds, sitemaps), which must stay well-formed whatever the database holds: text written
    around save() (an .update(), a bulk import) never went through clean_text.
    """
    return _XML_UNSAFE.sub("", value) if value else value


# _XML_UNSAFE as a Postgres regular expression: each character as its \uXXXX escape, ranges kept.
_XML_UNSAFE_SQL = "".join(char if char in "[-]" else f"\\u{ord(char):04x}" for char in _XML_UNSAFE.pattern)


def xml_text_sql(expression: str) -> str:
    """The SQL twin of xml_text: the text `expression` without the same characters, for documents Postgres
    builds (the JSON Feed's items). tests/publications/test_text_safety.py holds the two to one answer."""
    return f"regexp_replace({expression}, '{_XML_UNSAFE_SQL}', '', 'g')"


class PlainTextFields:
    """Model mixin: the declared plain-text fields go through clean_text on every save."""

    single_line_fields: tuple[str, ...] = ()
    multi_line_fields: tuple[str, ...] = ()

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.clean_plain_text()
        super().save(*args, **kwargs)  # type: ignore[misc]  # the model this is mixed into has save()

    def clean_plain_text(self) -> None:
        """Clean the declared fields now (a model's own save() may need them clean before it derives more)."""
        for names, single_line in ((self.single_line_fields, True), (self.multi_line_fields, False)):
            for name in names:
                setattr(self, name, clean_text(getattr(self, name), single_line=single_line))


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
