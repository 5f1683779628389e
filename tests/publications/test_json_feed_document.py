"""The JSON Feed, whose items Postgres writes (PublicationQuerySet.as_feed_items), is byte for byte the
document json.dumps(ensure_ascii=False) writes of the feed's data: separators, escapes, key order, which
keys are left out, dates as Django's feeds write them, text through xml_text, URLs quoted as storage
quotes them."""

import datetime as dt
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Max
from django.utils import timezone
from django.utils.http import parse_http_date

from authors.models import Author
from publications.models import Publication, PublicationChange
from tests.factories import (
    AuthorFactory,
    CrossPostFactory,
    OutletFactory,
    PublicationFactory,
    TopicFactory,
    stored_image,
)

pytestmark = pytest.mark.django_db

SITE = "https://ciss.example.org"
HOST = "http://testserver"
NOW = timezone.now().replace(microsecond=0)
# Written around save() (as an import could): quotes, a backslash, a tab, line breaks, other scripts, and
# what xml_text takes out of every feed (a bidi override, a vertical tab, a C0 control).
RAW_TITLE = 'Say "no" \\ to\ttabs: Zürich, اردو\u202e\x0b'
RAW_SUMMARY = 'Line one\nline "two"\x01 and\u2028the end </script>'
BODY = '<p><a href="/publications/earlier/">earlier</a> and <img src="/media/chart.png" alt="A chart"></p>'


def document(items: list[dict], *, feed_url: str = f"{HOST}/feeds/json/", **feed: str) -> str:
    """The feed as json.dumps() writes it, around `items`."""
    head = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "CISS publications",
        "home_page_url": f"{SITE}/publications/",
        "feed_url": feed_url,
        "description": "New publications from the Center for International Strategic Studies.",
        "language": "en",
        "authors": [{"name": "Center for International Strategic Studies", "url": SITE}],
        **feed,
    }
    return json.dumps({**head, "items": items}, ensure_ascii=False)


@pytest.fixture
def catalogue(settings, tmp_path):
    """Three live pieces (rich, plain, unmeasured) newest first, a draft and a scheduled piece."""
    settings.SITE_URL = SITE
    settings.MEDIA_ROOT = tmp_path
    settings.API_CACHE = False
    amna, ali = (
        AuthorFactory(name="Amna Tauhidi", slug="amna", honorific=""),
        AuthorFactory(name="Syed Ali", slug="ali"),
    )
    gone = AuthorFactory(name="Trashed Author", slug="gone")
    Author.objects.filter(pk=gone.pk).update(trashed_at=NOW)
    rich = PublicationFactory(
        published=True,
        published_at=NOW - dt.timedelta(hours=1, microseconds=-123456),
        body=BODY,
        authors=[ali, gone, amna],
        topics=[TopicFactory(name="Nuclear", slug="nuclear"), TopicFactory(name="Arms Control", slug="arms")],
        lead_image=stored_image("publications/images/2026/Zürich map.jpg"),
    )
    outlet = OutletFactory(name="The National Interest")
    CrossPostFactory(publication=rich, outlet=OutletFactory(), url="https://elsewhere.example/1")
    CrossPostFactory(
        publication=rich, outlet=outlet, url="https://nationalinterest.org/a/1", is_canonical=True
    )
    # Its PDF's size was never stored (a file saved around the service): read from storage.
    rich.pdf.save("brief.pdf", ContentFile(b"%PDF-1.4 twelve"), save=True)
    Publication.objects.filter(pk=rich.pk).update(
        title=RAW_TITLE, summary=RAW_SUMMARY, updated_at=NOW - dt.timedelta(days=3)
    )
    plain = PublicationFactory(published=True, published_at=NOW - dt.timedelta(hours=2), summary="")
    Publication.objects.filter(pk=plain.pk).update(
        pdf="publications/pdf/2026/report.pdf",
        pdf_size=2048,
        updated_at=NOW - dt.timedelta(minutes=30, microseconds=-5),
    )
    unmeasured = PublicationFactory(published=True, published_at=NOW - dt.timedelta(hours=3))
    Publication.objects.filter(pk=unmeasured.pk).update(pdf="publications/pdf/2026/gone.pdf", pdf_size=None)
    PublicationFactory(title="Draft")
    PublicationFactory(scheduled=True, title="Scheduled")
    return [Publication.objects.get(pk=piece.pk) for piece in (rich, plain, unmeasured)]


def items(catalogue, *, full: bool) -> list[dict]:
    """The items as BasePublicationFeed's item methods and JsonFeed's keys made them in Python."""
    rich, plain, unmeasured = catalogue
    content_rich = (
        {
            # The sanitizer adds rel to links on save.
            "content_html": f'<p><a href="{SITE}/publications/earlier/" rel="noopener noreferrer">earlier</a>'
            f' and <img src="{HOST}/media/chart.png" alt="A chart"></p>'
        }
        if full
        else {"content_text": 'Line one\nline "two" and\u2028the end </script>'}
    )
    return [
        {
            "id": f"urn:uuid:{rich.uuid}",
            "url": f"{SITE}/publications/{rich.slug}/",
            "title": 'Say "no" \\ to\ttabs: Zürich, اردو',
            "summary": 'Line one\nline "two" and\u2028the end </script>',
            "date_published": rich.published_at.isoformat(),
            # Edited before it went live: never dated before its publication.
            "date_modified": rich.published_at.isoformat(),
            "authors": [
                {"name": "Syed Ali", "url": f"{SITE}/authors/ali/"},
                {"name": "Amna Tauhidi", "url": f"{SITE}/authors/amna/"},
            ],
            "tags": ["Arms Control", "Nuclear"],
            "language": "en",
            **content_rich,
            "external_url": "https://nationalinterest.org/a/1",
            "image": f"{HOST}/media/publications/images/2026/Z%C3%BCrich%20map.jpg",
            "attachments": [
                {
                    "url": f"{HOST}{default_storage.url(rich.pdf.name)}",
                    "mime_type": "application/pdf",
                    "size_in_bytes": len(b"%PDF-1.4 twelve"),
                }
            ],
        },
        {
            "id": f"urn:uuid:{plain.uuid}",
            "url": f"{SITE}/publications/{plain.slug}/",
            "title": plain.title,
            "summary": "",
            "date_published": plain.published_at.isoformat(),
            "date_modified": plain.updated_at.isoformat(),
            "tags": [],
            "language": "en",
            **({"content_html": plain.body} if full else {"content_text": ""}),
            "attachments": [
                {
                    "url": f"{HOST}/media/publications/pdf/2026/report.pdf",
                    "mime_type": "application/pdf",
                    "size_in_bytes": 2048,
                }
            ],
        },
        {
            "id": f"urn:uuid:{unmeasured.uuid}",
            "url": f"{SITE}/publications/{unmeasured.slug}/",
            "title": unmeasured.title,
            "summary": unmeasured.summary,
            "date_published": unmeasured.published_at.isoformat(),
            "date_modified": max(unmeasured.updated_at, unmeasured.published_at).isoformat(),
            "tags": [],
            "language": "en",
            # Missing from storage and never measured: no attachment, as RSS and Atom leave the enclosure.
            **({"content_html": unmeasured.body} if full else {"content_text": unmeasured.summary}),
        },
    ]


def test_the_feed_is_the_document_json_dumps_writes(client, catalogue):
    response = client.get("/feeds/json/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/feed+json; charset=utf-8"
    assert response.content.decode() == document(items(catalogue, full=False))


def test_the_full_text_feed_is_the_document_json_dumps_writes(client, catalogue):
    response = client.get("/feeds/json/?full=1&utm_source=reader")

    assert response.content.decode() == document(
        items(catalogue, full=True), feed_url=f"{HOST}/feeds/json/?full=1"
    )


def test_an_author_feed_carries_the_authors_pieces_and_its_own_keys(client, catalogue):
    response = client.get("/feeds/authors/amna/json/")

    assert response.content.decode() == document(
        items(catalogue, full=False)[:1],
        feed_url=f"{HOST}/feeds/authors/amna/json/",
        title="Amna Tauhidi — CISS publications",
        home_page_url=f"{SITE}/authors/amna/",
        description="Publications by Amna Tauhidi.",
    )


def test_last_modified_is_the_newest_item_date_or_catalogue_change(client, catalogue):
    rich, plain, _ = catalogue
    newest_change = PublicationChange.objects.effective().aggregate(latest=Max("effective_at"))["latest"]

    everything = client.get("/feeds/json/")
    nothing = client.get("/feeds/json/?type=book")

    newest_item = max(rich.published_at, plain.updated_at)
    assert parse_http_date(everything["Last-Modified"]) == int(max(newest_item, newest_change).timestamp())
    assert nothing.json()["items"] == []
    assert parse_http_date(nothing["Last-Modified"]) == int(newest_change.timestamp())
