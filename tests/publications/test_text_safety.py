"""Control characters, noncharacters and bidi overrides: cleaned from plain-text fields on save, and kept
out of every XML output whatever the database holds (feeds and sitemaps are parsed with a real parser)."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from authors.models import Author
from cissapi.text import clean_text, xml_text, xml_text_sql
from publications.models import Outlet, Publication, PublicationChange, Topic
from tests.factories import (
    AuthorFactory,
    CrossPostFactory,
    ImageFactory,
    OutletFactory,
    PositionFactory,
    PublicationFactory,
    SeriesFactory,
    TopicFactory,
    WorkFactory,
)

pytestmark = pytest.mark.django_db

JUNK = "\x01\x08\x1f\x7f\ufffe\uffff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Allowed through: letters of any script, the bidi marks mixed-script text needs, no-break spaces.
KEPT = "Défense \u0627\u0631\u062f\u0648 \u200fRLM\u200e\xa0ok"


def test_single_line_text_loses_junk_and_line_breaks_become_spaces():
    assert clean_text(f" Gwadar{JUNK}\x0bport\t\r\nnews{JUNK} ", single_line=True) == "Gwadar port news"
    assert clean_text(KEPT, single_line=True) == KEPT


def test_multi_line_text_keeps_its_lines_and_tabs():
    assert clean_text(f"One\x0btwo\r\nthree\rfour\u2028five\tsix{JUNK}", single_line=False) == (
        "One\ntwo\nthree\nfour\nfive\tsix"
    )


def test_xml_text_removes_what_xml_cannot_carry_and_bidi_controls():
    assert xml_text(f"a{JUNK}\x0b\x0c\x00b\tc\nd") == "ab\tc\nd"
    assert xml_text(KEPT) == KEPT


def test_xml_text_and_its_sql_twin_remove_the_same_characters():
    # Every character Postgres can hold in text: all but NUL and the surrogates.
    every = "".join(chr(code) for code in range(1, 0x110000) if not 0xD800 <= code <= 0xDFFF)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {xml_text_sql('%s')}", [every])
        (in_sql,) = cursor.fetchone()

    assert in_sql == xml_text(every)
    assert len(in_sql) < len(every)


def test_publication_plain_text_fields_are_cleaned_on_save():
    piece = PublicationFactory(
        title=f"Space\x0bdiplomacy{JUNK}",
        subtitle=f"\u202eevil{JUNK}",
        summary="First line\x0bsecond\x01 line",
    )
    piece.refresh_from_db()

    assert (piece.title, piece.subtitle, piece.summary) == (
        "Space diplomacy",
        "evil",
        "First line\nsecond line",
    )
    image = ImageFactory(caption="Caption\nwith a break", credit=f"Credit{JUNK}", alt=f"Alt\ttext{JUNK}")
    image.refresh_from_db()
    assert (image.caption, image.credit, image.alt) == ("Caption with a break", "Credit", "Alt text")


@pytest.mark.parametrize(
    ("action", "ready"),
    [
        ("send_back", {"status": "in_review"}),
        ("withdraw", {"published": True}),
        ("correct", {"published": True}),
    ],
)
def test_workflow_comments_notices_and_corrections_are_cleaned_on_save_not_a_500(
    editor_client, action, ready
):
    # Typed into the workflow panel's text box: a NUL (which Postgres text cannot hold) and bidi overrides.
    piece = PublicationFactory(ready=True, **ready)
    workflow = reverse("admin:publications_publication_workflow", args=[piece.pk])

    response = editor_client.post(
        workflow, {"action": action, "comment": f"Fix the\x00 date{JUNK}\x0bplease"}
    )

    assert response.status_code == 302
    piece.refresh_from_db()
    said = {
        "send_back": lambda: piece.transitions.get().comment,
        "withdraw": lambda: piece.withdrawal_notice,
        "correct": lambda: piece.corrections.get().text,
    }[action]()
    assert said == "Fix the date\nplease"
    if action == "withdraw":
        assert piece.transitions.get().comment == said
        assert PublicationChange.objects.get(kind="withdrawn").notice == said


def test_names_and_descriptions_of_authors_topics_series_and_outlets_are_cleaned_on_save():
    author = AuthorFactory(name=f"Amna\x0bKhan{JUNK}", honorific=f"Dr{JUNK}", short_bio=f"Bio\x0bline{JUNK}")
    topic = TopicFactory(name="Nuclear\u202e policy", description=f"About\x0bit{JUNK}")
    series = SeriesFactory(name="CISS\x01 Insight", description=f"Journal{JUNK}")
    outlet = OutletFactory(name=f"Strafasia{JUNK}")
    position = PositionFactory(author=author, title=f"Director\x0bResearch{JUNK}", organization=f"CISS{JUNK}")
    work = WorkFactory(author=author, title=f"A\x0bbook{JUNK}", publisher=f"Press{JUNK}")

    author.refresh_from_db()
    assert (author.name, author.honorific, author.short_bio) == ("Amna Khan", "Dr", "Bio\nline")
    assert author.search_name == "amna khan"
    assert [(o.name, o.description) for o in (topic, series)] == [
        ("Nuclear policy", "About\nit"),
        ("CISS Insight", "Journal"),
    ]
    assert outlet.name == "Strafasia"
    assert (position.title, position.organization, work.title, work.publisher) == (
        "Director Research",
        "CISS",
        "A book",
        "Press",
    )


@pytest.fixture
def junk_in_the_database():
    """A live piece whose public text was written around save() (an .update(), as an import could)."""
    author = AuthorFactory(slug="amna")
    topic = TopicFactory(slug="nuclear")
    outlet = OutletFactory()
    piece = PublicationFactory(
        published=True,
        published_at=timezone.now() - dt.timedelta(hours=1),
        slug="piece",
        authors=[author],
        topics=[topic],
    )
    CrossPostFactory(publication=piece, outlet=outlet, is_canonical=True)
    Publication.objects.filter(pk=piece.pk).update(
        title=f"Title\x01with\x0bjunk\u202e{JUNK}",
        summary=f"Summary\x0b{JUNK}",
    )
    Author.objects.filter(pk=author.pk).update(name=f"Amna\x01{JUNK}")
    Topic.objects.filter(pk=topic.pk).update(name=f"Nuclear\x1f{JUNK}")
    Outlet.objects.filter(pk=outlet.pk).update(name=f"Outlet\x08{JUNK}")
    return piece


def parse(response) -> ET.Element:
    assert response.status_code == 200, response.content
    return ET.fromstring(response.content)


def all_text(root: ET.Element) -> str:
    return " ".join(
        [text for element in root.iter() for text in (element.text, element.tail) if text]
        + [value for element in root.iter() for value in element.attrib.values()]
    )


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/rss/",
        "/feeds/atom/",
        "/feeds/rss/?full=1",
        "/feeds/authors/amna/rss/",
        "/feeds/topics/nuclear/atom/",
    ],
)
def test_feeds_stay_well_formed_and_free_of_bidi_overrides(client, junk_in_the_database, url):
    text = all_text(parse(client.get(url)))

    assert "Titlewithjunk" in text
    assert not set(JUNK) & set(text)


@pytest.mark.parametrize("url", ["/sitemap-news.xml", "/sitemap-publications.xml", "/sitemap.xml"])
def test_sitemaps_stay_well_formed_and_free_of_bidi_overrides(client, junk_in_the_database, url):
    Publication.objects.filter(pk=junk_in_the_database.pk).update(slug="pie\x01ce\u202e")

    text = all_text(parse(client.get(url)))

    assert not set(JUNK) & set(text)


def test_the_news_sitemap_carries_the_cleaned_title(client, junk_in_the_database):
    root = parse(client.get("/sitemap-news.xml"))

    titles = [element.text for element in root.iter("{http://www.google.com/schemas/sitemap-news/0.9}title")]
    assert titles == ["Titlewithjunk"]
