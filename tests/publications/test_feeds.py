import datetime as dt
import json

import feedparser
import jsonschema
import pytest
import time_machine
from django.core.files.base import ContentFile
from django.db.models import Max
from django.utils import timezone
from django.utils.http import parse_http_date

from publications.models import Publication, PublicationChange
from tests.factories import (
    AuthorFactory,
    CrossPostFactory,
    OutletFactory,
    PublicationFactory,
    SeriesFactory,
    TopicFactory,
)
from tests.shared_schemas import SHARED_SCHEMAS

pytestmark = pytest.mark.django_db

JSONFEED_SCHEMA = json.loads((SHARED_SCHEMAS / "jsonfeed/schema-v1.1.json").read_text())
HOSTILE_TITLE = "Guns & <Butter> ]]> in South Asia"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def get_xml_feed(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    return parsed


def get_json_feed(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/feed+json; charset=utf-8"
    document = response.json()
    jsonschema.validate(document, JSONFEED_SCHEMA)
    return document


@pytest.fixture
def piece():
    """A published, co-authored piece with topics, a PDF, an image-free body and a canonical cross-post."""
    first, second = AuthorFactory(name="Syed Ali Abbas"), AuthorFactory(name="Amna Tauhidi")
    publication = PublicationFactory(
        published=True,
        title=HOSTILE_TITLE,
        summary="Summary with a <tag> & an ampersand.",
        body="<p>The whole <strong>body</strong>.</p>",
        authors=[second, first],
        topics=[TopicFactory(name="Nuclear", slug="nuclear"), TopicFactory(name="Arms Control", slug="arms")],
    )
    publication.pdf.save("brief.pdf", ContentFile(b"%PDF-1.4 twelve"), save=True)
    CrossPostFactory(
        publication=publication,
        outlet=OutletFactory(name="The National Interest"),
        url="https://nationalinterest.org/a/1",
        is_canonical=True,
    )
    return Publication.objects.get(pk=publication.pk)


def test_rss_lists_every_author_in_order_with_categories_enclosure_and_stable_guid(client, piece):
    parsed = get_xml_feed(client, "/feeds/rss/")

    assert parsed.version == "rss20"
    assert parsed.feed.language == "en"
    assert {link.rel: link.href for link in parsed.feed.links}["self"] == "http://testserver/feeds/rss/"
    (entry,) = parsed.entries
    assert entry.title == HOSTILE_TITLE
    # The description is HTML: the plain-text summary arrives escaped once, so it renders as written.
    assert entry.summary == "Summary with a &lt;tag&gt; &amp; an ampersand."
    assert [a.name for a in entry.authors] == ["Amna Tauhidi", "Syed Ali Abbas"]
    assert [t.term for t in entry.tags] == ["Arms Control", "Nuclear"]
    assert entry.id == f"urn:uuid:{piece.uuid}"
    assert entry.guidislink is False
    assert entry.link == piece.public_url
    assert entry.published_parsed[:6] == piece.published_at.astimezone(dt.UTC).timetuple()[:6]
    (enclosure,) = entry.enclosures
    assert enclosure.href == f"http://testserver{piece.pdf.url}"
    assert enclosure.length == str(len(b"%PDF-1.4 twelve"))
    assert enclosure.type == "application/pdf"
    assert entry.source == {"href": "https://nationalinterest.org/a/1", "title": "The National Interest"}
    assert "content" not in entry


def test_atom_has_one_author_each_updated_on_every_entry_and_canonical_link(client, piece):
    PublicationFactory(published=True)
    parsed = get_xml_feed(client, "/feeds/atom/")

    assert parsed.version == "atom10"
    assert parsed.feed.language == "en"
    assert {link.rel: link.href for link in parsed.feed.links}["self"] == "http://testserver/feeds/atom/"
    assert all(entry.get("updated_parsed") for entry in parsed.entries)
    entry = next(e for e in parsed.entries if e.id == f"urn:uuid:{piece.uuid}")
    assert entry.title == HOSTILE_TITLE
    assert [a.name for a in entry.authors] == ["Amna Tauhidi", "Syed Ali Abbas"]
    assert [t.term for t in entry.tags] == ["Arms Control", "Nuclear"]
    links = {link.rel: link for link in entry.links}
    assert links["alternate"].href == piece.public_url
    assert links["via"].href == "https://nationalinterest.org/a/1"
    assert links["via"].title == "The National Interest"
    assert "canonical" not in links
    assert links["enclosure"].href == f"http://testserver{piece.pdf.url}"
    assert links["enclosure"].length == str(len(b"%PDF-1.4 twelve"))


def test_full_text_is_added_only_when_asked(client, piece):
    summary_only = get_xml_feed(client, "/feeds/atom/")
    full = get_xml_feed(client, "/feeds/atom/", full=1)
    rss_full = get_xml_feed(client, "/feeds/rss/", full=1)
    json_full = get_json_feed(client, "/feeds/json/", full=1)

    assert "content" not in summary_only.entries[0]
    assert full.entries[0].content[0].value == "<p>The whole <strong>body</strong>.</p>"
    assert {link.rel: link.href for link in full.feed.links}["self"] == "http://testserver/feeds/atom/?full=1"
    assert rss_full.entries[0].content[0].value == "<p>The whole <strong>body</strong>.</p>"
    assert json_full["items"][0]["content_html"] == "<p>The whole <strong>body</strong>.</p>"


def test_json_feed_validates_and_carries_authors_tags_and_attachment(client, piece):
    document = get_json_feed(client, "/feeds/json/")

    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["feed_url"] == "http://testserver/feeds/json/"
    assert document["language"] == "en"
    assert document["items"] == [
        {
            "id": f"urn:uuid:{piece.uuid}",
            "url": piece.public_url,
            "external_url": "https://nationalinterest.org/a/1",
            "title": HOSTILE_TITLE,
            "summary": "Summary with a <tag> & an ampersand.",
            "content_text": "Summary with a <tag> & an ampersand.",
            "date_published": piece.published_at.isoformat(),
            "date_modified": piece.updated_at.isoformat(),
            "authors": [
                {"name": a.name, "url": a.public_url}
                for a in [piece.authorships.all()[0].author, piece.authorships.all()[1].author]
            ],
            "tags": ["Arms Control", "Nuclear"],
            "language": "en",
            "attachments": [
                {
                    "url": f"http://testserver{piece.pdf.url}",
                    "mime_type": "application/pdf",
                    "size_in_bytes": len(b"%PDF-1.4 twelve"),
                }
            ],
        }
    ]


def test_entry_id_survives_a_slug_change(client, piece):
    before = get_xml_feed(client, "/feeds/atom/").entries[0].id
    piece.slug = "a-new-slug"
    piece.save()
    after = get_xml_feed(client, "/feeds/atom/").entries[0]

    assert after.id == before
    assert after.link.endswith("/publications/a-new-slug/")


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_unpublished_pieces_never_appear(client, fmt):
    live = PublicationFactory(published=True)
    PublicationFactory(title="Draft")
    PublicationFactory(in_review=True, title="In review")
    PublicationFactory(scheduled=True, title="Scheduled")

    if fmt == "json":
        ids = [item["id"] for item in get_json_feed(client, f"/feeds/{fmt}/")["items"]]
    else:
        ids = [entry.id for entry in get_xml_feed(client, f"/feeds/{fmt}/").entries]

    assert ids == [f"urn:uuid:{live.uuid}"]


def test_scheduled_piece_appears_by_itself_at_its_time(client):
    scheduled = PublicationFactory(scheduled=True)
    assert get_xml_feed(client, "/feeds/atom/").entries == []

    with time_machine.travel(scheduled.published_at + dt.timedelta(seconds=1)):
        entries = get_xml_feed(client, "/feeds/atom/").entries

    assert [e.id for e in entries] == [f"urn:uuid:{scheduled.uuid}"]


def test_author_feed_includes_co_authored_pieces_only_of_that_author(client):
    author, other = AuthorFactory(), AuthorFactory()
    solo = PublicationFactory(published=True, authors=[author])
    co_authored = PublicationFactory(
        published=True, authors=[other, author], published_at=timezone.now() - dt.timedelta(hours=1)
    )
    PublicationFactory(published=True, authors=[other])
    PublicationFactory(scheduled=True, authors=[author])

    document = get_json_feed(client, f"/feeds/authors/{author.slug}/json/")

    assert [item["id"] for item in document["items"]] == [
        f"urn:uuid:{co_authored.uuid}",
        f"urn:uuid:{solo.uuid}",
    ]
    assert document["items"][0]["authors"][1]["name"] == author.name


def test_topic_series_and_type_feeds_filter(client):
    topic, series = TopicFactory(), SeriesFactory()
    on_topic = PublicationFactory(published=True, topics=[topic])
    in_series = PublicationFactory(published=True, series=series)
    brief = PublicationFactory(published=True, type=Publication.Type.ISSUE_BRIEF)

    def ids(url):
        return [entry.id for entry in get_xml_feed(client, url).entries]

    assert ids(f"/feeds/topics/{topic.slug}/rss/") == [f"urn:uuid:{on_topic.uuid}"]
    assert ids(f"/feeds/series/{series.slug}/atom/") == [f"urn:uuid:{in_series.uuid}"]
    assert ids("/feeds/types/issue_brief/atom/") == [f"urn:uuid:{brief.uuid}"]


@pytest.mark.parametrize(
    "url", ["/feeds/authors/nobody/rss/", "/feeds/topics/nothing/atom/", "/feeds/types/poem/json/"]
)
def test_unknown_subject_is_the_api_404_problem(client, url):
    response = client.get(url)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "No such author, topic, series or type.",
        "instance": url,
    }


def test_bad_full_value_is_the_api_400_problem_naming_the_parameter(client):
    response = client.get("/feeds/rss/", {"full": "yes please"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == [{"parameter": "full", "detail": "Enter 1 or 0."}]


def test_writes_are_405_problems(client):
    response = client.post("/feeds/rss/")

    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("accept", ["application/rss+xml", "application/atom+xml", "text/html"])
def test_any_accept_header_gets_the_feed(client, accept):
    response = client.get("/feeds/rss/", HTTP_ACCEPT=accept)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_conditional_get_and_cache_headers_are_the_apis(client, piece, settings, fmt):
    settings.API_CACHE_MAX_AGE = 30
    settings.API_CACHE_STALE_WHILE_REVALIDATE = 120
    url = f"/feeds/{fmt}/"
    first = client.get(url)
    assert set(first["Cache-Control"].split(", ")) == {"public", "max-age=30", "stale-while-revalidate=120"}
    assert first["ETag"].startswith('"')  # strong
    # When the public catalogue last changed: the piece's byline rows may be logged a second after its own
    # save, so the newest change row is the reference, not the piece's updated_at.
    newest = PublicationChange.objects.aggregate(latest=Max("effective_at"))["latest"]
    assert newest >= piece.updated_at
    assert parse_http_date(first["Last-Modified"]) == int(newest.timestamp())
    assert first["Vary"] == "Accept-Encoding, Origin, Authorization"

    by_etag = client.get(url, headers={"if-none-match": first["ETag"]})
    by_date = client.get(url, headers={"if-modified-since": first["Last-Modified"]})
    head = client.head(url, headers={"if-none-match": first["ETag"]})

    assert (by_etag.status_code, by_date.status_code, head.status_code) == (304, 304, 304)
    assert by_etag.content == b""
    assert by_etag["ETag"] == first["ETag"]
    assert "max-age=30" in by_etag["Cache-Control"]


def test_unpublishing_an_older_piece_moves_etag_and_last_modified(client, piece):
    from publications.services import publication_unpublish

    newer = PublicationFactory(published=True, published_at=timezone.now())
    first = client.get("/feeds/rss/")
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)):
        publication_unpublish(publication=piece)
        by_etag = client.get("/feeds/rss/", headers={"if-none-match": first["ETag"]})
        by_date = client.get("/feeds/rss/", headers={"if-modified-since": first["Last-Modified"]})

    assert by_etag.status_code == 200
    assert by_date.status_code == 200
    assert [e.id for e in feedparser.parse(by_date.content).entries] == [f"urn:uuid:{newer.uuid}"]


@pytest.mark.parametrize("count", [1, 6])
def test_feed_query_count_does_not_grow_with_items(client, django_assert_num_queries, settings, count):
    settings.API_CACHE = False  # the feed itself; a cached one costs one (see cissapi.api.http_caching)
    author = AuthorFactory()
    for _ in range(count):
        PublicationFactory(published=True, authors=[author, AuthorFactory()], topics=[TopicFactory()])

    # 1 author by slug, 2 latest effective change, 3 publications with series, bylines, topics and
    # cross-posts (JSON array columns)
    with django_assert_num_queries(3):
        response = client.get(f"/feeds/authors/{author.slug}/atom/")
    assert len(feedparser.parse(response.content).entries) == count

    # 1 author by slug, 2 the items as Postgres writes them, with the latest effective change
    with django_assert_num_queries(2):
        response = client.get(f"/feeds/authors/{author.slug}/json/?full=1")
    assert len(response.json()["items"]) == count

    # 1 the items with the latest effective change: the site's feed has no collection to look up
    with django_assert_num_queries(1):
        response = client.get("/feeds/json/")
    assert len(response.json()["items"]) == count


def test_full_text_links_and_images_are_absolute(client, settings):
    settings.SITE_URL = "https://ciss.example.org"
    body = (
        '<p><a href="/publications/other-piece/">an earlier piece</a>, '
        '<a href="notes/?a=1&amp;b=2">notes</a>, '
        '<a href="https://strafasia.com/x">elsewhere</a>, <a href="#fn1">a note</a>, '
        '<a href="mailto:editor@ciss.example.org">write</a>, <a href="//cdn.example/y">cdn</a></p>'
        '<p><img src="/media/publications/chart.png" alt="A chart"></p>'
    )
    piece = PublicationFactory(published=True, body=body)
    assert 'src="/media/publications/chart.png"' in piece.body  # the sanitizer kept it relative

    atom = get_xml_feed(client, "/feeds/atom/", full=1).entries[0].content[0].value
    json_feed = get_json_feed(client, "/feeds/json/", full=1)["items"][0]["content_html"]
    rss = get_xml_feed(client, "/feeds/rss/", full=1).entries[0].content[0].value

    for html in (atom, json_feed, rss):
        assert 'href="https://ciss.example.org/publications/other-piece/"' in html
        assert 'href="https://ciss.example.org/notes/?a=1&amp;b=2"' in html
        assert 'href="https://strafasia.com/x"' in html
        assert 'href="#fn1"' in html
        assert 'href="mailto:editor@ciss.example.org"' in html
        assert 'href="https://cdn.example/y"' in html  # scheme-relative: the public site's scheme
        # Uploads are served by this host, not the public site.
        assert 'src="http://testserver/media/publications/chart.png"' in html
