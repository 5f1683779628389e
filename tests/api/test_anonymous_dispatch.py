"""What DRF's dispatch of an anonymous read takes as read (cissapi.api.viewsets, cissapi.api.http_caching):
no authenticator is asked without an Authorization header, and Vary and Cache-Control are worked out once
per process for a response that has neither yet; the answers stay as they were."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from rest_framework.request import Request
from rest_framework.settings import api_settings

from cissapi.api import http_caching
from cissapi.api.http_caching import VARY, ResponseMeta, finalize
from tests.calls import recorded_calls
from tests.factories import AuthorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def author():
    return AuthorFactory(slug="ada")


@pytest.mark.parametrize("authenticator", api_settings.DEFAULT_AUTHENTICATION_CLASSES)
def test_no_authenticator_of_the_api_applies_without_an_authorization_header(authenticator):
    # What the viewsets' perform_authentication relies on to skip asking them.
    request = RequestFactory().get(
        "/api/v1/authors/ada/", HTTP_COOKIE="sessionid=abc; csrftoken=def", HTTP_X_API_KEY="a-key"
    )

    assert authenticator().authenticate(Request(request)) is None


def test_an_anonymous_read_asks_no_authenticator(client, partner_key):
    authenticator = api_settings.DEFAULT_AUTHENTICATION_CLASSES[0]
    _, key = partner_key

    with recorded_calls(authenticator, "authenticate") as asked:
        anonymous = client.get("/api/v1/authors/ada/")
    with recorded_calls(authenticator, "authenticate") as asked_with_a_key:
        partner = client.get("/api/v1/authors/ada/", HTTP_AUTHORIZATION=f"Api-Key {key}")
    with recorded_calls(authenticator, "authenticate") as asked_with_a_bad_key:
        refused = client.get("/api/v1/authors/ada/", HTTP_AUTHORIZATION="Api-Key not-a-key")

    assert asked == []
    assert anonymous.status_code == 200 and anonymous["Cache-Control"].startswith("public")
    assert len(asked_with_a_key) == 1
    assert partner.status_code == 200 and partner["Cache-Control"].startswith("private")
    assert len(asked_with_a_bad_key) == 1 and refused.status_code == 401


def test_vary_and_cache_control_are_worked_out_once_per_process(rf):
    request = rf.get("/api/v1/authors/ada/")
    for status in (200, 404):
        finalize(request, HttpResponse(status=status), ResponseMeta(), vary=VARY)  # the process's first

    with (
        recorded_calls(http_caching, "patch_vary_headers") as varied,
        recorded_calls(http_caching, "patch_cache_control") as controlled,
    ):
        fresh = finalize(request, HttpResponse(), ResponseMeta(), vary=VARY)
        error = finalize(request, HttpResponse(status=404), ResponseMeta(), vary=VARY)

    assert varied == [] and controlled == []
    assert fresh["Vary"] == "Accept, Accept-Encoding, Origin, Authorization"
    assert fresh["Cache-Control"] == "public, max-age=60, stale-while-revalidate=300"
    assert error["Cache-Control"] == "no-store"


def test_a_response_with_the_headers_already_gets_them_patched(rf):
    request = rf.get("/api/v1/authors/ada/")
    response = HttpResponse(headers={"Vary": "Cookie", "Cache-Control": "max-age=10"})

    finalize(request, response, ResponseMeta(), vary=VARY)

    assert response["Vary"] == "Cookie, Accept, Accept-Encoding, Origin, Authorization"
    assert response["Cache-Control"] == "max-age=10, public, stale-while-revalidate=300"
