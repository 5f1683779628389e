"""The absolute URLs documents carry (cissapi.api.documents.ApiUrls): reversed once per process, on the host
and under the script prefix of each request."""

import pytest
from django.http import HttpRequest
from django.test.utils import override_script_prefix

from cissapi.api import documents
from tests.calls import recorded_calls
from tests.factories import AuthorFactory, PublicationFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    author, topic = AuthorFactory(slug="amna"), TopicFactory(slug="nuclear")
    PublicationFactory(published=True, slug="piece", authors=[author], topics=[topic])


@pytest.fixture
def reversed_names(settings):
    settings.API_CACHE = False  # every answer built anew
    with recorded_calls(documents, "reverse", lambda name, *args, **kwargs: name) as names:
        yield names


@pytest.mark.parametrize(
    "url", ["/api/v1/authors/amna/", "/api/v1/publications/", "/api/v1/publications/piece/"]
)
def test_documents_reverse_their_url_names_once_per_process(client, catalogue, reversed_names, url):
    first = client.get(url)
    reversed_names.clear()

    again = client.get(url)

    assert again.status_code == 200
    assert again.content == first.content
    assert reversed_names == []


def test_urls_follow_each_requests_host_and_script_prefix(client, catalogue, settings):
    settings.ALLOWED_HOSTS = ["testserver", "api.example"]
    plain = client.get("/api/v1/authors/amna/").json()
    with override_script_prefix("/mount/"):  # as WSGIHandler sets it from SCRIPT_NAME
        mounted = client.get("/api/v1/authors/amna/", HTTP_HOST="api.example").json()
    plain_again = client.get("/api/v1/authors/amna/").json()

    assert plain["url"] == plain_again["url"] == "http://testserver/api/v1/authors/amna/"
    assert mounted["url"] == "http://api.example/mount/api/v1/authors/amna/"
    assert mounted["publications_url"] == "http://api.example/mount/api/v1/authors/amna/publications/"
    assert plain_again["publications_url"] == "http://testserver/api/v1/authors/amna/publications/"


@pytest.fixture
def absolute_uris(settings):
    settings.API_CACHE = False  # every answer built anew
    with recorded_calls(HttpRequest, "build_absolute_uri", lambda request, location=None: location) as built:
        yield built


@pytest.mark.parametrize("url", ["/api/v1/authors/amna/", "/api/v1/publications/piece/"])
def test_documents_and_feed_links_build_their_fixed_urls_once_per_process_and_origin(
    client, catalogue, absolute_uris, settings, url
):
    settings.ALLOWED_HOSTS = ["testserver", "api.example"]
    first = client.get(url)
    absolute_uris.clear()

    again = client.get(url)
    built_again = list(absolute_uris)
    elsewhere = client.get(url, HTTP_HOST="api.example")

    assert again.content == first.content
    assert again.headers["Link"] == first.headers["Link"]
    # The origin once per request (for its documents and its feed links alike); no URL name's or feed's path
    # again.
    assert built_again == ["/"]
    assert b"http://api.example/api/v1/" in elsewhere.content
    assert "<http://api.example/feeds/" in elsewhere.headers["Link"]
