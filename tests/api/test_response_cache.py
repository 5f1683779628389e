"""Whole-response caching (settings.API_CACHE): every kind of edit shows at once, scheduled pieces appear at
their time with the cache warm and no job, nothing unpublished is served from it, and each response names
what it shows in Surrogate-Key and Cache-Tag."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from cissapi.api.generation import current_generation
from publications.related import related_candidates_rebuild_missing
from publications.services import publication_publish, publication_unpublish
from tests.factories import AuthorFactory, PublicationFactory, SeriesFactory, TopicFactory

pytestmark = pytest.mark.django_db

LIST = reverse("v1:publication-list")
FEED = "/feeds/json/"


@pytest.fixture(autouse=True)
def api_cache(settings):
    settings.API_CACHE = True
    settings.API_CACHE_COUNTS = True


@pytest.fixture
def author():
    return AuthorFactory(slug="anum-riaz", name="Anum Riaz", short_bio="Writes on arms control.")


@pytest.fixture
def topic():
    return TopicFactory(slug="arms-control", name="Arms Control")


@pytest.fixture
def piece(author, topic):
    return PublicationFactory(published=True, title="Deterrence today", authors=[author], topics=[topic])


def detail_url(publication) -> str:
    return reverse("v1:publication-detail", kwargs={"slug": publication.slug})


def titles(client, url: str = LIST) -> list[str]:
    return [item["title"] for item in client.get(url).json()["results"]]


def feed_titles(client) -> list[str]:
    return [item["title"] for item in client.get(FEED).json()["items"]]


def test_a_repeated_request_is_answered_from_the_cache(client, piece, django_assert_num_queries):
    first = client.get(LIST)

    with django_assert_num_queries(1):  # the catalogue generation with the cached response
        again = client.get(LIST)

    assert again.content == first.content
    assert again["ETag"] == first["ETag"]


def test_the_query_string_is_part_of_the_key(client, piece):
    PublicationFactory(published=True, title="Second piece")

    assert len(client.get(LIST, {"page_size": 1}).json()["results"]) == 1
    assert len(client.get(LIST, {"page_size": 2}).json()["results"]) == 2


def test_publishing_shows_at_once_on_lists_and_feeds(client, piece):
    draft = PublicationFactory(title="Fresh analysis", ready=True)
    assert titles(client) == ["Deterrence today"]
    assert feed_titles(client) == ["Deterrence today"]

    publication_publish(publication=draft)

    assert titles(client) == ["Fresh analysis", "Deterrence today"]
    assert feed_titles(client) == ["Fresh analysis", "Deterrence today"]
    assert client.get(detail_url(draft)).status_code == 200


def test_an_edit_shows_at_once(client, piece):
    assert client.get(detail_url(piece)).json()["title"] == "Deterrence today"
    assert titles(client) == ["Deterrence today"]

    piece.title = "Deterrence tomorrow"
    piece.save()

    assert client.get(detail_url(piece)).json()["title"] == "Deterrence tomorrow"
    assert titles(client) == ["Deterrence tomorrow"]


def test_unpublishing_takes_the_piece_off_cached_lists_details_and_feeds(client, piece, author):
    author_publications = reverse("v1:author-publications", kwargs={"slug": author.slug})
    assert client.get(detail_url(piece)).status_code == 200
    assert titles(client, author_publications) == ["Deterrence today"]
    assert feed_titles(client) == ["Deterrence today"]

    publication_unpublish(publication=piece)

    assert client.get(detail_url(piece)).status_code == 404
    assert titles(client) == []
    assert client.get(author_publications).json()["count"] == 0
    assert feed_titles(client) == []


def test_deleting_takes_the_piece_off_cached_responses(client, piece):
    url = detail_url(piece)
    assert client.get(url).status_code == 200
    assert titles(client) == ["Deterrence today"]

    piece.delete()

    assert client.get(url).status_code == 404
    assert titles(client) == []


def test_an_author_bio_edit_shows_at_once(client, piece, author):
    url = reverse("v1:author-detail", kwargs={"slug": author.slug})
    assert client.get(url).json()["short_bio"] == "Writes on arms control."

    author.short_bio = "Writes on space security."
    author.headline = "Director"
    author.save()

    assert client.get(url).json()["short_bio"] == "Writes on space security."
    assert client.get(LIST).json()["results"][0]["authors"][0]["headline"] == "Director"


def test_renaming_a_topic_or_series_shows_at_once(client, piece, topic):
    series = SeriesFactory(name="CISS Insight")
    piece.series = series
    piece.save()
    topics = client.get(detail_url(piece)).json()["topics"]
    assert [{"slug": t["slug"], "name": t["name"]} for t in topics] == [
        {"slug": "arms-control", "name": "Arms Control"}
    ]
    assert client.get(LIST).json()["results"][0]["series"]["name"] == "CISS Insight"

    topic.name = "Arms Control and Disarmament"
    topic.save()
    series.name = "Strategic Studies"
    series.save()

    assert client.get(detail_url(piece)).json()["topics"][0]["name"] == "Arms Control and Disarmament"
    assert client.get(LIST).json()["results"][0]["series"]["name"] == "Strategic Studies"


def test_authorship_and_topic_changes_show_at_once(client, piece):
    assert [a["slug"] for a in client.get(LIST).json()["results"][0]["authors"]] == ["anum-riaz"]

    piece.authors.add(AuthorFactory(slug="bilal-zubair"), through_defaults={"position": 1})
    piece.topics.add(TopicFactory(slug="space", name="Space"))

    item = client.get(LIST).json()["results"][0]
    assert [a["slug"] for a in item["authors"]] == ["anum-riaz", "bilal-zubair"]
    assert [t["slug"] for t in item["topics"]] == ["arms-control", "space"]


def test_a_scheduled_piece_appears_at_its_time_with_the_cache_warm_and_no_job(client, piece):
    scheduled = PublicationFactory(scheduled=True, title="Tomorrow's brief")
    assert titles(client) == ["Deterrence today"]
    assert feed_titles(client) == ["Deterrence today"]
    assert client.get(detail_url(scheduled)).status_code == 404
    # Nothing cached may outlive the moment the piece goes live.
    assert current_generation().ends_at == scheduled.published_at.timestamp()

    with time_machine.travel(scheduled.published_at - dt.timedelta(seconds=1)):
        assert titles(client) == ["Deterrence today"]
    with time_machine.travel(scheduled.published_at + dt.timedelta(seconds=1)):
        assert titles(client) == ["Tomorrow's brief", "Deterrence today"]
        assert client.get(LIST).json()["count"] == 2
        assert feed_titles(client) == ["Tomorrow's brief", "Deterrence today"]
        assert client.get(detail_url(scheduled)).status_code == 200


def test_cache_entries_live_no_longer_than_the_next_scheduled_piece(piece):
    scheduled = PublicationFactory(scheduled=True, published_at=timezone.now() + dt.timedelta(minutes=10))

    generation = current_generation()

    assert generation.ends_at == scheduled.published_at.timestamp()
    assert 590 <= generation.timeout(3600) <= 600


def test_nothing_unpublished_is_served_from_a_warm_cache(client, piece, author):
    hidden = [
        PublicationFactory(title="Draft deterrence", authors=[author]),
        PublicationFactory(in_review=True, title="Deterrence in review", authors=[author]),
        PublicationFactory(scheduled=True, title="Scheduled deterrence", authors=[author]),
    ]
    urls = [
        LIST,
        f"{LIST}?q=deterrence",
        reverse("v1:author-publications", kwargs={"slug": author.slug}),
        FEED,
    ]
    for _ in range(2):  # the second round is answered from the cache
        for url in urls:
            assert "Deterrence today" in client.get(url).content.decode()
            for publication in hidden:
                assert publication.title not in client.get(url).content.decode(), url
        for publication in hidden:
            assert client.get(detail_url(publication)).status_code == 404


def test_cached_responses_still_answer_304(client, piece, django_assert_num_queries):
    for url in (LIST, detail_url(piece), FEED):
        first = client.get(url)

        with django_assert_num_queries(1):  # the catalogue generation with the cached response
            revalidated = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

        assert revalidated.status_code == 304, url
        assert revalidated.content == b""
    cached = client.get(LIST)
    assert client.get(LIST, HTTP_IF_MODIFIED_SINCE=cached["Last-Modified"]).status_code == 304


def test_errors_are_never_cached(client):
    scheduled = PublicationFactory(scheduled=True)
    assert client.get(detail_url(scheduled)).status_code == 404
    assert client.get(LIST, {"page_size": 0}).status_code == 400

    with time_machine.travel(scheduled.published_at + dt.timedelta(seconds=1)):
        assert client.get(detail_url(scheduled)).status_code == 200


def test_responses_name_the_publications_and_authors_they_show(client, piece, author, topic):
    other = PublicationFactory(published=True, authors=[AuthorFactory()], topics=[topic])
    second_author = other.authors.get()

    listing = client.get(LIST)
    detail = client.get(detail_url(piece))
    bio = client.get(reverse("v1:author-detail", kwargs={"slug": author.slug}))

    assert set(listing["Surrogate-Key"].split(" ")) == {
        "catalogue",
        "publications",
        f"publication-{piece.pk}",
        f"publication-{other.pk}",
        f"author-{author.pk}",
        f"author-{second_author.pk}",
        f"topic-{topic.pk}",
    }
    # The piece, its author and topic, and the related piece it links to.
    assert set(detail["Surrogate-Key"].split(" ")) == {
        "catalogue",
        f"publication-{piece.pk}",
        f"author-{author.pk}",
        f"topic-{topic.pk}",
        f"publication-{other.pk}",
    }
    assert bio["Surrogate-Key"] == f"catalogue author-{author.pk}"
    for response in (listing, detail, bio):
        assert response["Cache-Tag"].split(",") == response["Surrogate-Key"].split(" ")


def test_a_cached_response_keeps_its_surrogate_keys(client, piece, author):
    first = client.get(detail_url(piece))

    again = client.get(detail_url(piece))

    assert again["Surrogate-Key"] == first["Surrogate-Key"]
    assert again["Last-Modified"] == first["Last-Modified"]
    assert again["Cache-Control"] == first["Cache-Control"]


def test_the_change_feed_is_not_cached(client, piece):
    url = "/api/v1/changes/"
    first = client.get(url)
    piece.title = "Renamed"
    piece.save()

    assert client.get(url).content != first.content
    # A CDN in front may still keep it for max-age; purging the catalogue key purges it too.
    assert first["Surrogate-Key"].split() == ["catalogue"]


def test_with_the_cache_off_nothing_is_stored(client, piece, settings, django_assert_num_queries):
    settings.API_CACHE = False
    settings.API_CACHE_COUNTS = False
    client.get(detail_url(piece))
    related_candidates_rebuild_missing()  # as the worker does after a write

    with django_assert_num_queries(2):  # the piece; its stored related pieces — no cache lookups
        client.get(detail_url(piece))


# --- Abuse: other spellings, floods, huge bodies, partners ---------------------------------------------
@pytest.mark.parametrize(
    ("query", "host"),
    [
        ("page_size=5&type=commentary", "testserver"),
        ("type=commentary&page_size=5", "testserver"),
        ("page_size=5&type=commentary", "TESTSERVER"),
        ("page_size=5&type=commentary", "testserver:80"),
        ("page_size=5&type=commentary", "TestServer."),
    ],
)
def test_other_spellings_of_a_request_share_its_entry(client, piece, django_assert_num_queries, query, host):
    first = client.get(f"{LIST}?page_size=5&type=commentary")

    with django_assert_num_queries(1):  # the catalogue generation with the cached response
        again = client.get(f"{LIST}?{query}", HTTP_HOST=host)

    assert again.status_code == 200
    assert again.content == first.content


def test_links_are_built_on_the_canonical_host(client, piece, settings):
    settings.API_CACHE = False

    body = client.get(LIST, HTTP_HOST="TESTSERVER:80").json()

    assert body["results"][0]["url"].startswith("http://testserver/api/v1/")


def cache_rows() -> dict[str, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, value FROM cissapi_cache")
        return dict(cursor.fetchall())


@pytest.mark.database_cache
def test_a_flood_of_distinct_urls_keeps_the_generation_the_marks_and_the_bounds(client, piece, settings):
    max_entries = 12
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "OPTIONS": {"MAX_ENTRIES": max_entries}},
    }
    generation = current_generation().token
    # The marks of the keys the piece's publication changed: they expire by themselves, never culled.
    marks = {key for key in cache_rows() if key.startswith("cissapi:1:api:changed:")}
    assert f"cissapi:1:api:changed:publication-{piece.pk}" in marks

    for number in range(4 * max_entries):  # each search: a response and a count
        assert client.get(LIST, {"q": f"word{number}"}).status_code == 200
        entries = cache_rows().keys() - marks
        assert len(entries) <= max_entries + 2  # and the generation and the time of the last change

    assert current_generation().token == generation
    assert {"cissapi:1:api:generation", "cissapi:1:api:changed-at", *marks} <= cache_rows().keys()


@pytest.mark.database_cache
def test_refused_spellings_never_reach_the_cache(client, piece):
    client.get(LIST)
    before = cache_rows()

    for query in ("page=१", "page=01", "utm_source=x", "page=1&page=1", "topic=a&topics=b"):
        assert client.get(f"{LIST}?{query}").status_code == 400

    assert cache_rows().keys() == before.keys()


def test_a_body_over_the_limit_is_served_but_not_kept(client, piece, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = detail_url(piece)
    settings.API_CACHE_MAX_BODY_BYTES = len(client.get(url, {"fields": "slug"}).content)
    client.get(url)

    with CaptureQueriesContext(connection) as whole:
        response = client.get(url)
    with CaptureQueriesContext(connection) as trimmed:
        small = client.get(url, {"fields": "slug"})

    assert response.status_code == small.status_code == 200
    assert len(response.content) > settings.API_CACHE_MAX_BODY_BYTES
    assert len(whole) > 1  # computed again: the piece and its related pieces
    assert len(trimmed) == 1  # the small one was kept: one read of the cache


def test_a_partner_answer_is_private_and_every_answer_varies_by_authorization(client, piece, partner_key):
    _, key = partner_key
    for url in (LIST, detail_url(piece), FEED):
        anonymous = client.get(url)
        partner = client.get(url, HTTP_AUTHORIZATION=f"Api-Key {key}")

        assert "public" in anonymous["Cache-Control"], url
        assert "private" in partner["Cache-Control"] and "public" not in partner["Cache-Control"], url
        for response in (anonymous, partner):
            assert "Authorization" in response["Vary"], url
        assert partner.content == anonymous.content, url


@pytest.mark.database_cache
def test_feeds_ignore_tracking_parameters_and_keep_them_out_of_the_cache(client, piece):
    first = client.get(FEED, {"utm_source": "newsletter", "utm_medium": "email"})
    rows = cache_rows()

    again = client.get(FEED, {"utm_source": "other", "fbclid": "x"})
    full = client.get(FEED, {"full": "true", "utm_source": "x"})

    assert first.status_code == again.status_code == full.status_code == 200
    assert again.content == first.content
    assert first.json()["feed_url"] == "http://testserver/feeds/json/"
    assert full.json()["feed_url"] == "http://testserver/feeds/json/?full=1"
    assert len(cache_rows()) == len(rows) + 1  # the full-text feed; the second reader's was a hit
    assert client.get(FEED, {"full": ["1", "0"]}).status_code == 400
