from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.urls import reverse


@pytest.fixture
def editor(db):
    """A superuser, as the editors who work in the admin are."""
    return get_user_model().objects.create_superuser("editor", "editor@ciss.example", "a-long-test-password")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def partner_key(db):
    """A partner with a usable API key: (api_key, clear key)."""
    from partners.services import api_key_issue
    from tests.factories import PartnerFactory

    return api_key_issue(partner=PartnerFactory(), name="production sync")


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    """Each test starts with unused request allowances (counters live in a process-local cache)."""
    caches["throttle"].clear()
    yield
    caches["throttle"].clear()


@pytest.fixture
def api_get(client):
    """GET an API URL (by URL name, or an absolute path) and return the response; JSON in `.json()`."""

    def get(url_or_name: str, *, slug: str | None = None, **params):
        url = (
            url_or_name
            if url_or_name.startswith("/")
            else reverse(url_or_name, kwargs={"slug": slug} if slug else None)
        )
        return client.get(url, params)

    return get


@pytest.fixture
def response_cache_off(settings):
    """The read path itself, as query-count pins measure it: no whole-response or count caching."""
    settings.API_CACHE = False
    settings.API_CACHE_COUNTS = False


@pytest.fixture
def member_of(db):
    """`member_of("editors")`: a new staff user in one of the workflow's groups (made by migration), with an
    email address and a password of "a-long-test-password"."""
    from django.contrib.auth.models import Group

    made = 0

    def make(group: str, username: str | None = None):
        nonlocal made
        made += 1
        name = username or f"{group}-{made}"
        user = get_user_model().objects.create_user(
            name, f"{name}@ciss.example", "a-long-test-password", is_staff=True
        )
        user.groups.add(Group.objects.get(name=group))
        return user

    return make


@pytest.fixture(autouse=True)
def _api_responses_match_the_schema(monkeypatch):
    """Every response a test receives from /api/v1/ is validated against the served OpenAPI schema
    (tests/openapi_contract.py lists what is excluded and why); a mismatch fails the test that got it."""
    from django.test import Client

    from tests.openapi_contract import check_response

    request = Client.request

    def validated_request(self, **kwargs):
        response = request(self, **kwargs)
        check_response(response)
        return response

    monkeypatch.setattr(Client, "request", validated_request)
