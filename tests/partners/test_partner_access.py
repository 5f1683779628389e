"""Partner keys against the whole public surface: every API endpoint, the change feed and the feeds."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from partners.models import ApiKeyUsage
from partners.services import api_key_issue, api_key_revoke
from tests.factories import AuthorFactory, PartnerFactory, PublicationFactory, SeriesFactory, TopicFactory

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "/api/v1/",
    "/api/v1/publications/",
    "/api/v1/publications/piece/",
    "/api/v1/authors/",
    "/api/v1/authors/amna/",
    "/api/v1/authors/amna/publications/",
    "/api/v1/topics/",
    "/api/v1/topics/nuclear/",
    "/api/v1/topics/nuclear/publications/",
    "/api/v1/series/",
    "/api/v1/series/cv/",
    "/api/v1/series/cv/publications/",
    "/api/v1/outlets/",
    "/api/v1/changes/",
    "/feeds/rss/",
    "/feeds/authors/amna/atom/",
    "/feeds/types/commentary/json/",
]


def auth(key: str) -> dict:
    return {"authorization": f"Api-Key {key}"}


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response["Cache-Control"] == "no-store"
    return response.json()


@pytest.fixture
def catalogue():
    PublicationFactory(
        published=True,
        slug="piece",
        authors=[AuthorFactory(slug="amna")],
        topics=[TopicFactory(slug="nuclear")],
        series=SeriesFactory(slug="cv"),
    )


@pytest.fixture
def anonymous_rate(settings):
    def set_rate(rate):
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": rate}}

    return set_rate


def test_a_valid_key_works_on_every_endpoint_and_each_request_is_counted(client, catalogue, partner_key):
    api_key, key = partner_key

    statuses = {url: client.get(url, headers=auth(key)).status_code for url in ENDPOINTS}

    assert statuses == dict.fromkeys(ENDPOINTS, 200)
    assert ApiKeyUsage.objects.get(api_key=api_key).requests == len(ENDPOINTS)


@pytest.mark.parametrize("url", ["/api/v1/publications/", "/api/v1/changes/", "/feeds/atom/"])
def test_partners_are_held_to_their_own_rate_not_the_anonymous_one(client, anonymous_rate, mid_window, url):
    anonymous_rate("1/minute")
    _, key = api_key_issue(partner=PartnerFactory(throttle_rate="3/minute"), name="sync")

    partner = [client.get(url, headers=auth(key)).status_code for _ in range(4)]
    anonymous = [client.get(url).status_code for _ in range(2)]

    assert partner == [200, 200, 200, 429]
    assert anonymous == [200, 429]


@pytest.mark.parametrize("url", ["/api/v1/publications/", "/api/v1/changes/", "/feeds/rss/"])
def test_a_throttled_partner_gets_a_429_problem_with_retry_after(client, mid_window, url):
    _, key = api_key_issue(partner=PartnerFactory(throttle_rate="1/hour"), name="sync")
    client.get(url, headers=auth(key))

    response = client.get(url, headers=auth(key))

    assert problem(response, 429)["title"] == "Too Many Requests"
    # The hour's window began 10 s ago.
    assert int(response["Retry-After"]) == 3590


@pytest.mark.parametrize("url", ["/api/v1/publications/piece/", "/api/v1/changes/", "/feeds/json/"])
def test_unknown_revoked_and_expired_keys_are_401_problems_never_anonymous_access(
    client, catalogue, partner_key, url
):
    api_key, key = partner_key
    expires_at = timezone.now() + dt.timedelta(days=1)
    _, expiring = api_key_issue(partner=PartnerFactory(), name="trial", expires_at=expires_at)
    unknown = client.get(url, headers=auth(key.split(".")[0] + "." + "A" * 43))
    api_key_revoke(api_key=api_key)
    revoked = client.get(url, headers=auth(key))
    with time_machine.travel(expires_at + dt.timedelta(seconds=1)):
        expired = client.get(url, headers=auth(expiring))

    for response, detail in [
        (unknown, "Unknown API key."),
        (revoked, "This API key has been revoked."),
        (expired, "This API key has expired."),
    ]:
        assert problem(response, 401)["detail"] == detail
        assert response["WWW-Authenticate"] == "Api-Key"


def test_other_authorization_schemes_are_anonymous_access(client, catalogue):
    # Only the Api-Key scheme is ours; a proxy's Basic credentials must not lock anyone out.
    assert client.get("/api/v1/publications/", headers={"authorization": "Basic dTpw"}).status_code == 200


@pytest.mark.database_cache
def test_a_partner_request_costs_a_fixed_number_of_queries(
    client, catalogue, partner_key, response_cache_off, django_assert_num_queries
):
    _, key = partner_key
    client.get("/api/v1/publications/", headers=auth(key))  # the throttle's history now exists

    # 1 the key with its partner, 2 the usage UPSERT, 3 the rate window UPSERT, 4 the page rows with bylines
    # and topics, and the count beside them (counts not kept: one statement, as the floor's)
    with django_assert_num_queries(4):
        response = client.get("/api/v1/publications/", headers=auth(key))

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("url", "expected"),
    [("/api/v1/publications/", 1), ("/api/v1/changes/", 5), ("/feeds/rss/", 2), ("/api/v1/", 0)],
)
def test_anonymous_requests_cost_no_query_for_keys_usage_or_throttles(
    client, catalogue, response_cache_off, django_assert_num_queries, url, expected
):
    # Only the response's own queries (pinned per endpoint in their modules): no key lookup, no usage
    # count, and the anonymous throttle counts in a cache that is not the database.
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200
