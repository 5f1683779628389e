"""The API's anonymous reads go through only the middleware that act on them (cissapi/anonymous_reads.py),
and answer exactly as through the whole stack."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls.resolvers import URLResolver
from rest_framework.views import APIView

from cissapi.anonymous_reads import IDLE, KEPT, AnonymousReadMiddleware
from cissapi.api.lean_dispatch import lean_action
from publications.api.authors import AuthorViewSet
from publications.services import publication_update, publication_withdraw
from tests.calls import recorded_calls
from tests.factories import AuthorFactory, PublicationFactory, SeriesFactory, TopicFactory

pytestmark = pytest.mark.django_db

LANE = "cissapi.anonymous_reads.AnonymousReadMiddleware"


@pytest.fixture(autouse=True)
def catalogue(editor):
    author = AuthorFactory(slug="ada")
    topic = TopicFactory(slug="energy")
    PublicationFactory(
        published=True, slug="piece", authors=[author], topics=[topic], series=SeriesFactory(slug="papers")
    )
    renamed = PublicationFactory(published=True, slug="renamed-away", authors=[author])
    renamed.slug = "renamed"
    publication_update(publication=renamed, by=editor)
    publication_withdraw(
        publication=PublicationFactory(published=True, slug="withdrawn"), by=editor, notice="In error."
    )


def answer(url: str, *, lane: bool, **headers: str) -> HttpResponse:
    """`url`'s answer through a fresh stack with or without the lane; the throttle's counts start afresh, so
    both answers say the same allowance."""
    middleware = settings.MIDDLEWARE if lane else [name for name in settings.MIDDLEWARE if name != LANE]
    caches["throttle"].clear()
    with override_settings(MIDDLEWARE=middleware):
        client = Client(HTTP_HOST="testserver")
        if method := headers.pop("method", None):
            return client.generic(method, url, **headers)
        return client.get(url, **headers)


def test_every_middleware_below_the_lane_is_known_so_it_is_in_use():
    # A middleware added below it must be sorted into KEPT or IDLE (what does it do for an anonymous read?)
    # before the lane is used again.
    assert AnonymousReadMiddleware(lambda request: HttpResponse()).active


def test_an_unknown_middleware_below_turns_the_lane_off():
    with override_settings(MIDDLEWARE=[*settings.MIDDLEWARE, "django.middleware.gzip.GZipMiddleware"]):
        assert not AnonymousReadMiddleware(lambda request: HttpResponse()).active
    assert set(KEPT).isdisjoint(IDLE)


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/api/v1/authors/ada/", {}),
        ("/api/v1/authors/ada/", {"method": "HEAD"}),
        ("/api/v1/authors/nobody/", {}),
        ("/api/v1/authors/ada/?unknown=1", {}),
        ("/api/v1/authors/ada/", {"HTTP_ACCEPT": "text/html"}),
        ("/api/v1/authors/ada/?format=xml", {}),
        ("/api/v1/authors/ada/publications/", {}),
        ("/api/v1/authors/", {}),
        ("/api/v1/publications/piece/", {}),
        ("/api/v1/publications/piece/?fields=title,slug", {}),
        ("/api/v1/publications/?topic=energy", {}),
        ("/api/v1/publications/?page=9", {}),
        ("/api/v1/topics/energy/", {}),
        ("/api/v1/authors/ada", {}),  # no slash: the stack's problem+json redirect
        ("/api/v1/no-such-thing/", {}),
        ("/api/v1/", {}),  # the index: not a viewset, through the stack
        ("/api/v1/authors/ada/", {"HTTP_AUTHORIZATION": "Api-Key not-a-key"}),
        ("/api/v1/authors/ada/", {"HTTP_COOKIE": "sessionid=stale"}),
        ("/api/v1/authors/ada/", {"HTTP_COOKIE": "analytics=1"}),
        ("/api/v1/authors/ada/", {"method": "OPTIONS"}),
        (f"/api/v1/authors/{'a' * 300}/", {}),  # a path too long to keep: resolved every time
        # What the lean dispatch (cissapi.api.lean_dispatch) answers itself, and what it leaves to DRF.
        ("/api/v1/authors/ada/", {"HTTP_ACCEPT": "application/json"}),
        ("/api/v1/authors/ada/", {"HTTP_ACCEPT": "application/json; version=9"}),
        ("/api/v1/authors/ada/", {"HTTP_ORIGIN": "https://allowed.example"}),
        # CORS without an Origin worth reading (cissapi.cors): an empty one, one not allowed.
        ("/api/v1/authors/ada/", {"HTTP_ORIGIN": ""}),
        ("/api/v1/authors/ada/", {"HTTP_ORIGIN": "https://elsewhere.example"}),
        ("/api/v1/authors/ada/", {"HTTP_ORIGIN": "https://allowed.example", "method": "HEAD"}),
        ("/api/v1/authors/ada/", {"HTTP_IF_MODIFIED_SINCE": "Fri, 01 Jan 2100 00:00:00 GMT"}),
        ("/api/v1/authors/ada/", {"HTTP_IF_NONE_MATCH": '"stale"'}),
        ("/api/v1/authors/ada/?fields=slug", {}),
        ("/api/v1/authors/ada/?format=json", {}),
        ("/api/v1/authors/ada/", {"HTTP_HOST": "TESTSERVER:80"}),
        ("/api/v1/publications/piece/", {"method": "HEAD"}),
        ("/api/v1/publications/piece/?fields=slug&fields=title", {}),
        ("/api/v1/publications/piece/?fields=nonsense", {}),
        ("/api/v1/publications/nothing-here/", {}),
        ("/api/v1/publications/renamed-away/", {}),  # an old slug: a 301 without a body
        ("/api/v1/publications/withdrawn/", {}),  # a 410 with its notice
        ("/api/v1/topics/energy/", {"method": "HEAD"}),
        ("/api/v1/topics/nothing/", {}),
        ("/api/v1/series/papers/", {}),
        ("/api/v1/outlets/", {}),
        # Publication lists, dispatched leanly too: pages, cursors, filters, searches, fields, errors.
        ("/api/v1/publications/", {}),
        ("/api/v1/publications/", {"method": "HEAD"}),
        ("/api/v1/publications/?page_size=1", {}),
        ("/api/v1/publications/?page_size=1&page=2", {}),
        ("/api/v1/publications/?mode=cursor&page_size=1", {}),
        ("/api/v1/publications/?topic=energy&fields=title,slug", {}),
        ("/api/v1/publications/?topic=energy&author=ada&series=papers", {}),
        ("/api/v1/publications/?topic=nothing", {}),
        ("/api/v1/publications/?q=piece", {}),
        ("/api/v1/publications/?q=piece&mode=cursor", {}),
        ("/api/v1/publications/?ordering=title", {}),
        ("/api/v1/publications/?fields=nonsense", {}),
        ("/api/v1/publications/?cursor=broken", {}),
        ("/api/v1/publications/?format=json", {}),
        ("/api/v1/publications/", {"HTTP_IF_NONE_MATCH": '"stale"'}),
        ("/api/v1/publications/", {"HTTP_ORIGIN": "https://allowed.example"}),
    ],
)
@override_settings(CORS_ALLOWED_ORIGINS=["https://allowed.example"])
def test_an_answer_is_the_same_through_the_lane_and_the_whole_stack(url, headers):
    through_lane = answer(url, lane=True, **headers)
    through_stack = answer(url, lane=False, **headers)

    assert through_lane.status_code == through_stack.status_code
    assert list(through_lane.headers.items()) == list(through_stack.headers.items())
    assert through_lane.content == through_stack.content
    assert through_lane.cookies.output() == through_stack.cookies.output()


def test_a_conditional_read_is_answered_alike():
    etag = answer("/api/v1/authors/ada/", lane=False)["ETag"]

    through_lane = answer("/api/v1/authors/ada/", lane=True, HTTP_IF_NONE_MATCH=etag)
    through_stack = answer("/api/v1/authors/ada/", lane=False, HTTP_IF_NONE_MATCH=etag)

    assert through_lane.status_code == through_stack.status_code == 304
    assert list(through_lane.headers.items()) == list(through_stack.headers.items())


def test_an_anonymous_read_skips_sessions_csrf_and_authentication(client):
    response = client.get("/api/v1/authors/ada/")

    assert response.status_code == 200
    request = response.wsgi_request
    # None of the idle middleware ran: no session, no messages, no CSRF token, no Django user until DRF's.
    assert not hasattr(request, "session")
    assert not hasattr(request, "_messages")
    assert "CSRF_COOKIE" not in request.META
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/api/v1/authors/ada/", {"HTTP_COOKIE": "sessionid=stale"}),
        ("/api/v1/", {}),
        ("/feeds/json/", {}),
        ("/api/v1/authors/ada/", {"HTTP_TRANSFER_ENCODING": "identity"}),
    ],
)
def test_other_requests_go_through_the_whole_stack(url, headers):
    response = answer(url, lane=True, **headers)

    assert hasattr(response.wsgi_request, "session")


def test_a_paths_view_is_resolved_once_per_process(client):
    with recorded_calls(URLResolver, "resolve", lambda resolver, path: path) as resolved:
        first = client.get("/api/v1/authors/ada/")
        again = client.get("/api/v1/authors/ada/")

    assert first.content == again.content
    assert resolved.count("/api/v1/authors/ada/") == 1  # the whole path: the URLconf's own resolver


@pytest.mark.parametrize("url", ["/api/v1/authors/ada/", "/api/v1/publications/piece/"])
def test_throttled_reads_are_counted_and_refused_alike(url):
    rest_framework = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/minute"}}
    with override_settings(REST_FRAMEWORK=rest_framework):
        answers = {}
        for lane in (True, False):
            middleware = (
                settings.MIDDLEWARE if lane else [name for name in settings.MIDDLEWARE if name != LANE]
            )
            caches["throttle"].clear()
            with override_settings(MIDDLEWARE=middleware):
                client = Client(HTTP_HOST="testserver")
                answers[lane] = [client.get(url) for _ in range(3)]

    assert [response.status_code for response in answers[True]] == [200, 200, 429]
    for through_lane, through_stack in zip(answers[True], answers[False], strict=True):
        assert list(through_lane.headers.items()) == list(through_stack.headers.items())
        assert through_lane.content == through_stack.content


@pytest.mark.parametrize(
    ("url", "headers", "lean"),
    [
        ("/api/v1/authors/ada/", {}, True),
        ("/api/v1/publications/piece/", {"method": "HEAD"}, True),
        ("/api/v1/authors/nobody/", {}, False),  # an error: DRF's own finalizing
        ("/api/v1/publications/renamed-away/", {}, False),  # a 301 with a header of its own
        ("/api/v1/authors/ada/", {"HTTP_AUTHORIZATION": "Api-Key not-a-key"}, False),
        ("/api/v1/authors/", {}, False),  # a list: its viewset has not opted in
        ("/api/v1/publications/", {}, True),
        ("/api/v1/publications/?topic=energy", {}, True),
        ("/api/v1/publications/?mode=cursor", {}, True),
        ("/api/v1/publications/?q=piece", {}, True),
        ("/api/v1/publications/?page=9", {}, False),  # past the last page: a 404, DRF's own finalizing
        ("/api/v1/series/papers/", {}, True),
    ],
)
def test_a_plain_document_skips_drfs_finalizing(url, headers, lean):
    with recorded_calls(APIView, "finalize_response") as finalized:
        response = answer(url, lane=True, **headers)

    assert response.status_code < 500
    assert (finalized == []) == lean


def test_a_view_that_finalizes_otherwise_is_dispatched_by_drf():
    class Other(AuthorViewSet):
        def finalize_response(self, request, response, *args, **kwargs):
            return super().finalize_response(request, response, *args, **kwargs)

    assert lean_action(AuthorViewSet.as_view({"get": "retrieve"}), "GET") == "retrieve"
    assert lean_action(AuthorViewSet.as_view({"get": "retrieve"}), "HEAD") == "retrieve"
    assert lean_action(Other.as_view({"get": "retrieve"}), "GET") is None
    assert lean_action(AuthorViewSet.as_view({"get": "list"}), "GET") is None
