"""HTTP caching: strong validators, 304s, Cache-Control lifetimes and Vary on lists and details."""

import datetime as dt
import time

import pytest
import time_machine
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils.cache import patch_vary_headers, set_response_etag
from django.utils.http import http_date, parse_http_date

from cissapi.api.http_caching import VARY, ResponseMeta, finalize, patch_vary
from tests.factories import AuthorFactory, PublicationFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def publication():
    return PublicationFactory(published=True, authors=[AuthorFactory()], topics=[TopicFactory()])


def urls(publication) -> list[str]:
    author = publication.authors.get()
    topic = publication.topics.get()
    return [
        reverse("v1:publication-list"),
        reverse("v1:publication-detail", kwargs={"slug": publication.slug}),
        reverse("v1:author-list"),
        reverse("v1:author-detail", kwargs={"slug": author.slug}),
        reverse("v1:author-publications", kwargs={"slug": author.slug}),
        reverse("v1:topic-list"),
        reverse("v1:topic-detail", kwargs={"slug": topic.slug}),
        reverse("v1:topic-publications", kwargs={"slug": topic.slug}),
    ]


def test_lists_and_details_carry_validators_and_cache_lifetimes(client, publication, settings):
    settings.API_CACHE_MAX_AGE = 30
    settings.API_CACHE_STALE_WHILE_REVALIDATE = 120
    for url in urls(publication):
        response = client.get(url)

        assert response.status_code == 200, url
        etag = response["ETag"]
        assert etag.startswith('"') and not etag.startswith("W/"), url  # strong
        # The newest change among what is shown: at least the piece going live, never in the future.
        last_modified = parse_http_date(response["Last-Modified"])
        assert int(publication.published_at.timestamp()) <= last_modified <= time.time(), url
        assert set(response["Cache-Control"].split(", ")) == {
            "public",
            "max-age=30",
            "stale-while-revalidate=120",
        }, url
        assert response["Vary"] == "Accept, Accept-Encoding, Origin, Authorization", url


def test_if_none_match_gives_304_without_a_body(client, publication):
    for url in urls(publication):
        etag = client.get(url)["ETag"]

        response = client.get(url, HTTP_IF_NONE_MATCH=etag)

        assert response.status_code == 304, url
        assert response.content == b""
        assert response["ETag"] == etag
        assert "max-age" in response["Cache-Control"]


def test_if_modified_since_gives_304_until_something_changes(client, publication):
    url = reverse("v1:publication-detail", kwargs={"slug": publication.slug})
    last_modified = client.get(url)["Last-Modified"]

    assert client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    earlier = http_date(parse_http_date(last_modified) - 60)
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200


@pytest.mark.parametrize(
    ("header", "value", "status"),
    [
        ("HTTP_IF_MATCH", '"other"', 412),
        ("HTTP_IF_UNMODIFIED_SINCE", "Mon, 01 Jan 2001 00:00:00 GMT", 412),
        ("HTTP_IF_NONE_MATCH", "*", 304),
        ("HTTP_IF_MODIFIED_SINCE", "Fri, 01 Jan 2100 00:00:00 GMT", 304),
        ("HTTP_IF_RANGE", "*", 200),  # not a precondition Django evaluates
    ],
)
def test_every_precondition_is_evaluated(header, value, status):
    # A response without any precondition skips Django's evaluation (http_caching._validate); each one
    # present still gets it. (Django's 412 is not in the OpenAPI document, so it is asked of finalize().)
    request = RequestFactory().get("/api/v1/publications/", **{header: value})
    meta = ResponseMeta(last_modified=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))

    response = finalize(request, HttpResponse(b"{}"), meta, vary=VARY)

    assert response.status_code == status


def test_an_edit_changes_the_etag_and_ends_the_304s(client, publication):
    url = reverse("v1:publication-detail", kwargs={"slug": publication.slug})
    etag = client.get(url)["ETag"]

    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(seconds=5)):
        publication.title = "A new title"
        publication.save()
        response = client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 200
    assert response["ETag"] != etag


def test_a_scheduled_piece_going_live_changes_list_validators(client, publication):
    url = reverse("v1:publication-list")
    before = client.get(url)
    scheduled = PublicationFactory(scheduled=True)
    assert client.get(url, HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304

    with time_machine.travel(scheduled.published_at + dt.timedelta(seconds=5)):
        by_etag = client.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
        by_date = client.get(url, HTTP_IF_MODIFIED_SINCE=before["Last-Modified"])

    assert by_etag.status_code == 200
    assert by_date.status_code == 200
    assert parse_http_date(by_date["Last-Modified"]) == int(scheduled.published_at.timestamp())


def test_errors_are_not_cacheable(client):
    response = client.get(reverse("v1:publication-detail", kwargs={"slug": "not-yet"}))

    assert response.status_code == 404
    assert response["Cache-Control"] == "no-store"
    assert "ETag" not in response


def test_head_answers_like_get(client, publication):
    url = reverse("v1:publication-detail", kwargs={"slug": publication.slug})
    get = client.get(url)

    head = client.head(url)

    assert head.status_code == 200
    assert head["ETag"] == get["ETag"]
    assert client.head(url, HTTP_IF_NONE_MATCH=get["ETag"]).status_code == 304


@pytest.mark.parametrize(
    "current",
    [
        None,
        "Accept",
        "Accept, Accept-Encoding, Origin, Authorization",
        "accept-encoding,origin",
        "Cookie ,  Accept",
        "*",
        "",
    ],
)
@pytest.mark.parametrize("vary", [("origin",), ("Accept-Encoding",), ("Accept", "Cookie"), ("*",)])
def test_patch_vary_writes_what_djangos_patch_vary_headers_writes(current, vary):
    # Twice each: the second is worked out once per process.
    for _ in range(2):
        ours, djangos = HttpResponse(), HttpResponse()
        if current is not None:
            ours.headers["Vary"] = djangos.headers["Vary"] = current
        patch_vary(ours, vary)
        patch_vary_headers(djangos, vary)
        assert ours.headers["Vary"] == djangos.headers["Vary"]


def test_an_etag_and_last_modified_are_djangos():
    request = RequestFactory().get("/")
    modified = dt.datetime(2026, 3, 4, 5, 6, 7, 890000, tzinfo=dt.UTC)
    for _ in range(2):
        response = finalize(
            request, HttpResponse(b'{"a":1}'), ResponseMeta(last_modified=modified), vary=VARY
        )
        expected = set_response_etag(HttpResponse(b'{"a":1}'))
        assert response.headers["ETag"] == expected.headers["ETag"]
        assert response.headers["Last-Modified"] == http_date(modified.timestamp())
    empty = finalize(request, HttpResponse(b""), ResponseMeta(), vary=VARY)
    assert "ETag" not in empty.headers
