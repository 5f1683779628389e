"""A bio's addresses (its URLs on the client's host, the public site, the media prefix) are worked out once
per process and what they depend on, and follow each of them."""

import pytest
from django.urls import reverse

from authors.api import documents as bio_documents
from cissapi.api.documents import ApiUrls
from tests.calls import recorded_calls
from tests.factories import AuthorFactory, TopicFactory, stored_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def url():
    author = AuthorFactory(slug="ada", photo=stored_image("images/ada.jpg"))
    author.interests.add(TopicFactory(slug="energy"))
    return reverse("v1:author-detail", kwargs={"slug": "ada"})


def test_a_bios_addresses_are_worked_out_once_per_origin(client, url, response_cache_off, monkeypatch):
    # None kept yet: another test of this process may have asked for a bio on the same origins.
    monkeypatch.setattr(bio_documents, "_addresses", {})
    first = client.get(url)
    with recorded_calls(ApiUrls, "around_slug", lambda urls, name: name) as worked_out:
        again = client.get(url)
        elsewhere = client.get(url, HTTP_HOST="localhost")

    assert again.content == first.content
    assert elsewhere.json()["url"] == "http://localhost/api/v1/authors/ada/"
    assert elsewhere.json()["interests"][0]["url"] == "http://localhost/api/v1/topics/energy/"
    assert elsewhere.json()["photo"]["url"].startswith("http://localhost/media/")
    # The other origin's three URL names; none for the origin seen before.
    assert sorted(worked_out) == ["author-detail", "author-publications", "topic-detail"]


def test_a_bios_addresses_follow_the_public_site_and_the_media_prefix(
    client, url, response_cache_off, settings
):
    client.get(url)

    settings.SITE_URL = "https://ciss.example"
    settings.MEDIA_URL = "/files/"
    bio = client.get(url).json()

    assert bio["public_url"] == "https://ciss.example/authors/ada/"
    assert bio["photo"]["url"].startswith("http://testserver/files/")
