"""Varnish (Debian's, with varnish-modules' xkey) running the shipped deploy/varnish/default.vcl in front of
a live server: public answers are hits until a change, then the worker's purge makes them misses at once.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from procrastinate.contrib.django import app

from cissapi.tasks import PURGE_QUEUE
from publications.services import publication_update
from tests.engines import varnish
from tests.factories import PublicationFactory

# The worker reads jobs over its own connection, and live_server serves from another thread: commit.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def front(live_server, tmp_path, settings):
    """Varnish's URL, in front of the live server, with the worker set to purge it."""
    backend = urlsplit(live_server.url)
    with varnish(tmp_path, backend=(backend.hostname, backend.port)) as url:
        settings.VARNISH_PURGE_URLS = [url]
        yield url


def fetch(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def run_purge_worker() -> None:
    """Run the real worker until the purge queue is drained."""
    worker_app = app.with_connector(app.connector.get_worker_connector())
    worker_app.run_worker(
        queues=[PURGE_QUEUE], wait=False, install_signal_handlers=False, listen_notify=False, concurrency=1
    )


def test_a_cached_detail_is_gone_within_a_second_of_the_change_it_shows(front):
    piece = PublicationFactory(published=True, title="Before the edit")
    url = front + reverse("v1:publication-detail", kwargs={"slug": piece.slug})

    status, first, _ = fetch(url)
    time.sleep(1.1)  # so Age counts a whole second
    _, second, body = fetch(url)

    assert status == 200 and first["X-Cache"] == "MISS"
    assert second["X-Cache"] == "HIT" and int(second["Age"]) >= 1
    assert json.loads(body)["title"] == "Before the edit" and "xkey" not in second

    piece.title = "After the edit"
    publication_update(publication=piece)
    changed = time.monotonic()
    run_purge_worker()
    _, third, body = fetch(url)

    assert time.monotonic() - changed < 1
    assert third["X-Cache"] == "MISS"
    assert json.loads(body)["title"] == "After the edit"


def test_only_allowed_addresses_may_purge_and_a_purge_names_its_keys(front):
    # The test runs from 127.0.0.1, an allowed address: a PURGE without keys is refused as malformed.
    status, _, _ = fetch_method(front + "/", "PURGE")
    assert status == 400
    status, _, body = fetch_method(front + "/", "PURGE", **{"xkey-purge": "catalogue"})
    assert status == 200 and b"Purged" in body


def fetch_method(url: str, method: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.parametrize(
    "headers",
    [{"Authorization": "Api-Key whatever"}, {"Cookie": "sessionid=abc"}],
    ids=["authorization", "session"],
)
def test_requests_with_credentials_are_never_answered_from_the_cache(front, headers):
    piece = PublicationFactory(published=True)
    url = front + reverse("v1:publication-detail", kwargs={"slug": piece.slug})
    fetch(url)
    fetch(url)

    _, answer, _ = fetch(url, **headers)

    assert answer["X-Cache"] == "MISS"


def test_the_admin_is_never_cached(front):
    fetch(front + "/admin/login/")
    _, answer, _ = fetch(front + "/admin/login/")

    assert answer["X-Cache"] == "MISS"
