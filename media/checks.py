"""What must be true of a piece's images before it goes live: every image it shows has alt text."""

from __future__ import annotations

import re
from typing import Any

from cissapi.text import html_to_text

# <img> tags of a sanitized body, and whether one carries a non-empty alt (the sanitizer quotes attributes).
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ALT = re.compile(r'\balt="([^"]*)"', re.IGNORECASE)
_SRC = re.compile(r'\bsrc="([^"]*)"', re.IGNORECASE)


def publication_image_problems(publication: Any) -> list[str]:
    """Why the piece's images keep it from going live: its lead image or a body image without alt text.

    Takes any object with `lead_image` (a media Image or None) and `body` (sanitized HTML), so the
    publications app (above this one) can pass a Publication or the values of a form.
    """
    problems = []
    lead = publication.lead_image
    if lead is not None and not lead.alt.strip():
        problems.append(f"The lead image ({lead.file.name}) has no alt text: add it in the media library.")
    for tag in _IMG.findall(publication.body or ""):
        alt = _ALT.search(tag)
        if alt is None or not html_to_text(alt.group(1)):
            src = _SRC.search(tag)
            problems.append(
                f"An image in the body ({src.group(1) if src else 'no address'}) has no alt text."
            )
    return problems
