"""Hostile Authorization headers: junk in a key is a 401 problem; bad keys are throttled per address."""

import pytest

from partners.models import ApiKeyUsage
from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/publications/"
WELL_FORMED_UNKNOWN = "0123456789ab." + "A" * 43


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


@pytest.mark.parametrize(
    "key",
    [
        "abc\x00def",
        "0123456789ab.\x00" + "A" * 42,
        "\x00",
        "0123456789ab." + "A" * 42 + "\x7f",
        "0123456789ab." + "Ä" * 43,
        "\u202e0123456789ab." + "A" * 43,
        "0123456789AB." + "A" * 43,
        "0123456789ab." + "A" * 44,
        "0123456789ab" + "A" * 44,
        "';DROP/**/TABLE/**/partners_apikey;--",
        "x" * 10_000,
    ],
)
def test_a_key_not_in_the_key_format_is_a_401_problem(client, key):
    PublicationFactory(published=True)

    response = client.get(URL, headers={"authorization": f"Api-Key {key}"})

    assert problem(response, 401)["detail"].startswith("Malformed API key")
    assert response["WWW-Authenticate"] == "Api-Key"


def test_a_well_formed_unknown_key_is_still_unknown(client):
    response = client.get(URL, headers={"authorization": f"Api-Key {WELL_FORMED_UNKNOWN}"})

    assert problem(response, 401)["detail"] == "Unknown API key."


@pytest.mark.parametrize(
    "header", ["Bearer x\x00y", "Bearer " + WELL_FORMED_UNKNOWN, WELL_FORMED_UNKNOWN, "Token abc"]
)
def test_another_scheme_or_a_bare_key_is_a_401_naming_the_api_key_scheme(client, header):
    # Served anonymously, a partner's mistake would go unnoticed until the anonymous rate limit bit.
    response = client.get(URL, headers={"authorization": header})

    assert "Api-Key <key>" in problem(response, 401)["detail"]
    assert response["WWW-Authenticate"] == "Api-Key"


@pytest.mark.parametrize("header", ["  ", "Basic dXNlcjpwdw=="])
def test_no_credentials_or_a_proxys_basic_credentials_are_anonymous(client, header):
    assert client.get(URL, headers={"authorization": header}).status_code == 200


@pytest.fixture
def failure_rate(settings):
    settings.API_AUTH_FAILURE_RATE = "3/minute"


def test_bad_keys_from_one_address_are_throttled_with_retry_after(client, failure_rate, mid_window):
    statuses = [
        client.get(URL, headers={"authorization": f"Api-Key {key}"}).status_code
        for key in (WELL_FORMED_UNKNOWN, "junk", WELL_FORMED_UNKNOWN, WELL_FORMED_UNKNOWN)
    ]
    response = client.get(URL, headers={"authorization": f"Api-Key {WELL_FORMED_UNKNOWN}"})

    assert statuses == [401, 401, 401, 429]
    assert problem(response, 429)["title"] == "Too Many Requests"
    # The minute's window began 10 s ago.
    assert int(response["Retry-After"]) == 50


def test_a_throttled_address_costs_no_key_lookup(
    client, failure_rate, mid_window, partner_key, django_assert_num_queries
):
    for _ in range(3):
        client.get(URL, headers={"authorization": f"Api-Key {WELL_FORMED_UNKNOWN}"})
    _, key = partner_key

    # Even a good key waits: the address is guessing, and answering costs nothing now.
    with django_assert_num_queries(0):
        response = client.get(URL, headers={"authorization": f"Api-Key {key}"})

    assert response.status_code == 429
    assert not ApiKeyUsage.objects.exists()


def test_other_addresses_and_anonymous_requests_are_not_held_back(
    client, failure_rate, mid_window, partner_key
):
    for _ in range(4):
        client.get(URL, headers={"authorization": "Api-Key junk"}, REMOTE_ADDR="203.0.113.9")
    _, key = partner_key

    assert client.get(URL, headers={"authorization": f"Api-Key {key}"}).status_code == 200
    assert client.get(URL, REMOTE_ADDR="203.0.113.9").status_code == 200


def test_the_failure_window_ends(client, failure_rate, mid_window):
    for _ in range(4):
        client.get(URL, headers={"authorization": "Api-Key junk"})

    mid_window.shift(60)

    assert client.get(URL, headers={"authorization": "Api-Key junk"}).status_code == 401


def test_failures_count_per_forwarded_client_behind_a_proxy(client, failure_rate, mid_window, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    def attempt(xff: str) -> int:
        return client.get(URL, headers={"authorization": "Api-Key junk", "x-forwarded-for": xff}).status_code

    # A client cannot reset its count by writing a new address left of the one our proxy appended.
    assert [attempt(f"10.0.0.{n}, 198.51.100.7") for n in range(4)] == [401, 401, 401, 429]
    assert attempt("198.51.100.8") == 401
