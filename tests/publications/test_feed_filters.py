"""A feed for any list: the publications list's filters work on every feed, validated and cached alike."""

import feedparser
import pytest

from publications.models import Publication
from tests.factories import AuthorFactory, PublicationFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pieces():
    author, topic = AuthorFactory(slug="amna"), TopicFactory(slug="nuclear")
    return {
        "match": PublicationFactory(
            published=True, type=Publication.Type.POLICY_PAPER, authors=[author], topics=[topic]
        ),
        "other_type": PublicationFactory(published=True, authors=[author], topics=[topic]),
        "other_author": PublicationFactory(
            published=True, type=Publication.Type.POLICY_PAPER, topics=[topic]
        ),
        "other_topic": PublicationFactory(
            published=True, type=Publication.Type.POLICY_PAPER, authors=[author]
        ),
    }


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    if response["Content-Type"].startswith("application/feed+json"):
        return [item["id"] for item in response.json()["items"]]
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    return [entry.id for entry in parsed.entries]


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_every_list_filter_works_on_the_site_feed(client, pieces, fmt):
    response = client.get(f"/feeds/{fmt}/", {"topic": "nuclear", "author": "amna", "type": "policy_paper"})

    assert ids(response) == [f"urn:uuid:{pieces['match'].uuid}"]


def test_filters_narrow_a_collection_feed_too(client, pieces):
    response = client.get("/feeds/authors/amna/atom/", {"type": "commentary"})

    assert ids(response) == [f"urn:uuid:{pieces['other_type'].uuid}"]


def test_the_self_link_names_the_filtered_feed_canonically(client, pieces):
    response = client.get("/feeds/atom/?utm_source=x&type=policy_paper&full=1&author=amna&topic=")
    links = {link.rel: link.href for link in feedparser.parse(response.content).feed.links}

    assert links["self"] == "http://testserver/feeds/atom/?author=amna&type=policy_paper&full=1"


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"type": "poem"}, "type"),
        ({"author": "a b"}, "author"),
        ({"published_after": "yesterday"}, "published_after"),
        ({"topic_match": "some"}, "topic_match"),
        ({"type": ["report", "book"]}, "type"),
        ({"topic": ",".join(f"t{n}" for n in range(100))}, "topic"),
    ],
    ids=str,
)
def test_bad_filter_values_are_the_lists_400_problem(client, params, parameter):
    response = client.get("/feeds/rss/", params)
    listed = client.get("/api/v1/publications/", params)

    assert response.status_code == listed.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [error["parameter"] for error in response.json()["errors"]] == [parameter]
    assert response.json()["errors"] == listed.json()["errors"]


def test_unknown_parameters_are_still_ignored(client, pieces):
    response = client.get("/feeds/rss/", {"utm_source": "newsletter", "ordering": "title", "topics": "x"})

    assert len(ids(response)) == 4


def test_each_filter_is_its_own_cache_entry_whatever_the_spelling(client, pieces, settings):
    settings.API_CACHE = True
    narrow = ids(client.get("/feeds/rss/?type=policy_paper&author=amna&topic=nuclear"))
    wide = ids(client.get("/feeds/rss/?type=policy_paper"))
    respelt = client.get("/feeds/rss/?topic=nuclear&utm_source=x&author=amna&type=policy_paper")

    assert narrow == [f"urn:uuid:{pieces['match'].uuid}"]
    assert len(wide) == 3
    assert ids(respelt) == narrow
    assert respelt["ETag"] == client.get("/feeds/rss/?type=policy_paper&author=amna&topic=nuclear")["ETag"]
