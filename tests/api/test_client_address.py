"""The anonymous throttle keys on the client's address as far as it can be trusted (settings.NUM_PROXIES)."""

import pytest

pytestmark = pytest.mark.django_db

URL = "/api/v1/publications/"


@pytest.fixture
def proxies(settings):
    """Set the anonymous rate to 2/minute and NUM_PROXIES to the given number (None: as configured)."""

    def configure(num_proxies: int | None) -> None:
        overrides = {"DEFAULT_THROTTLE_RATES": {"anon": "2/minute"}}
        if num_proxies is not None:
            overrides["NUM_PROXIES"] = num_proxies
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, **overrides}

    return configure


def get(client, xff: str | None = None, remote_addr: str = "192.0.2.1") -> int:
    headers = {"x-forwarded-for": xff} if xff is not None else {}
    return client.get(URL, headers=headers, REMOTE_ADDR=remote_addr).status_code


def test_by_default_a_new_forwarded_address_each_request_does_not_reset_the_allowance(client, proxies):
    proxies(None)

    statuses = [get(client, xff=f"10.0.0.{n}") for n in range(4)]

    assert statuses == [200, 200, 429, 429]


def test_by_default_each_socket_address_has_its_own_allowance(client, proxies):
    proxies(None)

    assert [get(client, remote_addr="192.0.2.1") for _ in range(3)] == [200, 200, 429]
    assert get(client, remote_addr="192.0.2.2") == 200


def test_behind_one_proxy_the_address_it_appended_is_the_client(client, proxies):
    proxies(1)

    # The client writes what it likes on the left; our proxy appends the address it saw on the right.
    spoofed = [get(client, xff=f"10.0.0.{n}, 198.51.100.7", remote_addr="10.1.1.1") for n in range(3)]
    other_client = get(client, xff="198.51.100.8", remote_addr="10.1.1.1")

    assert spoofed == [200, 200, 429]
    assert other_client == 200


def test_behind_two_proxies_the_second_address_from_the_right_is_the_client(client, proxies):
    proxies(2)

    statuses = [get(client, xff=f"10.0.0.{n}, 198.51.100.7, 203.0.113.1") for n in range(3)]

    assert statuses == [200, 200, 429]
    assert get(client, xff="198.51.100.8, 203.0.113.1") == 200


def test_behind_a_proxy_a_request_without_the_header_falls_back_on_the_socket(client, proxies):
    proxies(1)

    assert [get(client, remote_addr="192.0.2.5") for _ in range(3)] == [200, 200, 429]
