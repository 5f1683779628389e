"""The rules the W3C Feed Validation Service checks, on our RSS and Atom, and JSON Feed 1.1's schema.

Parsed with ElementTree (the XML must be well-formed) and feedparser (no bozo flag); dates, ids, required
elements and escaping are checked on the parsed documents.
"""

import json
import re
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime

import feedparser
import jsonschema
import pytest

from tests.factories import AuthorFactory, PublicationFactory, TopicFactory
from tests.shared_schemas import SHARED_SCHEMAS

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
RFC_822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
    r"\d{2}:\d{2}:\d{2} [+-]\d{4}$"
)
RFC_3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$")
HOSTILE = "R&D <script>alert(1)</script> & ]]> \x0bvertical\x1f"
HOSTILE_SHOWN = "R&D <script>alert(1)</script> & ]]> vertical"
JSONFEED_SCHEMA = json.loads((SHARED_SCHEMAS / "jsonfeed/schema-v1.1.json").read_text())


@pytest.fixture
def pieces():
    """A co-authored piece with a hostile title and control characters, and one with no byline at all."""
    first, second = AuthorFactory(name="Ayesha & <Co>"), AuthorFactory(name="Bilal")
    hostile = PublicationFactory(
        published=True,
        title=HOSTILE,
        summary="A <b> & c\x0c",
        authors=[first, second],
        topics=[TopicFactory()],
    )
    anonymous = PublicationFactory(published=True, authors=[])
    return hostile, anonymous


def fetch(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert not feedparser.parse(response.content).bozo
    return ET.fromstring(response.content)


def test_rss_follows_the_validators_rules(client, pieces):
    hostile, anonymous = pieces
    channel = fetch(client, "/feeds/rss/").find("channel")

    for name in ("title", "link", "description", "language", "lastBuildDate"):
        assert channel.findtext(name), name
    assert RFC_822.match(channel.findtext("lastBuildDate"))
    (self_link,) = channel.findall(f"{ATOM}link")
    assert (self_link.get("rel"), self_link.get("href")) == ("self", "http://testserver/feeds/rss/")
    items = {item.findtext("guid"): item for item in channel.findall("item")}
    assert set(items) == {f"urn:uuid:{hostile.uuid}", f"urn:uuid:{anonymous.uuid}"}
    for guid, item in items.items():
        assert item.find("guid").get("isPermaLink") == "false"
        assert URI.match(guid)
        assert item.findtext("title") and item.findtext("link") and item.findtext("description") is not None
        assert RFC_822.match(item.findtext("pubDate"))
        assert parsedate_to_datetime(item.findtext("pubDate")).utcoffset() is not None
    item = items[f"urn:uuid:{hostile.uuid}"]
    assert item.findtext("title") == HOSTILE_SHOWN
    assert [creator.text for creator in item.findall(f"{DC}creator")] == ["Ayesha & <Co>", "Bilal"]
    assert items[f"urn:uuid:{anonymous.uuid}"].findall(f"{DC}creator") == []


def test_atom_follows_the_validators_rules(client, pieces):
    hostile, anonymous = pieces
    feed = fetch(client, "/feeds/atom/")

    assert URI.match(feed.findtext(f"{ATOM}id"))
    assert feed.findtext(f"{ATOM}title")
    assert RFC_3339.match(feed.findtext(f"{ATOM}updated"))
    assert feed.find(f"{ATOM}author").findtext(f"{ATOM}name") == "Center for International Strategic Studies"
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links["self"] == "http://testserver/feeds/atom/"
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    entries = {entry.findtext(f"{ATOM}id"): entry for entry in feed.findall(f"{ATOM}entry")}
    assert set(entries) == {f"urn:uuid:{hostile.uuid}", f"urn:uuid:{anonymous.uuid}"}
    for entry_id, entry in entries.items():
        assert URI.match(entry_id)
        assert entry.findtext(f"{ATOM}title")
        assert RFC_3339.match(entry.findtext(f"{ATOM}updated"))
        assert RFC_3339.match(entry.findtext(f"{ATOM}published"))
        assert entry.find(f"{ATOM}link[@rel='alternate']") is not None
    entry = entries[f"urn:uuid:{hostile.uuid}"]
    assert entry.findtext(f"{ATOM}title") == HOSTILE_SHOWN
    assert [a.findtext(f"{ATOM}name") for a in entry.findall(f"{ATOM}author")] == ["Ayesha & <Co>", "Bilal"]
    # The byline-less entry relies on the feed's author, as RFC 4287 allows.
    assert entries[f"urn:uuid:{anonymous.uuid}"].findall(f"{ATOM}author") == []


def test_json_feed_validates_with_an_entry_without_byline_and_hostile_text(client, pieces, settings):
    hostile, anonymous = pieces
    response = client.get("/feeds/json/")
    document = response.json()

    jsonschema.validate(document, JSONFEED_SCHEMA)
    assert document["authors"] == [
        {"name": "Center for International Strategic Studies", "url": settings.SITE_URL}
    ]
    items = {item["id"]: item for item in document["items"]}
    assert items[f"urn:uuid:{hostile.uuid}"]["title"] == HOSTILE_SHOWN
    assert "authors" not in items[f"urn:uuid:{anonymous.uuid}"]


def test_an_entry_in_another_language_says_so_in_every_format(client):
    urdu = PublicationFactory(published=True, language="ur")
    english = PublicationFactory(published=True, language="en")

    rss = {i.findtext("guid"): i for i in fetch(client, "/feeds/rss/").find("channel").findall("item")}
    atom = {e.findtext(f"{ATOM}id"): e for e in fetch(client, "/feeds/atom/").findall(f"{ATOM}entry")}
    json_items = {i["id"]: i for i in client.get("/feeds/json/").json()["items"]}

    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    assert rss[f"urn:uuid:{urdu.uuid}"].findtext(f"{DC}language") == "ur"
    assert rss[f"urn:uuid:{english.uuid}"].find(f"{DC}language") is None
    assert atom[f"urn:uuid:{urdu.uuid}"].get(lang) == "ur"
    assert atom[f"urn:uuid:{english.uuid}"].get(lang) is None
    assert (
        json_items[f"urn:uuid:{urdu.uuid}"]["language"],
        json_items[f"urn:uuid:{english.uuid}"]["language"],
    ) == (
        "ur",
        "en",
    )
