"""Rate limits said up front: RateLimit-Policy / RateLimit (draft-ietf-httpapi-ratelimit-headers) on every
response, per client, never kept in the response cache; CORS lets browsers read them."""

import re

import pytest

from partners.services import api_key_issue
from tests.factories import PartnerFactory, PublicationFactory

pytestmark = pytest.mark.django_db

STATE = re.compile(r'"(?P<policy>[a-z]+)";r=(?P<remaining>\d+);t=(?P<reset>\d+)')


@pytest.fixture
def three_a_minute(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/minute"}}


def state(response) -> tuple[str, int, int]:
    match = STATE.fullmatch(response["RateLimit"])
    assert match, response["RateLimit"]
    return match["policy"], int(match["remaining"]), int(match["reset"])


@pytest.mark.parametrize(
    "url", ["/api/v1/", "/api/v1/publications/", "/api/v1/changes/", "/feeds/rss/", "/sitemap.xml"]
)
def test_anonymous_clients_see_their_allowance_everywhere(client, three_a_minute, url):
    response = client.get(url)

    assert response.status_code == 200
    assert response["RateLimit-Policy"] == '"anonymous";q=3;w=60'
    assert state(response)[:2] == ("anonymous", 2)
    assert 0 < state(response)[2] <= 60


def test_the_allowance_counts_down_across_cached_answers_and_is_zero_when_refused(
    client, three_a_minute, settings
):
    settings.API_CACHE = True
    PublicationFactory(published=True)
    answers = [client.get("/api/v1/publications/") for _ in range(4)]

    assert [state(answer)[1] for answer in answers] == [2, 1, 0, 0]
    assert answers[3].status_code == 429
    assert int(answers[3]["Retry-After"]) >= state(answers[3])[2] - 1
    # Per client: another address still has its whole allowance from the same cache entry.
    other = client.get("/api/v1/publications/", REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 200 and state(other)[1] == 2


def test_a_partner_sees_its_own_rate(client):
    _, key = api_key_issue(partner=PartnerFactory(throttle_rate="100/hour"), name="sync")

    first = client.get("/api/v1/publications/", HTTP_AUTHORIZATION=f"Api-Key {key}")
    second = client.get("/feeds/atom/", HTTP_AUTHORIZATION=f"Api-Key {key}")

    assert first["RateLimit-Policy"] == '"partner";q=100;w=3600'
    assert state(first)[:2] == ("partner", 99)
    assert state(second)[:2] == ("partner", 98)
    assert 0 < state(second)[2] <= 3600


def test_without_a_throttle_there_is_no_policy_to_announce(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": None}}

    response = client.get("/api/v1/")

    assert "RateLimit" not in response and "RateLimit-Policy" not in response


def test_cors_exposes_the_rate_limit_fields_and_preflight_allows_if_none_match(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://ciss.example.org"]
    response = client.get("/api/v1/", HTTP_ORIGIN="https://ciss.example.org")
    preflight = client.options(
        "/api/v1/publications/",
        HTTP_ORIGIN="https://ciss.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match, authorization",
    )

    exposed = set(response["Access-Control-Expose-Headers"].split(", "))
    assert {"RateLimit-Policy", "RateLimit", "Retry-After", "ETag", "Link"} <= exposed
    allowed = set(preflight["Access-Control-Allow-Headers"].split(", "))
    assert {"if-none-match", "authorization"} <= allowed
