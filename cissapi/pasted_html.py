"""HTML pasted from Word or Google Docs, turned into the plain semantic markup the sanitizer keeps.

Office HTML carries its meaning in presentation: Google Docs says bold as `<span style="font-weight:700">`
inside a `<b style="font-weight:normal">` wrapper, Word says a list as paragraphs styled `mso-list` behind
a marker in a conditional comment. The sanitizer drops spans, styles and comments, so run alone it would
lose the bold and turn a list into paragraphs that start with "·". This pre-pass states that meaning in
tags (<strong>, <em>, <sup>, <sub>, <ul>/<ol>) first; the sanitizer then removes everything else.
The editor (ProseMirror) cleans a paste in the browser already; this covers HTML that reaches the server
by any other way (an importer, a browser without scripts, a hand-edited form).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

# Style declarations that carry meaning, and the tag that says it. Not Word's `mso-bidi-font-weight`,
# which styles right-to-left text only.
_BOLD = re.compile(r"(?<![\w-])font-weight\s*:\s*(bold|bolder|[6-9]00)\b")
_NOT_BOLD = re.compile(r"(?<![\w-])font-weight\s*:\s*(normal|lighter|[1-5]00)\b")
_ITALIC = re.compile(r"(?<![\w-])font-style\s*:\s*(italic|oblique)\b")
_NOT_ITALIC = re.compile(r"(?<![\w-])font-style\s*:\s*normal\b")
_SUPERSCRIPT = re.compile(r"(?<![\w-])vertical-align\s*:\s*super\b")
_SUBSCRIPT = re.compile(r"(?<![\w-])vertical-align\s*:\s*sub\b")
# Word's list paragraphs: `mso-list:l0 level2 lfo1`; and the span around the bullet it typed for them.
_WORD_LIST = re.compile(r"mso-list\s*:\s*l\d+\s+level(\d+)")
_WORD_LIST_MARKER = re.compile(r"mso-list\s*:\s*ignore")
# "1." "a)" "(iv)": the marker of a numbered list; anything else (·, o, §, -) is a bullet.
_NUMBERED_MARKER = re.compile(r"^\(?([0-9]+|[a-z]|[ivxlcdm]+)[.)]", re.IGNORECASE)
# The inline tags whose meaning may live in a style, or that may wrap nothing worth keeping.
_INLINE = {"a", "b", "strong", "i", "em", "span", "font", "sup", "sub"}
_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote", "hr", "figure"}

_EMPTY_PARAGRAPH = re.compile(r"<p>(?:\s|&nbsp;|\xa0|<br>)*</p>")
_STRAY_BREAK = re.compile(r"(?:^|(?<=</p>)|(?<=</ul>)|(?<=</ol>)|(?<=</table>)|(?<=</h\d>))\s*<br>|<br>\s*$")


def normalize_pasted_html(value: str) -> str:
    """Restate bold, italic, super/subscript and Word's lists that office HTML puts in styles as tags."""
    parser = _PastedHTML()
    parser.feed(value)
    parser.close()
    return parser.result()


def tidy_sanitized_html(value: str) -> str:
    """Drop what a paste leaves once sanitized: empty paragraphs and line breaks between blocks."""
    return _STRAY_BREAK.sub("", _EMPTY_PARAGRAPH.sub("", value)).strip()


class _PastedHTML(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        # One entry per open inline tag: (tag, the closing tags to write when it ends).
        self.inline: list[tuple[str, list[str]]] = []
        # Word lists: the kind ("ul"/"ol") of each open level; an item waiting for its marker; the marker.
        self.lists: list[str] = []
        self.item_level = 0
        self.item_pending = False
        self.marker: list[str] | None = None
        self.marker_depth = 0
        self.in_list_paragraph = False

    def result(self) -> str:
        self._close_lists(0)
        return "".join(self.out)

    # --- Tags -------------------------------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        style = (dict(attrs).get("style") or "").lower()
        if self.marker is not None:
            self.marker_depth += 1
            return
        if tag == "p" and (level := _WORD_LIST.search(style)):
            self._close_lists(int(level.group(1)), keep_level=True)
            self.item_level = int(level.group(1))
            self.item_pending = True
            self.in_list_paragraph = True
            return
        if tag == "span" and _WORD_LIST_MARKER.search(style):
            # The marker Word typed for a list item, when it is not inside a conditional comment.
            self.marker = []
            self.marker_depth = 1
            return
        if tag in _BLOCKS:
            self._close_lists(0)
        self._start_pending_item()
        if tag in _INLINE:
            self._open_inline(tag, dict(attrs), style)
            return
        if tag == "h1":
            # Word's "Heading 1" is a document's top section; on the site h1 is the page's title.
            self.out.append("<h2>")
            return
        self.out.append(self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.marker is None:
            self._start_pending_item()
            self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if self.marker is not None:
            self.marker_depth -= 1
            if self.marker_depth <= 0:
                self._end_marker()
            return
        if tag in _INLINE:
            self._close_inline(tag)
            return
        if tag == "p" and self.in_list_paragraph:
            self._start_pending_item()
            self.in_list_paragraph = False
            self.out.append("</p>")
            return
        self.out.append("</h2>" if tag == "h1" else f"</{tag}>")

    def _open_inline(self, tag: str, attrs: dict[str, str | None], style: str) -> None:
        if tag == "a":
            # Word's bookmarks (`<a name="_Toc1">`) are anchors without an address: not links.
            kept = [self.get_starttag_text() or ""] if attrs.get("href") else []
            self.inline.append((tag, ["</a>"] if kept else []))
            self.out.extend(kept)
            return
        wraps = []
        bold = _BOLD.search(style) or (tag in {"b", "strong"} and not _NOT_BOLD.search(style))
        italic = _ITALIC.search(style) or (tag in {"i", "em"} and not _NOT_ITALIC.search(style))
        if bold:
            wraps.append("strong")
        if italic:
            wraps.append("em")
        if _SUPERSCRIPT.search(style) or tag == "sup":
            wraps.append("sup")
        elif _SUBSCRIPT.search(style) or tag == "sub":
            wraps.append("sub")
        self.out.extend(f"<{name}>" for name in wraps)
        self.inline.append((tag, [f"</{name}>" for name in reversed(wraps)]))

    def _close_inline(self, tag: str) -> None:
        if not any(open_tag == tag for open_tag, _ in self.inline):
            return
        while self.inline:
            open_tag, closers = self.inline.pop()
            self.out.extend(closers)
            if open_tag == tag:
                return

    # --- Text, comments and Word's conditional sections ------------------------------------------------
    def handle_data(self, data: str) -> None:
        if self.marker is not None:
            self.marker.append(data)
            return
        if self.item_pending and not data.strip():
            return
        self._start_pending_item()
        self.out.append(html.escape(data, quote=False))

    def handle_comment(self, data: str) -> None:
        # Word writes the list marker between `<!--[if !supportLists]-->` and `<!--[endif]-->` (or the
        # `<![if ...]>` forms below); every other comment (`<!--[if gte mso 9]><xml>...`) is dropped.
        self._conditional(data.strip())

    def unknown_decl(self, data: str) -> None:
        self._conditional(data.strip())

    def _conditional(self, condition: str) -> None:
        condition = condition.lstrip("[").lower()
        if condition.startswith("if !supportlists"):
            self.marker = []
            self.marker_depth = 0
        elif condition.startswith("endif") and self.marker is not None:
            self._end_marker()

    def handle_decl(self, decl: str) -> None:
        """Doctypes are dropped."""

    def handle_pi(self, data: str) -> None:
        """Word's `<?xml:namespace ...>` is dropped."""

    # --- Word lists ---------------------------------------------------------------------------------------
    def _end_marker(self) -> None:
        marker = "".join(self.marker or []).replace("\xa0", " ").strip()
        self.marker = None
        self.marker_depth = 0
        if self.item_pending:
            self._start_list_item("ol" if _NUMBERED_MARKER.match(marker) else "ul")

    def _start_pending_item(self) -> None:
        # A list paragraph whose marker Word did not write: a bullet.
        if self.item_pending:
            self._start_list_item("ul")

    def _start_list_item(self, kind: str) -> None:
        self.item_pending = False
        if len(self.lists) == self.item_level and self.lists[-1] != kind:
            self._close_lists(self.item_level - 1, keep_level=True)
        if len(self.lists) == self.item_level:
            self.out.append("</li><li>")
        while len(self.lists) < self.item_level:
            self.lists.append(kind)
            self.out.append(f"<{kind}><li>")
        self.out.append("<p>")

    def _close_lists(self, level: int, *, keep_level: bool = False) -> None:
        """Close the open Word lists deeper than `level` (all of them for 0)."""
        while len(self.lists) > level:
            self.out.append(f"</li></{self.lists.pop()}>")
        if not keep_level:
            self.item_level = 0
