"""Content negotiation (cissapi.api.negotiation): DRF's choices, remembered per process, refusals kept."""

import pytest
from rest_framework.negotiation import DefaultContentNegotiation

from cissapi.api import negotiation
from tests.calls import recorded_calls
from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/publications/piece/"


@pytest.fixture(autouse=True)
def piece(settings):
    settings.API_CACHE = False  # every answer negotiated anew
    return PublicationFactory(published=True, slug="piece")


@pytest.fixture
def parsed_headers():
    """The Accept headers DRF parsed."""
    with recorded_calls(
        DefaultContentNegotiation,
        "get_accept_list",
        lambda negotiation, request: request.META.get("HTTP_ACCEPT"),
    ) as parsed:
        yield parsed


@pytest.mark.parametrize("accept", [None, "application/json", "text/html,application/xhtml+xml,*/*;q=0.8"])
def test_a_repeated_accept_header_is_negotiated_once(client, parsed_headers, accept):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    first = client.get(URL, **headers)
    parsed_headers.clear()

    again = client.get(URL, **headers)

    assert parsed_headers == []
    assert again.status_code == first.status_code == 200
    assert again["Content-Type"] == first["Content-Type"] == "application/json"
    assert again.content == first.content


def test_an_unacceptable_accept_header_is_refused_every_time(client):
    statuses = [client.get(URL, HTTP_ACCEPT="application/xml").status_code for _ in range(2)]

    assert statuses == [406, 406]


def test_an_unknown_format_is_refused_every_time(client):
    statuses = [client.get(URL, {"format": "xml"}).status_code for _ in range(2)]
    ok = client.get(URL, {"format": "json"})

    assert statuses == [404, 404]
    assert ok.status_code == 200


def test_what_is_remembered_is_bounded(client, monkeypatch):
    monkeypatch.setattr(negotiation, "_choices", {})
    monkeypatch.setattr(negotiation, "REMEMBERED_CHOICES", 2)
    accepts = ["application/json", "*/*", "application/*", "application/json;q=0.9"]

    statuses = [client.get(URL, HTTP_ACCEPT=accept).status_code for accept in accepts]
    long_header = client.get(URL, HTTP_ACCEPT="application/json," + "x/y;q=0.1," * 60)

    assert statuses == [200, 200, 200, 200]
    assert long_header.status_code == 200
    assert len(negotiation._choices) == 2
