"""`/api/v1/export/`: the public catalogue as JSON Lines of detail documents, gzip-compressed when accepted,
with the change-feed cursor it is consistent with, in bounded memory."""

import gzip
import json
import tracemalloc

import pytest
from django.test import RequestFactory

from cissapi.api.documents import ApiUrls
from partners.services import api_key_issue
from publications.api.export import export_lines
from publications.services import publication_unpublish
from tests.factories import AuthorFactory, PartnerFactory, PublicationFactory, TopicFactory

pytestmark = pytest.mark.django_db

EXPORT = "/api/v1/export/"


def lines(response) -> list[dict]:
    assert response.status_code == 200, response.content
    body = b"".join(response.streaming_content)
    if response.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    assert body == b"" or body.endswith(b"\n")
    return [json.loads(line) for line in body.splitlines()]


def test_every_public_piece_is_a_line_holding_its_detail_document(client):
    author, topic = AuthorFactory(), TopicFactory()
    first = PublicationFactory(published=True, authors=[author], topics=[topic])
    second = PublicationFactory(published=True, authors=[author])
    PublicationFactory()  # a draft
    PublicationFactory(scheduled=True)

    response = client.get(EXPORT)
    exported = lines(response)

    assert response["Content-Type"] == "application/x-ndjson"
    assert response["Cache-Control"] == "no-store"
    # The detail's own document, `related` aside (navigation, not catalogue content).
    details = [client.get(f"/api/v1/publications/{p.slug}/").json() for p in (first, second)]
    assert exported == [{**detail, "related": []} for detail in details]


def test_it_is_gzip_compressed_when_the_client_accepts_it(client):
    PublicationFactory.create_batch(5, published=True)

    plain = client.get(EXPORT)
    compressed = client.get(EXPORT, HTTP_ACCEPT_ENCODING="gzip")

    assert compressed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed["Vary"]
    assert lines(compressed) == lines(plain)


def test_following_the_change_feed_from_its_cursor_misses_nothing_and_repeats_nothing_old(client):
    before = PublicationFactory(published=True)
    withdrawn = PublicationFactory(published=True)
    response = client.get(EXPORT)
    replica = {line["uuid"]: line for line in lines(response)}
    cursor = response["X-Change-Cursor"]

    later = PublicationFactory(published=True)
    publication_unpublish(publication=withdrawn)
    changes = client.get("/api/v1/changes/", {"since": cursor}).json()["results"]

    assert set(replica) == {str(before.uuid), str(withdrawn.uuid)}
    assert [(change["uuid"], change["kind"]) for change in changes] == [
        (str(later.uuid), "published"),
        (str(withdrawn.uuid), "unpublished"),
    ]


def test_an_empty_log_has_no_cursor_to_give(client):
    response = client.get(EXPORT)

    assert lines(response) == []
    assert "X-Change-Cursor" not in response


def test_it_is_never_served_from_the_response_cache(client, settings):
    settings.API_CACHE = True
    PublicationFactory(published=True)
    assert len(lines(client.get(EXPORT))) == 1

    PublicationFactory(published=True)

    assert len(lines(client.get(EXPORT))) == 2


def test_partners_download_it_with_their_key_and_rate(client):
    _, key = api_key_issue(partner=PartnerFactory(throttle_rate="1/hour"), name="sync")
    PublicationFactory(published=True)

    first = client.get(EXPORT, HTTP_AUTHORIZATION=f"Api-Key {key}")
    second = client.get(EXPORT, HTTP_AUTHORIZATION=f"Api-Key {key}")

    assert len(lines(first)) == 1
    assert second.status_code == 429
    assert "Retry-After" in second


def test_anonymous_clients_are_throttled(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "1/minute"}}

    assert client.get(EXPORT).status_code == 200
    assert client.get(EXPORT).status_code == 429


def test_anonymous_clients_have_an_export_allowance_of_their_own(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100/minute", "anon_export": "2/hour"},
    }
    PublicationFactory(published=True)

    first, second, third = (client.get(EXPORT) for _ in range(3))

    assert [first.status_code, second.status_code, third.status_code] == [200, 200, 429]
    assert third["Content-Type"] == "application/problem+json"
    assert 0 < int(third["Retry-After"]) <= 3600
    # The allowance told is the export's, the tighter one.
    assert second["RateLimit-Policy"] == '"anonymous-export";q=2;w=3600'
    assert second["RateLimit"].startswith('"anonymous-export";r=0;')
    # Other requests from the same address go on under the API's rate.
    assert client.get("/api/v1/publications/").status_code == 200
    # Another address has its own allowance.
    assert client.get(EXPORT, REMOTE_ADDR="192.0.2.7").status_code == 200


def test_partners_are_not_held_to_the_anonymous_export_allowance(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100/minute", "anon_export": "1/hour"},
    }
    _, key = api_key_issue(partner=PartnerFactory(throttle_rate="100/hour"), name="sync")
    assert client.get(EXPORT).status_code == 200

    downloads = [client.get(EXPORT, HTTP_AUTHORIZATION=f"Api-Key {key}") for _ in range(3)]

    assert [response.status_code for response in downloads] == [200, 200, 200]
    assert client.get(EXPORT).status_code == 429


def test_unknown_parameters_are_a_400_problem_and_any_accept_gets_the_lines(client):
    refused = client.get(EXPORT, {"since": "x"})
    accepted = client.get(EXPORT, HTTP_ACCEPT="application/x-ndjson")

    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["errors"][0]["parameter"] == "since"
    assert accepted.status_code == 200


def streamed(urls: ApiUrls, chunk_size: int) -> tuple[int, int]:
    """Bytes the export streams and the peak of memory allocated while it does."""
    tracemalloc.start()
    try:
        total = sum(len(chunk) for chunk in export_lines(urls, chunk_size=chunk_size))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return total, peak


def test_the_stream_never_holds_the_whole_catalogue_in_memory():
    body = "<p>" + "policy " * 600 + "</p>"  # ~4 KB a piece
    urls = ApiUrls(RequestFactory().get(EXPORT))
    PublicationFactory.create_batch(100, published=True, body=body)
    streamed(urls, 25)  # warms what is allocated once per process (query compilation, caches)
    small_total, small_peak = streamed(urls, 25)

    PublicationFactory.create_batch(200, published=True, body=body)
    total, peak = streamed(urls, 25)
    _, materialised_peak = streamed(urls, 300)  # one chunk of everything: what a list would cost

    assert total > 2.5 * small_total > 1_000_000
    # Three times the catalogue, about the same memory: one chunk of rows and lines at a time.
    assert peak < 1.3 * small_peak, (small_peak, peak)
    assert peak < materialised_peak / 3, (peak, materialised_peak)
