"""Feed formats for publications: Django's RSS and Atom taught every author, and JSON Feed 1.1.

RSS and Atom items carry, beside Django's standard keys, these extra keys (from
`BasePublicationFeed.item_extra_kwargs`): `authors` (list of {"name", "url"} in byline order), `content_html`
(the body, only when the full text was asked for), `canonical` ({"url", "name"} of the canonical cross-post,
or None) and `language`. Atom links the canonical cross-post as `rel="via"`. JSON Feed's items are written by
Postgres (JsonFeed).
The feed carries `last_change`: when the public catalogue last changed.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed

from cissapi.text import xml_text

DC_NS = "http://purl.org/dc/elements/1.1/"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"


def _xml_safe(value: Any) -> Any:
    """`value` through cissapi.text.xml_text in every string of it (dicts and lists included).

    XML 1.0 cannot carry some characters at all (not even escaped) and Django refuses to write them, which
    would turn one stray character in a title into a 500 for the whole feed; bidi overrides would reverse
    what a reader shows. Text saved through the models is already clean; this holds for anything else.
    """
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, dict):
        return {key: _xml_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_xml_safe(item) for item in value]
    return value


if TYPE_CHECKING:
    # What the mixin is mixed into, for the type checker only.
    _FeedBase = SyndicationFeed
else:
    _FeedBase = object


class CatalogueDatesMixin(_FeedBase):
    """The feed's date (Last-Modified, lastBuildDate, Atom updated) also moves when an item leaves it.

    Also keeps every text of the feed and its items writable as XML (see _xml_safe).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*(_xml_safe(arg) for arg in args), **_xml_safe(kwargs))

    def add_item(self, *args: Any, **kwargs: Any) -> None:
        super().add_item(*(_xml_safe(arg) for arg in args), **_xml_safe(kwargs))

    def latest_post_date(self) -> dt.datetime:
        dates = [d for item in self.items for d in (item["updateddate"], item["pubdate"]) if d]
        if self.feed.get("last_change"):
            dates.append(self.feed["last_change"])
        return max(dates) if dates else super().latest_post_date()


class PublicationRssFeed(CatalogueDatesMixin, Rss201rev2Feed):
    """RSS 2.0 with one `dc:creator` per author (RSS's own `author` wants an e-mail, which stays private)."""

    def rss_attributes(self) -> dict[str, str]:
        return {**super().rss_attributes(), "xmlns:dc": DC_NS, "xmlns:content": CONTENT_NS}

    def add_item_elements(self, handler, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        for author in item["authors"]:
            handler.addQuickElement("dc:creator", author["name"])
        if item["language"] != self.feed["language"]:
            # RSS has no language per item; Dublin Core's says which items are not in the channel's.
            handler.addQuickElement("dc:language", item["language"])
        if item["content_html"] is not None:
            handler.addQuickElement("content:encoded", item["content_html"])
        if item["canonical"] is not None:
            # RSS's way to credit where an item first appeared.
            handler.addQuickElement("source", item["canonical"]["name"], {"url": item["canonical"]["url"]})


class PublicationAtomFeed(CatalogueDatesMixin, Atom1Feed):
    """Atom 1.0 with one `author` per author, the full text as `content` and the canonical source linked."""

    def item_attributes(self, item: dict[str, Any]) -> dict[str, str]:
        # An entry in another language than the feed's (an Urdu piece) says so, as xml:lang is inherited.
        if item["language"] != self.feed["language"]:
            return {**super().item_attributes(item), "xml:lang": item["language"]}
        return super().item_attributes(item)

    def add_item_elements(self, handler, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        for author in item["authors"]:
            handler.startElement("author", {})
            handler.addQuickElement("name", author["name"])
            handler.addQuickElement("uri", author["url"])
            handler.endElement("author")
        if item["content_html"] is not None:
            handler.addQuickElement("content", item["content_html"], {"type": "html"})
        if item["canonical"] is not None:
            # Where the piece first appeared: RFC 4287's `via` ("the source of the information"). `canonical`
            # is no Atom link relation, and the W3C validator warns about it.
            handler.addQuickElement(
                "link",
                "",
                {"rel": "via", "href": item["canonical"]["url"], "title": item["canonical"]["name"]},
            )


class JsonFeed:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1): the document around items Postgres writes.

    Optimization (issue 16): Django's feed machinery built each item in Python; the items are SQL's now
    (PublicationQuerySet.as_feed_items, their one producer), and this writes the feed's own keys around
    them, as json.dumps() wrote the whole document before.
    """

    content_type = "application/feed+json; charset=utf-8"
    version = "https://jsonfeed.org/version/1.1"

    @classmethod
    def document(cls, feed: dict[str, Any], items: list[str]) -> str:
        """The feed: its keys (`feed`, None values left out, every text through xml_text) and `items`, each
        the JSON text of one item."""
        head = {"version": cls.version, **_xml_safe(feed), "items": []}
        written = json.dumps({k: v for k, v in head.items() if v is not None}, ensure_ascii=False)
        # json.dumps() ends the document with `"items": []}`: the items go between the brackets.
        return f"{written[:-2]}{', '.join(items)}]}}"
