"""Admin logins: wrong passwords lock a username out from an address for a while; weak ones are refused."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
PASSWORD = "a-long-test-password"


@pytest.fixture
def chief():
    return get_user_model().objects.create_superuser("chief", "chief@ciss.example", PASSWORD)


def log_in(client, password: str, *, username: str = "chief", address: str = "203.0.113.7", **headers):
    """POST the admin login form from `address`; True when it logged in."""
    response = client.post(
        LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=address, **headers
    )
    logged_in = response.status_code == 302 and "_auth_user_id" in client.session
    client.logout()
    return logged_in


def fail(client, times: int, **kwargs) -> None:
    for _ in range(times):
        assert not log_in(client, "wrong password", **kwargs)


def test_the_right_password_logs_in(client, chief):
    assert log_in(client, PASSWORD)


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/admin/", "/\\evil.example"])
def test_a_login_whose_next_leads_elsewhere_lands_on_the_admin(client, chief, target):
    response = client.post(LOGIN, {"username": "chief", "password": PASSWORD, "next": target})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert client.get(response["Location"]).status_code == 200


def test_five_failures_lock_the_username_out_from_that_address(client, chief, settings):
    assert settings.AXES_FAILURE_LIMIT == 5

    fail(client, 5)

    response = client.post(LOGIN, {"username": "chief", "password": PASSWORD}, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_four_failures_do_not_lock_out_and_a_success_resets_the_count(client, chief):
    fail(client, 4)
    assert log_in(client, PASSWORD)

    fail(client, 4)

    assert log_in(client, PASSWORD)


def test_the_lockout_ends_after_fifteen_minutes(client, chief):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(client, 5)
    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        assert log_in(client, PASSWORD)


def test_trying_again_during_the_lockout_restarts_the_wait(client, chief):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(client, 5)
    with time_machine.travel(start + dt.timedelta(minutes=14), tick=False):
        assert not log_in(client, PASSWORD)
    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        assert not log_in(client, PASSWORD)
    with time_machine.travel(start + dt.timedelta(minutes=32), tick=False):
        assert log_in(client, PASSWORD)


def test_the_lockout_is_per_username_and_address(client, chief):
    get_user_model().objects.create_user("colleague", password=PASSWORD, is_staff=True)

    fail(client, 5)

    # A guesser at one address locks out only what they guessed at, only from there.
    assert log_in(client, PASSWORD, address="198.51.100.20")
    assert log_in(client, PASSWORD, username="colleague")
    assert not log_in(client, PASSWORD)


def test_a_forwarded_for_header_the_client_sends_does_not_reset_the_count(client, chief):
    for attempt in range(5):
        assert not log_in(client, "wrong password", HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}")

    assert not log_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99")


def test_behind_a_proxy_the_lockout_keys_on_the_address_the_proxy_saw(client, chief, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = "10.0.0.5"

    # The guesser's own address, as the proxy appended it; whatever they wrote before it is ignored.
    for attempt in range(5):
        assert not log_in(
            client, "wrong password", address=proxy, HTTP_X_FORWARDED_FOR=f"1.1.1.{attempt}, 203.0.113.9"
        )

    assert not log_in(client, PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.9")
    # Another reader behind the same proxy is not locked out with them.
    assert log_in(client, PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.20")


@pytest.mark.parametrize("password", ["1", "password", "12345678901234", "short"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_the_admin_refuses_to_set_a_weak_password(client, chief):
    client.force_login(chief)
    user = get_user_model().objects.create_user("newcomer", password=PASSWORD)

    response = client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": "1", "password2": "1"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["password2"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
