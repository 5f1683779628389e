"""Cross-post lines of imported pieces: "This article was published in another form at URL" and its kin.

Think tanks note a piece's life elsewhere in a line of the body or the excerpt. Such a line becomes a
CrossPost (publications) at the outlet of the URL's domain and leaves the text. A line without a URL
stays where it is: a cross-post needs its address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

from publications.models import CrossPost

Relation = CrossPost.Relation

# The phrasings, each with the relation it states. Searched in a paragraph's text, case-insensitively.
PHRASES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"\b(?:was\s+)?(?:published|appeared|ran)\s+in\s+(?:an)?other\s+form\b", re.IGNORECASE),
        Relation.ANOTHER_FORM,
    ),
    (
        re.compile(r"\boriginally\s+(?:published|appeared|posted|ran)\b", re.IGNORECASE),
        Relation.ORIGINAL_ELSEWHERE,
    ),
    (re.compile(r"\bfirst\s+(?:appeared|published|ran)\b", re.IGNORECASE), Relation.ORIGINAL_ELSEWHERE),
    (
        re.compile(
            r"\b(?:was\s+)?(?:also\s+)?republished\s+(?:from|with\s+permission\s+from)\b", re.IGNORECASE
        ),
        Relation.ORIGINAL_ELSEWHERE,
    ),
]
# A paragraph (or the editor's figure-free block) of an HTML body; its text is judged without tags.
_PARAGRAPH = re.compile(r"<p\b[^>]*>(.*?)</p>\s*", re.IGNORECASE | re.DOTALL)
_HREF = re.compile(r"""<a\b[^>]*\bhref\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
_BARE_URL = re.compile(r"https?://[^\s<>\"')\]]+[^\s<>\"')\].,;:!?]")
_TAG = re.compile(r"<[^>]+>")
# A sentence of plain text (an excerpt), ending at a full stop followed by space, or at a line end.
_SENTENCE = re.compile(r"[^\n]*?(?:\.(?=\s)|\n|$)")


@dataclass(frozen=True)
class FoundCrossPost:
    """A cross-post line: where the piece appeared and how it relates to ours."""

    url: str
    relation: str


def relation_of(text: str) -> str | None:
    """The relation a line of text states, or None when it is no cross-post line."""
    for pattern, relation in PHRASES:
        if pattern.search(text):
            return relation
    return None


def extract_from_html(body: str) -> tuple[str, list[FoundCrossPost]]:
    """The body without its cross-post paragraphs, and what they said."""
    found: list[FoundCrossPost] = []

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        text = unescape(_TAG.sub(" ", inner))
        relation = relation_of(text)
        url = _first_url(inner, text)
        if relation is None or url is None:
            return match.group(0)
        found.append(FoundCrossPost(url=url, relation=relation))
        return ""

    return _PARAGRAPH.sub(replace, body), found


def extract_from_text(text: str) -> tuple[str, list[FoundCrossPost]]:
    """Plain text (an excerpt) without its cross-post sentences, and what they said."""
    found: list[FoundCrossPost] = []
    kept = []
    for sentence in _SENTENCE.findall(text):
        relation = relation_of(sentence)
        url = _BARE_URL.search(sentence)
        if relation is not None and url is not None:
            found.append(FoundCrossPost(url=url.group(0), relation=relation))
        else:
            kept.append(sentence)
    return re.sub(r"[ \t]+\n", "\n", "".join(kept)).strip(), found


def _first_url(html: str, text: str) -> str | None:
    href = _HREF.search(html)
    if href and href.group(1).lower().startswith(("http://", "https://")):
        return unescape(href.group(1))
    bare = _BARE_URL.search(text)
    return bare.group(0) if bare else None
