"""WordPress shortcodes kept out of an imported body.

WordPress expands only the shortcodes a plugin registered, and an export does not say which those were.
A bracketed word is therefore taken for a shortcode when it cannot be prose: it has attributes
(`[contact-form-7 id="4"]`), a closing tag (`[vc_row]...[/vc_row]`), or is one of WordPress's own
(`[gallery]`). Prose such as "[sic]" or a note marker "[1]" stays. `[caption]` becomes the figure the
editor makes (image and caption), `[embed]URL[/embed]` a link; an enclosing shortcode leaves its content,
any other is removed. `[[name]]`, WordPress's escape, is the literal text `[name]`.
"""

from __future__ import annotations

import re
from html import escape

# WordPress core's shortcodes (wp-includes/media.php, class-wp-embed.php).
_CORE = {"caption", "wp_caption", "gallery", "playlist", "audio", "video", "embed"}

# get_shortcode_regex() for any name: [[escape], name, attributes, self-closing /, content, closing.
_SHORTCODE = re.compile(
    r"\[(\[?)([A-Za-z][\w-]*)(?![\w-])([^\]/]*(?:/(?!\])[^\]/]*)*?)"
    r"(?:(/)\]|\](?:((?:[^\[]|\[(?!/\2\]))*?)\[/\2\])?)(\]?)",
    re.DOTALL,
)
_ATTRIBUTE = re.compile(r'([\w-]+)\s*=\s*"([^"]*)"|([\w-]+)\s*=\s*\'([^\']*)\'')
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_LINKED_IMG = re.compile(r"(?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?", re.IGNORECASE)


def expand(text: str, removed: set[str] | None = None) -> str:
    """`text` with its shortcodes replaced as the module says; the names removed are added to `removed`."""

    def replace(match: re.Match[str]) -> str:
        opening, name, attributes, _closing_slash, content, closing = match.groups()
        if opening == "[" and closing == "]":
            return match.group(0)[1:-1]
        has_end = content is not None
        if not (attributes.strip() or has_end or name.lower() in _CORE):
            return match.group(0)
        name = name.lower()
        if name in {"caption", "wp_caption"}:
            return _figure(content or "", attributes)
        if name == "embed" and content:
            url = content.strip()
            return f'<p><a href="{escape(url)}">{escape(url)}</a></p>'
        if removed is not None:
            removed.add(name)
        return expand(content, removed) if content else ""

    return _SHORTCODE.sub(replace, text)


def _figure(content: str, attributes: str) -> str:
    """A `[caption]` as the editor's figure: the image, then its caption (from the content or attribute)."""
    image = _LINKED_IMG.search(content)
    img = _IMG.search(image.group(0)) if image else None
    caption = content[image.end() :].strip() if image else content.strip()
    if not caption:
        caption = next(
            (value for key, value in _attributes(attributes).items() if key == "caption"),
            "",
        )
    if img is None:
        return caption
    figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f"<figure>{img.group(0)}{figcaption}</figure>"


def _attributes(text: str) -> dict[str, str]:
    return {
        (match.group(1) or match.group(3)).lower(): match.group(2) or match.group(4) or ""
        for match in _ATTRIBUTE.finditer(text)
    }
