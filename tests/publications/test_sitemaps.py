import datetime as dt
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib.sitemaps import views as sitemap_views
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from authors.models import Author
from publications.sitemaps import SECTIONS, urlset_xml
from tests.factories import AuthorFactory, PublicationFactory, TopicFactory

pytestmark = pytest.mark.django_db

NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


def get_xml(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/xml"
    return ET.fromstring(response.content)


def locations(root):
    return sorted(loc.text for loc in root.iterfind("sm:url/sm:loc", NS))


@pytest.fixture
def catalogue():
    topic, unused_topic = TopicFactory(slug="nuclear"), TopicFactory(slug="unused")
    writer = AuthorFactory(slug="writer", kind=Author.Kind.GUEST)
    PublicationFactory(published=True, slug="live", authors=[writer], topics=[topic])
    ghost = AuthorFactory(slug="ghost", kind=Author.Kind.GUEST)
    PublicationFactory(slug="draft", authors=[ghost], topics=[unused_topic])
    PublicationFactory(in_review=True, slug="in-review", authors=[ghost])
    PublicationFactory(scheduled=True, slug="scheduled", authors=[ghost], topics=[unused_topic])
    AuthorFactory(slug="staffer", kind=Author.Kind.STAFF, affiliation=Author.Affiliation.CURRENT)
    AuthorFactory(slug="alumnus", kind=Author.Kind.STAFF, affiliation=Author.Affiliation.ALUMNI)


def test_index_lists_each_section_with_lastmod(client, catalogue):
    root = get_xml(client, "/sitemap.xml")

    sitemaps = {
        s.find("sm:loc", NS).text: s.find("sm:lastmod", NS).text for s in root.iterfind("sm:sitemap", NS)
    }
    assert sorted(sitemaps) == [
        "http://testserver/sitemap-authors.xml",
        "http://testserver/sitemap-publications.xml",
        "http://testserver/sitemap-topics.xml",
    ]
    assert all(sitemaps.values())


def test_sections_list_only_public_things_on_the_public_site(client, catalogue, settings):
    settings.SITE_URL = "https://ciss.example"

    assert locations(get_xml(client, "/sitemap-publications.xml")) == [
        "https://ciss.example/publications/live/"
    ]
    assert locations(get_xml(client, "/sitemap-authors.xml")) == [
        "https://ciss.example/authors/staffer/",
        "https://ciss.example/authors/writer/",
    ]
    assert locations(get_xml(client, "/sitemap-topics.xml")) == ["https://ciss.example/topics/nuclear/"]


def test_publication_lastmod_is_never_before_publication(client):
    publication = PublicationFactory(scheduled=True, slug="later")
    with time_machine.travel(publication.published_at + dt.timedelta(minutes=1)):
        root = get_xml(client, "/sitemap-publications.xml")

    assert root.find("sm:url/sm:lastmod", NS).text == timezone.localtime(publication.published_at).strftime(
        "%Y-%m-%d"
    )


def test_news_sitemap_has_the_last_two_days_with_the_news_namespace(client, settings):
    settings.SITE_URL = "https://ciss.example"
    now = timezone.now()
    fresh = PublicationFactory(
        published=True, slug="fresh", title="Arms & <Influence>", published_at=now - dt.timedelta(hours=3)
    )
    PublicationFactory(published=True, slug="old", published_at=now - dt.timedelta(days=3))
    PublicationFactory(scheduled=True, slug="soon")
    PublicationFactory(slug="draft")

    root = get_xml(client, "/sitemap-news.xml")

    (url,) = root.findall("sm:url", NS)
    assert url.find("sm:loc", NS).text == "https://ciss.example/publications/fresh/"
    news = url.find("news:news", NS)
    assert news.find("news:title", NS).text == "Arms & <Influence>"
    assert news.find("news:publication/news:language", NS).text == "en"
    assert news.find("news:publication/news:name", NS).text == "Center for International Strategic Studies"
    assert dt.datetime.fromisoformat(
        news.find("news:publication_date", NS).text
    ) == fresh.published_at.replace(microsecond=0)


def test_scheduled_piece_enters_the_sitemaps_at_its_time(client):
    publication = PublicationFactory(scheduled=True, slug="soon")
    assert locations(get_xml(client, "/sitemap-news.xml")) == []

    with time_machine.travel(publication.published_at + dt.timedelta(seconds=1)):
        assert locations(get_xml(client, "/sitemap-news.xml")) == [publication.public_url]
        assert locations(get_xml(client, "/sitemap-publications.xml")) == [publication.public_url]


@pytest.mark.parametrize("count", [1, 5])
def test_section_query_count_does_not_grow_with_items(client, django_assert_num_queries, settings, count):
    settings.API_CACHE = False  # the sitemap itself; a cached one costs one query (see below)
    for _ in range(count):
        PublicationFactory(published=True, authors=[AuthorFactory()], topics=[TopicFactory()])

    # 1 count for the paginator, 2 the page of publications
    with django_assert_num_queries(2):
        client.get("/sitemap-publications.xml")
    # 1 count, 2 the page of annotated authors
    with django_assert_num_queries(2):
        client.get("/sitemap-authors.xml")


@pytest.mark.parametrize("url", ["/sitemap.xml", "/sitemap-publications.xml", "/sitemap-news.xml"])
def test_a_cached_sitemap_costs_one_query_and_keeps_its_bytes(
    client, catalogue, django_assert_num_queries, url
):
    first = client.get(url)

    with django_assert_num_queries(1):  # the catalogue generation with the cached sitemap
        again = client.get(url, {"utm_source": "crawler"})

    assert again.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"] == "application/xml"
    assert again["X-Robots-Tag"] == first["X-Robots-Tag"]
    assert again["ETag"] == first["ETag"]


def test_a_cached_sitemap_shows_a_new_piece_at_once(client, catalogue):
    assert len(locations(get_xml(client, "/sitemap-publications.xml"))) == 1

    PublicationFactory(published=True, slug="new")

    assert len(locations(get_xml(client, "/sitemap-publications.xml"))) == 2


def test_sitemaps_get_the_anonymous_throttle(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/minute"}}

    statuses = [client.get(url).status_code for url in ("/sitemap.xml", "/sitemap-news.xml", "/sitemap.xml")]
    response = client.get("/sitemap-topics.xml")

    assert statuses == [200, 200, 429]
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert 0 < int(response["Retry-After"]) <= 60


def test_robots_txt_names_the_sitemaps_absolutely_and_keeps_crawlers_out_of_admin_and_api(client, settings):
    settings.ALLOWED_HOSTS = ["api.ciss.example.org"]
    response = client.get("/robots.txt", HTTP_HOST="api.ciss.example.org")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert [line for line in lines if line.startswith("Sitemap:")] == [
        "Sitemap: http://api.ciss.example.org/sitemap.xml",
        "Sitemap: http://api.ciss.example.org/sitemap-news.xml",
    ]
    assert {"User-agent: *", "Disallow: /admin/", "Disallow: /api/"} <= set(lines)
    for line in lines:
        if line.startswith("Sitemap:"):
            url = urlsplit(line.removeprefix("Sitemap: "))
            assert client.get(url.path, HTTP_HOST=url.netloc).status_code == 200


@pytest.mark.parametrize("section", ["publications", "authors", "topics"])
def test_a_section_is_the_bytes_djangos_template_renders(client, catalogue, settings, rf, section):
    # A host with characters the template escapes, and a piece whose edit is already tomorrow in TIME_ZONE.
    settings.SITE_URL = "https://ciss.example/a&b'c"
    late = dt.datetime(2026, 3, 1, 21, 30, tzinfo=dt.UTC)
    with time_machine.travel(late, tick=False):
        PublicationFactory(published=True, slug="late", topics=[TopicFactory(slug="late-topic")])

        served = client.get(f"/sitemap-{section}.xml")
        rendered = sitemap_views.sitemap(
            rf.get(f"/sitemap-{section}.xml"), sitemaps=SECTIONS, section=section
        )

    assert served.status_code == 200
    assert served.content == rendered.render().content
    assert b"&amp;b&#x27;c" in served.content


def test_urlset_xml_leaves_entries_it_does_not_write_to_the_template():
    entry = {"location": "https://ciss.example/", "lastmod": None, "alternates": []}

    assert urlset_xml([{**entry, "changefreq": None, "priority": ""}]) is not None
    assert urlset_xml([{**entry, "changefreq": "daily", "priority": ""}]) is None
    assert urlset_xml([{**entry, "changefreq": None, "priority": "0.5"}]) is None


@pytest.mark.parametrize("url", ["/sitemap.xml", "/sitemap-publications.xml", "/sitemap-news.xml"])
@pytest.mark.parametrize("page", ["01", "+1", "१", " 1", "1.0"])
def test_a_page_number_spelt_otherwise_than_plain_digits_is_a_404_problem(client, catalogue, url, page):
    # Each spelling was a whole page served afresh and never cached, for anyone who varied it.
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"p": page})

    # Refused before the sitemap counts its pages (a WordPress `?p=` lookup of the legacy middleware aside).
    assert not [q for q in captured.captured_queries if "COUNT(" in q["sql"]]
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert "plain digits" in response.json()["detail"]
    assert client.get(url, {"p": "1"}).status_code == 200
