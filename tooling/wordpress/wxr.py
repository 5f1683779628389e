"""A streaming reader of WordPress exports (WXR 1.0, 1.1 and 1.2, `http` or `https` export namespace).

The file is read with `iterparse` and every finished item is cleared and dropped from the tree, so a 200 MB
export is read in bounded memory; the XML declaration's encoding is honoured by expat. A malformed or
truncated file raises WxrError naming the line.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

# WXR's own namespace changed with each version (export/1.0/ ... export/1.2/) and exists with both schemes;
# elements are therefore named by a short prefix chosen from the URI, never by the URI itself.
_NAMESPACES = [
    (re.compile(r"^https?://wordpress\.org/export/1\.\d+/excerpt/$"), "excerpt"),
    (re.compile(r"^https?://wordpress\.org/export/1\.\d+/$"), "wp"),
    (re.compile(r"^https?://purl\.org/rss/1\.0/modules/content/$"), "content"),
    (re.compile(r"^https?://purl\.org/dc/elements/1\.1/$"), "dc"),
]


class WxrError(Exception):
    """The file is not a readable WordPress export; the message names the line."""


@dataclass(frozen=True)
class WxrTerm:
    """A term an item is filed under: `domain` is its taxonomy (category, post_tag, author...)."""

    domain: str
    nicename: str
    name: str


@dataclass
class WxrItem:
    """One `<item>`: a post, page, attachment or guest author (Co-Authors Plus), as exported."""

    wp_id: int
    post_type: str
    title: str = ""
    link: str = ""
    guid: str = ""
    creator: str = ""
    content: str = ""
    excerpt: str = ""
    slug: str = ""
    status: str = ""
    post_date: str = ""
    post_date_gmt: str = ""
    comment_status: str = ""
    is_sticky: bool = False
    password: str = ""
    parent: int = 0
    attachment_url: str = ""
    terms: list[WxrTerm] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WxrAuthor:
    """A WordPress user (`wp:author`): a name on posts, never a login here."""

    login: str
    email: str
    display_name: str
    first_name: str
    last_name: str


@dataclass(frozen=True)
class WxrCategory:
    """A category or tag of the site; `parent` is the parent category's nicename."""

    taxonomy: str  # "category" or "post_tag"
    nicename: str
    name: str
    parent: str
    description: str
    # WordPress's id of the term ("" where the export has none: a term only an item names).
    term_id: str = ""


@dataclass(frozen=True)
class WxrSite:
    """The export's header: its WXR version and the site's address."""

    version: str
    base_site_url: str
    base_blog_url: str
    link: str


WxrRecord = WxrSite | WxrAuthor | WxrCategory | WxrItem


# C0 control characters other than tab and newlines: XML 1.0 forbids them even in CDATA, yet WordPress exports
# them as stored (text pasted from Word carries \x0b and \x08), and expat refuses the whole file for one.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def read(path: Path | str) -> Iterator[WxrRecord]:
    """Every record of the export at `path`, in file order; the header comes before the first item."""
    with open(path, "rb") as source:
        yield from _records(_ExportBytes(source))


class _ExportBytes:
    """The export's bytes as expat can read them: without the blank lines a plugin or theme printed before
    the XML declaration (a PHP file with a newline before `<?php`), without control characters, and in a
    UTF-8 file with each byte that is not UTF-8 (a Windows-1252 quote a plugin wrote as it was) read as
    U+FFFD, as WordPress's own importer takes such a file rather than refusing it for one byte.

    All is done only for UTF-8 and single-byte encodings (what WordPress writes), where these bytes are
    never part of another character; a UTF-16 file is passed through as it is.
    """

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        head = source.read(4096)
        if head.startswith(b"\x1f\x8b"):
            raise WxrError("The file is gzip-compressed: decompress it (gunzip) and import the .xml file.")
        if head.startswith(b"PK\x03\x04"):
            raise WxrError("The file is a zip archive: unzip it and import the .xml file in it.")
        self.cleaned = b"\x00" not in head[:4] and not head.startswith((b"\xff\xfe", b"\xfe\xff"))
        self.head = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n") if self.cleaned else head
        declared = _DECLARED_ENCODING.match(self.head)
        self.utf8 = self.cleaned and (declared is None or declared.group(1).lower() in {b"utf-8", b"utf8"})
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def read(self, size: int = -1) -> bytes:
        while True:
            data, self.head = (self.head, b"") if self.head else (self.source.read(size), b"")
            if not self.cleaned:
                return data
            data = data.translate(None, _CONTROL_BYTES)
            if not self.utf8:
                return data
            text = self.decoder.decode(data, final=not data)
            # A chunk ending inside a character decodes to nothing yet; an empty answer would mean the end.
            if text or not data:
                return text.encode("utf-8")


def _records(source: _ExportBytes) -> Iterator[WxrRecord]:
    prefixes: dict[str, str] = {}
    channel: ET.Element | None = None
    site_sent = False
    header: dict[str, str] = {}
    depth = 0
    parser = ET.iterparse(source, events=("start", "end", "start-ns"))
    try:
        for event, payload in parser:
            if event == "start-ns":
                _prefix, uri = payload  # start-ns gives a (prefix, uri) pair
                prefixes[uri] = _short_prefix(uri)
                continue
            element: ET.Element = payload  # start and end give an element
            name = _name(element.tag, prefixes)
            if event == "start":
                depth += 1
                if name == "channel":
                    channel = element
                continue
            depth -= 1
            if channel is None or depth != 2:
                continue
            # A direct child of <channel> is complete here.
            if name in {"wp:wxr_version", "wp:base_site_url", "wp:base_blog_url", "link"}:
                header[name] = (element.text or "").strip()
            elif name in {"wp:author", "wp:category", "wp:tag", "item"}:
                if not site_sent:
                    site_sent = True
                    yield _site(header)
                if name == "wp:author":
                    yield _author(element, prefixes)
                elif name == "wp:category":
                    yield _category(element, prefixes)
                elif name == "wp:tag":
                    yield _tag(element, prefixes)
                else:
                    yield _item(element, prefixes)
            # Optimization: bounded memory; a finished child of the channel is never looked at again.
            channel.remove(element)
    except ET.ParseError as error:
        line, column = error.position
        raise WxrError(
            f"The export is not well-formed XML at line {line}, column {column}: {error.msg}."
        ) from error
    if channel is None:
        raise WxrError("The file is not a WordPress export: it has no RSS <channel>.")
    if not header.get("wp:wxr_version"):
        raise WxrError("The file is not a WordPress export: its channel has no <wp:wxr_version>.")
    if not site_sent:
        yield _site(header)


def _short_prefix(uri: str) -> str:
    for pattern, prefix in _NAMESPACES:
        if pattern.match(uri):
            return prefix
    return uri


def _name(tag: str, prefixes: dict[str, str]) -> str:
    if tag.startswith("{"):
        uri, local = tag[1:].split("}", 1)
        return f"{prefixes.get(uri) or _short_prefix(uri)}:{local}"
    return tag


def _children(element: ET.Element, prefixes: dict[str, str]) -> Iterator[tuple[str, ET.Element]]:
    for child in element:
        yield _name(child.tag, prefixes), child


def _text(element: ET.Element | None) -> str:
    return (element.text or "") if element is not None else ""


def _fields(element: ET.Element, prefixes: dict[str, str]) -> dict[str, str]:
    return {name: _text(child) for name, child in _children(element, prefixes)}


def _site(header: dict[str, str]) -> WxrSite:
    return WxrSite(
        version=header.get("wp:wxr_version", ""),
        base_site_url=header.get("wp:base_site_url", ""),
        base_blog_url=header.get("wp:base_blog_url", ""),
        link=header.get("link", ""),
    )


def _author(element: ET.Element, prefixes: dict[str, str]) -> WxrAuthor:
    values = _fields(element, prefixes)
    return WxrAuthor(
        login=values.get("wp:author_login", "").strip(),
        email=values.get("wp:author_email", "").strip(),
        display_name=values.get("wp:author_display_name", "").strip(),
        first_name=values.get("wp:author_first_name", "").strip(),
        last_name=values.get("wp:author_last_name", "").strip(),
    )


def _category(element: ET.Element, prefixes: dict[str, str]) -> WxrCategory:
    values = _fields(element, prefixes)
    return WxrCategory(
        taxonomy="category",
        nicename=values.get("wp:category_nicename", "").strip(),
        name=values.get("wp:cat_name", "").strip(),
        parent=values.get("wp:category_parent", "").strip(),
        description=values.get("wp:category_description", "").strip(),
        term_id=values.get("wp:term_id", "").strip(),
    )


def _tag(element: ET.Element, prefixes: dict[str, str]) -> WxrCategory:
    values = _fields(element, prefixes)
    return WxrCategory(
        taxonomy="post_tag",
        nicename=values.get("wp:tag_slug", "").strip(),
        name=values.get("wp:tag_name", "").strip(),
        parent="",
        description=values.get("wp:tag_description", "").strip(),
        term_id=values.get("wp:term_id", "").strip(),
    )


def _item(element: ET.Element, prefixes: dict[str, str]) -> WxrItem:
    values: dict[str, str] = {}
    terms: list[WxrTerm] = []
    meta: dict[str, str] = {}
    for name, child in _children(element, prefixes):
        if name == "category":
            terms.append(
                WxrTerm(
                    domain=child.get("domain", "category"),
                    nicename=child.get("nicename", "").strip(),
                    name=_text(child).strip(),
                )
            )
        elif name == "wp:postmeta":
            pair = _fields(child, prefixes)
            meta[pair.get("wp:meta_key", "")] = pair.get("wp:meta_value", "")
        elif name != "wp:comment":
            values[name] = _text(child)
    wp_id = values.get("wp:post_id", "").strip()
    if not wp_id.isdigit():
        title = values.get("title", "").strip()
        raise WxrError(f"The item “{title}” has no numeric <wp:post_id>.")
    return WxrItem(
        wp_id=int(wp_id),
        post_type=values.get("wp:post_type", "post").strip(),
        title=values.get("title", "").strip(),
        link=values.get("link", "").strip(),
        guid=values.get("guid", "").strip(),
        creator=values.get("dc:creator", "").strip(),
        content=values.get("content:encoded", ""),
        excerpt=values.get("excerpt:encoded", ""),
        slug=values.get("wp:post_name", "").strip(),
        status=values.get("wp:status", "").strip(),
        post_date=values.get("wp:post_date", "").strip(),
        post_date_gmt=values.get("wp:post_date_gmt", "").strip(),
        comment_status=values.get("wp:comment_status", "").strip(),
        is_sticky=values.get("wp:is_sticky", "0").strip() == "1",
        password=values.get("wp:post_password", "").strip(),
        parent=int(values.get("wp:post_parent", "0").strip() or 0),
        attachment_url=values.get("wp:attachment_url", "").strip(),
        terms=terms,
        meta=meta,
    )
