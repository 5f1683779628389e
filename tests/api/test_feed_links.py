"""Discoverability: API responses link their matching feeds, and the API index lists feeds and sitemaps."""

import feedparser
import pytest
from django.urls import reverse
from django.utils.http import parse_header_parameters

from cissapi.api import feed_links as feed_links_module
from publications.models import Publication
from tests.calls import recorded_calls
from tests.factories import AuthorFactory, PublicationFactory, SeriesFactory, TopicFactory

pytestmark = pytest.mark.django_db

TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml", "json": "application/feed+json"}


def feed_links(response) -> dict[str, str]:
    """The Link header's rel="alternate" targets by media type."""
    links = {}
    for part in response.get("Link", "").split(", ") if "Link" in response else []:
        target, params = part.split(";", 1)
        _, parameters = parse_header_parameters(f"link;{params}")
        if parameters["rel"] == "alternate":  # pagination's links (next, last, ...) share the header
            links[parameters["type"]] = target.strip().removeprefix("<").removesuffix(">")
    return links


def expected(prefix: str, query: str = "") -> dict[str, str]:
    suffix = f"?{query}" if query else ""
    return {
        media_type: f"http://testserver/feeds/{prefix}{fmt}/{suffix}" for fmt, media_type in TYPES.items()
    }


@pytest.fixture
def catalogue():
    author, topic, series = AuthorFactory(slug="amna"), TopicFactory(slug="nuclear"), SeriesFactory(slug="cv")
    publication = PublicationFactory(
        published=True, slug="piece", authors=[author], topics=[topic], series=series
    )
    return {"publication": publication, "author": author}


@pytest.mark.parametrize(
    ("url", "prefix"),
    [
        ("/api/v1/publications/", ""),
        ("/api/v1/publications/?type=policy_paper", "types/policy_paper/"),
        ("/api/v1/publications/?type=policy_paper&ordering=title&page_size=5", "types/policy_paper/"),
        ("/api/v1/publications/piece/", ""),
        ("/api/v1/authors/amna/", "authors/amna/"),
        ("/api/v1/authors/amna/publications/", "authors/amna/"),
        ("/api/v1/topics/nuclear/", "topics/nuclear/"),
        ("/api/v1/topics/nuclear/publications/", "topics/nuclear/"),
        ("/api/v1/series/cv/", "series/cv/"),
        ("/api/v1/series/cv/publications/", "series/cv/"),
    ],
)
def test_responses_link_their_matching_feeds_in_every_format(client, catalogue, url, prefix):
    response = client.get(url)

    assert response.status_code == 200
    assert feed_links(response) == expected(prefix)


def test_every_linked_feed_exists_and_parses(client, catalogue):
    for url in ("/api/v1/publications/?type=commentary", "/api/v1/authors/amna/", "/api/v1/series/cv/"):
        for media_type, feed_url in feed_links(client.get(url)).items():
            response = client.get(feed_url)
            assert response.status_code == 200, feed_url
            assert response["Content-Type"].startswith(media_type)
            if media_type != "application/feed+json":
                assert not feedparser.parse(response.content).bozo


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/authors/",
        "/api/v1/topics/",
        "/api/v1/outlets/",
        "/api/v1/changes/",
        "/api/v1/authors/nobody/",
        "/api/v1/publications/?type=poem",
    ],
)
def test_responses_without_a_matching_feed_or_errors_have_no_feed_links(client, catalogue, url):
    assert feed_links(client.get(url)) == {}


@pytest.mark.parametrize(
    ("url", "prefix", "query"),
    [
        # The filters a feed takes, sorted, empty ones dropped; ordering and paging are the list's own.
        (
            "/api/v1/publications/?type=commentary&author=amna&ordering=title&page_size=5&topic=",
            "",
            "author=amna&type=commentary",
        ),
        ("/api/v1/publications/?topic=nuclear&q=deterrence", "", "q=deterrence&topic=nuclear"),
        ("/api/v1/authors/amna/publications/?type=commentary", "authors/amna/", "type=commentary"),
        ("/api/v1/topics/nuclear/publications/?series=cv&fields=slug", "topics/nuclear/", "series=cv"),
    ],
)
def test_a_filtered_list_links_the_feed_of_the_same_filter(client, catalogue, url, prefix, query):
    response = client.get(url)

    assert response.status_code == 200
    assert feed_links(response) == expected(prefix, query)


def test_the_linked_filtered_feed_has_the_lists_pieces(client, catalogue):
    PublicationFactory(published=True, type=Publication.Type.REPORT, authors=[catalogue["author"]])
    PublicationFactory(published=True, type=Publication.Type.COMMENTARY)
    response = client.get("/api/v1/publications/?author=amna&type=commentary")
    listed = [f"urn:uuid:{item['uuid']}" for item in response.json()["results"]]

    items = client.get(feed_links(response)["application/feed+json"]).json()["items"]

    assert listed == [f"urn:uuid:{catalogue['publication'].uuid}"]
    assert [item["id"] for item in items] == listed


@pytest.mark.parametrize("url", ["/api/v1/publications/", "/api/v1/topics/nuclear/", "/api/v1/authors/amna/"])
def test_an_options_answer_has_no_feed_links(client, catalogue, url):
    # OPTIONS describes the endpoint; it is not a representation with an alternate feed.
    response = client.options(url)

    assert response.status_code == 200
    assert "Link" not in response


def test_links_cost_no_query(client, catalogue, response_cache_off, django_assert_num_queries):
    # The page rows with their count, bylines and topics (a type is a step of the list's statement); the
    # links come from the URL alone.
    with django_assert_num_queries(1):
        response = client.get("/api/v1/publications/", {"type": Publication.Type.COMMENTARY})

    assert feed_links(response) == expected("types/commentary/")


def test_the_index_lists_the_change_feed_the_feeds_and_the_sitemaps(client):
    body = client.get(reverse("v1:index")).json()

    assert body["changes"] == "http://testserver/api/v1/changes/"
    assert body["feeds"] == {
        "rss": "http://testserver/feeds/rss/",
        "atom": "http://testserver/feeds/atom/",
        "json": "http://testserver/feeds/json/",
        "author": "http://testserver/feeds/authors/{slug}/{format}/",
        "topic": "http://testserver/feeds/topics/{slug}/{format}/",
        "series": "http://testserver/feeds/series/{slug}/{format}/",
        "type": "http://testserver/feeds/types/{type}/{format}/",
        "formats": ["rss", "atom", "json"],
    }
    assert body["sitemaps"] == {
        "index": "http://testserver/sitemap.xml",
        "news": "http://testserver/sitemap-news.xml",
    }


def test_a_feeds_links_are_worked_out_once_per_process_and_origin(client, catalogue, response_cache_off):
    url = reverse("v1:author-detail", kwargs={"slug": "amna"})
    first = client.get(url)
    with recorded_calls(feed_links_module, "_feed_path") as reversed_paths:
        again = client.get(url)
        elsewhere = client.get(url, HTTP_HOST="localhost")

    assert feed_links(again) == feed_links(first) == expected("authors/amna/")
    assert feed_links(elsewhere) == {
        media_type: link.replace("http://testserver/", "http://localhost/")
        for media_type, link in feed_links(first).items()
    }
    # Another origin's links are made from the paths (a cache of their own) the first origin's needed.
    assert len(reversed_paths) == 3


def test_long_feed_queries_are_not_kept(client, catalogue):
    topic = "nuclear"
    query = f"q={'x' * 600}&topic={topic}"
    url = f"{reverse('v1:publication-list')}?{query}"
    kept = len(feed_links_module._url_sets)

    response = client.get(url)

    assert response.status_code == 200
    assert feed_links(response)  # linked all the same
    assert len(feed_links_module._url_sets) == kept
