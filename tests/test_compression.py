"""gzip for the API, feeds and sitemaps when the client accepts it, with ETags that still match."""

import gzip
import os

import pytest
from django.http import HttpResponse
from django.http.response import ResponseHeaders
from django.middleware.gzip import GZipMiddleware

from cissapi.compression import CompressedOnce, CompressedOnceResponse, PublicGZipMiddleware
from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


@pytest.fixture(autouse=True)
def catalogue():
    PublicationFactory.create_batch(3, published=True)


@pytest.mark.parametrize(
    "url",
    ["/api/v1/publications/", "/api/v1/", "/feeds/rss/", "/feeds/json/?full=1", "/sitemap-publications.xml"],
)
def test_answers_are_gzipped_when_accepted_and_say_so(client, url):
    plain = client.get(url)
    compressed = client.get(url, **GZIP)

    assert compressed.status_code == plain.status_code == 200
    assert compressed["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain
    assert gzip.decompress(compressed.content) == plain.content
    assert "Accept-Encoding" in compressed["Vary"] and "Accept-Encoding" in plain["Vary"]


@pytest.mark.parametrize("url", ["/api/v1/publications/", "/feeds/atom/", "/sitemap-publications.xml"])
def test_etags_still_match_compressed_or_not(client, url):
    plain = client.get(url)
    compressed = client.get(url, **GZIP)

    assert compressed["ETag"] == f"W/{plain['ETag']}"
    for etag in (plain["ETag"], compressed["ETag"]):
        for headers in ({}, GZIP):
            again = client.get(url, HTTP_IF_NONE_MATCH=etag, **headers)
            assert again.status_code == 304, (etag, headers)
            # The 304 names the ETag as the client's representation has it.
            assert again["ETag"] == (compressed["ETag"] if headers else plain["ETag"])


def test_a_cached_answer_is_compressed_too(client, settings):
    settings.API_CACHE = True
    first = client.get("/api/v1/publications/", **GZIP)
    second = client.get("/api/v1/publications/", **GZIP)

    assert second["Content-Encoding"] == "gzip"
    assert gzip.decompress(second.content) == gzip.decompress(first.content)


def test_the_admin_is_never_compressed(admin_client):
    # Its pages hold CSRF tokens beside text an attacker can choose (BREACH).
    response = admin_client.get("/admin/", **GZIP)

    assert response.status_code == 200
    assert "Content-Encoding" not in response


@pytest.mark.parametrize(
    ("body", "headers", "accept"),
    [
        (b'{"results": []}' * 40, {"ETag": '"abc"', "Vary": "Accept"}, "gzip, br"),
        (b'{"results": []}' * 40, {"ETag": '"abc"'}, ""),
        (b"short", {"ETag": '"abc"'}, "gzip"),
        (os.urandom(300), {}, "gzip"),  # compressed, it would be longer: sent as it is
        (b"x" * 500, {"Content-Encoding": "br"}, "gzip"),
    ],
    ids=["compressed", "not-accepted", "short", "incompressible", "already-encoded"],
)
@pytest.mark.parametrize("prepared", [False, True], ids=["headers", "prepared-headers"])
def test_a_body_compressed_once_is_sent_as_gzipmiddleware_sends_it(
    rf, monkeypatch, body, headers, accept, prepared
):
    # Without Django's random padding the two are the same bytes.
    monkeypatch.setattr(GZipMiddleware, "max_random_bytes", 0)
    request = rf.get("/api/v1/publications/", HTTP_ACCEPT_ENCODING=accept)
    once = CompressedOnce(body)
    kept = ResponseHeaders(headers) if prepared else headers
    middleware = PublicGZipMiddleware(lambda request: HttpResponse())
    for _ in range(2):  # compressed the first time, then sent as kept
        expected = GZipMiddleware(lambda request: HttpResponse()).process_response(
            request, HttpResponse(body, headers=headers)
        )
        got = middleware.process_response(request, CompressedOnceResponse(once, kept))
        assert list(got.headers.items()) == list(expected.headers.items())
        assert got.content == expected.content


def test_headers_changed_above_the_early_layer_leave_the_kept_ones_as_they_were():
    kept = ResponseHeaders({"Content-Type": "application/json", "Vary": "Accept"})
    once = CompressedOnce(b"{}")
    CompressedOnceResponse(once, kept).headers["Vary"] = "Accept, Origin"

    assert list(CompressedOnceResponse(once, kept).headers.items()) == [
        ("Content-Type", "application/json"),
        ("Vary", "Accept"),
    ]


def test_a_body_replaced_above_the_early_layer_is_compressed_as_it_is_now(rf):
    request = rf.get("/api/v1/publications/", HTTP_ACCEPT_ENCODING="gzip")
    response = CompressedOnceResponse(CompressedOnce(b"a" * 400), {})
    response.content = b"b" * 400

    sent = PublicGZipMiddleware(lambda request: HttpResponse()).process_response(request, response)

    assert gzip.decompress(sent.content) == b"b" * 400
