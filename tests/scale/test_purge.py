"""Purging CDNs by surrogate key (cissapi.purge): Fastly's and Cloudflare's purge APIs, as a local receiver
records them (no network), and the job a committed change defers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from procrastinate.contrib.django.models import ProcrastinateJob

from cissapi.api.invalidation import surrogate_keys_changed
from cissapi.purge import CLOUDFLARE_BATCH, PurgeError, surrogate_keys_purge
from cissapi.tasks import PURGE_QUEUE

pytestmark = pytest.mark.django_db


class Recorder(BaseHTTPRequestHandler):
    received: list[dict]
    status = 200

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.received.append(
            {"method": self.command, "path": self.path, "headers": self.headers, "body": body}
        )
        self.send_response(self.status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_POST = do_PURGE = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[Recorder]]]:
    handler = type("Handler", (Recorder,), {"received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", handler
    server.shutdown()
    server.server_close()


@pytest.fixture
def cdns(settings, receiver):
    url, handler = receiver
    settings.FASTLY_API_URL = url
    settings.FASTLY_SERVICE_ID = "svc123"
    settings.FASTLY_API_KEY = "fastly-token"
    settings.CLOUDFLARE_API_URL = url + "/client/v4"
    settings.CLOUDFLARE_ZONE_ID = "zone9"
    settings.CLOUDFLARE_API_TOKEN = "cf-token"
    return handler


def test_fastly_and_cloudflare_are_purged_by_key_with_their_credentials(cdns):
    surrogate_keys_purge(keys={"publication-7", "feeds"})

    fastly, cloudflare = cdns.received
    assert (fastly["method"], fastly["path"]) == ("POST", "/service/svc123/purge")
    assert fastly["headers"]["Fastly-Key"] == "fastly-token"
    assert fastly["headers"]["Surrogate-Key"] == "feeds publication-7"
    assert (cloudflare["method"], cloudflare["path"]) == ("POST", "/client/v4/zones/zone9/purge_cache")
    assert cloudflare["headers"]["Authorization"] == "Bearer cf-token"
    assert json.loads(cloudflare["body"]) == {"tags": ["feeds", "publication-7"]}


def test_many_keys_go_in_batches_each_api_accepts(cdns):
    keys = {f"publication-{number}" for number in range(CLOUDFLARE_BATCH + 5)}

    surrogate_keys_purge(keys=keys)

    tags = [json.loads(request["body"])["tags"] for request in cdns.received if "zones" in request["path"]]
    assert [len(batch) for batch in tags] == [CLOUDFLARE_BATCH, 5]
    assert {tag for batch in tags for tag in batch} == keys


def test_a_key_that_could_smuggle_a_header_or_another_key_is_dropped(cdns):
    surrogate_keys_purge(keys={"feeds", "x\r\nFastly-Key: stolen", "a b", ""})

    assert [request["headers"]["Surrogate-Key"] for request in cdns.received[:1]] == ["feeds"]


def test_a_refusing_cdn_fails_the_job_after_the_others_were_purged(cdns, settings, receiver):
    cdns.status = 503
    settings.VARNISH_PURGE_URLS = ["http://127.0.0.1:9/"]  # nothing listens on the discard port

    with pytest.raises(PurgeError) as failed:
        surrogate_keys_purge(keys={"feeds"})

    assert {"varnish", "fastly", "cloudflare"} <= {
        part.split(":")[0] for part in str(failed.value).split("; ")
    }
    assert len(cdns.received) == 2  # Fastly and Cloudflare were still asked


def test_a_change_defers_one_purge_job_only_when_a_cache_in_front_is_configured(settings):
    surrogate_keys_changed.send(sender=None, keys=frozenset({"feeds"}))
    assert not ProcrastinateJob.objects.filter(queue_name=PURGE_QUEUE).exists()

    settings.VARNISH_PURGE_URLS = ["http://varnish/"]
    surrogate_keys_changed.send(sender=None, keys=frozenset({"feeds", "publication-3"}))

    job = ProcrastinateJob.objects.get(queue_name=PURGE_QUEUE)
    assert job.args == {"keys": ["feeds", "publication-3"]}
