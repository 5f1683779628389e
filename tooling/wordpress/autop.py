"""WordPress's `wpautop()` in Python: blank lines become paragraphs and single newlines `<br />`.

A port of wp-includes/formatting.php (WordPress 6.x) without its <option>, <object> and <source> special
cases (the sanitizer removes those elements anyway). Classic-editor posts are stored without paragraphs and
WordPress adds them on display, so an import must add them as WordPress would; block-editor posts
(`<!-- wp:... -->` comments) are stored with their paragraphs, and WordPress does not run it on them.
"""

from __future__ import annotations

import re

_ALL_BLOCKS = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|area|"
    r"blockquote|address|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|hgroup|header|footer|nav|"
    r"figure|figcaption|details|menu|summary)"
)
_NEWLINE_MARK = " <!-- wpnl --> "
# A tag or a comment: wp_replace_in_html_tags() keeps newlines inside them out of the paragraph logic.
_TAG_OR_COMMENT = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)


def is_block_content(content: str) -> bool:
    """Whether the post was written in the block editor (stored with its paragraphs)."""
    return "<!-- wp:" in content


def wpautop(text: str, *, br: bool = True) -> str:
    """Paragraphs and line breaks for `text`, as WordPress displays a classic post."""
    if not text.strip():
        return ""
    text += "\n"
    pre_tags: dict[str, str] = {}
    if "<pre" in text:
        text, pre_tags = _hide_pre(text)
    text = re.sub(r"(<" + _ALL_BLOCKS + r"[\s/>])", r"\n\n\1", text)
    text = re.sub(r"(</" + _ALL_BLOCKS + r">)", r"\1\n\n", text)
    text = re.sub(r"(<hr\s*?/?>)", r"\1\n\n", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _TAG_OR_COMMENT.sub(lambda match: match.group(0).replace("\n", _NEWLINE_MARK), text)
    if "<figcaption" in text:
        text = re.sub(r"\s*(<figcaption[^>]*>)", r"\1", text)
        text = re.sub(r"</figcaption>\s*", "</figcaption>", text)
    text = re.sub(r"\n\n+", "\n\n", text)
    paragraphs = [part for part in re.split(r"\n\s*\n", text) if part]
    text = "".join(f"<p>{paragraph.strip(chr(10))}</p>\n" for paragraph in paragraphs)
    text = re.sub(r"<p>\s*</p>", "", text)
    text = re.sub(r"<p>([^<]+)</(div|address|form)>", r"<p>\1</p></\2>", text)
    text = re.sub(r"<p>\s*(</?" + _ALL_BLOCKS + r"[^>]*>)\s*</p>", r"\1", text)
    text = re.sub(r"<p>(<li.+?)</p>", r"\1", text)
    text = re.sub(r"<p><blockquote([^>]*)>", r"<blockquote\1><p>", text, flags=re.IGNORECASE)
    text = text.replace("</blockquote></p>", "</p></blockquote>")
    text = re.sub(r"<p>\s*(</?" + _ALL_BLOCKS + r"[^>]*>)", r"\1", text)
    text = re.sub(r"(</?" + _ALL_BLOCKS + r"[^>]*>)\s*</p>", r"\1", text)
    if br:
        text = re.sub(
            r"<(script|style|svg|math).*?</\1>",
            lambda match: match.group(0).replace("\n", "<WPPreserveNewline />"),
            text,
            flags=re.DOTALL,
        )
        text = text.replace("<br>", "<br />").replace("<br/>", "<br />")
        text = re.sub(r"(?<!<br />)\s*\n", "<br />\n", text)
        text = text.replace("<WPPreserveNewline />", "\n")
    text = re.sub(r"(</?" + _ALL_BLOCKS + r"[^>]*>)\s*<br />", r"\1", text)
    text = re.sub(r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)", r"\1", text)
    text = re.sub(r"\n</p>$", "</p>", text)
    for placeholder, pre in pre_tags.items():
        text = text.replace(placeholder, pre)
    return text.replace(_NEWLINE_MARK, "\n").replace("<!-- wpnl -->", "\n")


def _hide_pre(text: str) -> tuple[str, dict[str, str]]:
    """<pre> blocks swapped for placeholders, so their newlines stay newlines."""
    parts = text.split("</pre>")
    last = parts.pop()
    kept: dict[str, str] = {}
    out = []
    for index, part in enumerate(parts):
        start = part.find("<pre")
        if start == -1:
            out.append(part)
            continue
        placeholder = f"<pre wp-pre-tag-{index}></pre>"
        kept[placeholder] = part[start:] + "</pre>"
        out.append(part[:start] + placeholder)
    return "".join(out) + last, kept
