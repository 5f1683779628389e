"""Changes heard by LISTEN/NOTIFY (cissapi/api/change_listener.py): while the listener is healthy an early
hit reads nothing, and a change committed in another connection, once its notice reached the listener,
drops every kept response that shows it; a scheduled piece's time ends hits with no notice at all; a dead or
silent listener falls back to reading the shared cache. Committed for real (transactional tests), on the
database cache and, in `make test-scale`'s rerun, on Redis."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

import pytest
import time_machine
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cissapi.api import change_listener
from publications.services import publication_unpublish, publication_update
from tests.factories import AuthorFactory, PublicationFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def api_cache(settings):
    settings.API_CACHE = True
    settings.API_CACHE_COUNTS = True
    settings.API_CACHE_LISTEN = True
    # Heartbeats every 0.1 s, so a test waits little for the listener to be trusted.
    settings.API_CACHE_LISTEN_HEARTBEAT = 0.2


@pytest.fixture
def piece():
    return PublicationFactory(published=True, title="Deterrence today", authors=[AuthorFactory()])


def queries_of(client: Client, url: str):
    """The answer to GET `url` and how many queries (or Redis reads) it cost."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries)


def served_on_the_listeners_word(client: Client, url: str):
    """GETs `url` until an answer costs no read at all: kept, and current on the listener's word (the first
    answers go through the stack, read the shared cache, or carry a heartbeat)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        response, queries = queries_of(client, url)
        if queries == 0:
            return response
        time.sleep(0.02)
    pytest.fail(f"{url} was never answered without a read")


def in_another_connection(change: Callable[[], object]) -> None:
    """Run `change` in a thread of its own (so on a database connection of its own), committed."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            change()
        except BaseException as error:  # re-raised in the test's thread
            failures.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


def heard_after(count: int) -> None:
    """Wait until this process's listener has heard more than `count` changes."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        change_listener.listener.check(None, ())
        if change_listener.listener.change > count:
            return
        time.sleep(0.01)
    pytest.fail("the listener never heard the change")


def test_a_healthy_listener_lets_early_hits_skip_the_read(client, piece):
    url = reverse("v1:publication-list")
    response = served_on_the_listeners_word(client, url)

    assert piece.title in response.content.decode()
    assert queries_of(client, url)[0].content == response.content


def test_an_edit_committed_elsewhere_drops_the_kept_response_once_heard(client, piece):
    detail = reverse("v1:publication-detail", kwargs={"slug": piece.slug})
    served_on_the_listeners_word(client, detail)
    served_on_the_listeners_word(client, "/feeds/json/")
    before = change_listener.listener.change

    piece.summary = "Revised."
    in_another_connection(lambda: publication_update(publication=piece))
    heard_after(before)

    assert client.get(detail).json()["summary"] == "Revised."
    assert "Revised." in client.get("/feeds/json/").content.decode()


def test_nothing_unpublished_is_served_after_its_notice_is_drained(client, piece, editor):
    detail = reverse("v1:publication-detail", kwargs={"slug": piece.slug})
    listing = reverse("v1:publication-list")
    served_on_the_listeners_word(client, detail)
    served_on_the_listeners_word(client, listing)
    before = change_listener.listener.change

    in_another_connection(lambda: publication_unpublish(publication=piece, by=editor))
    heard_after(before)

    assert client.get(detail).status_code == 404
    assert piece.title not in client.get(listing).content.decode()


def test_an_unrelated_edit_keeps_other_responses_on_the_listeners_word(client, piece):
    other = PublicationFactory(published=True, title="Another piece")
    detail = reverse("v1:publication-detail", kwargs={"slug": piece.slug})
    served_on_the_listeners_word(client, detail)
    before = change_listener.listener.change

    other.summary = "Revised."
    in_another_connection(lambda: publication_update(publication=other))
    heard_after(before)

    # Heard, and not about this piece: still no read (a heartbeat may ride along, hence the retries).
    assert served_on_the_listeners_word(client, detail).json()["title"] == piece.title


def test_a_scheduled_piece_appears_on_time_without_any_notice(client, piece):
    # Due well within a kept response's own lifetime (API_CACHE_TIMEOUT), which would end it anyway.
    due = timezone.now() + dt.timedelta(minutes=10)
    scheduled = PublicationFactory(scheduled=True, title="Not yet", published_at=due)
    url = reverse("v1:publication-list")
    assert "Not yet" not in served_on_the_listeners_word(client, url).content.decode()
    heard = change_listener.listener.change

    with time_machine.travel(scheduled.published_at + dt.timedelta(seconds=1)):
        assert "Not yet" in client.get(url).content.decode()
    assert change_listener.listener.change == heard


def test_a_dead_listener_falls_back_to_reading_the_shared_cache(client, piece, monkeypatch):
    detail = reverse("v1:publication-detail", kwargs={"slug": piece.slug})
    served_on_the_listeners_word(client, detail)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'cissapi change listener' AND datname = current_database()"
        )
        assert cursor.fetchone() == (True,)
        ended = time.monotonic() + 10
        while time.monotonic() < ended:  # the backend ends soon after it is told to
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'cissapi change listener'"
            )
            if cursor.fetchone() == (0,):
                break
            time.sleep(0.01)
    # A change no listener hears (a lost notice): only the shared cache knows of it.
    monkeypatch.setattr(change_listener, "notify", lambda keys: None)
    piece.summary = "Revised."
    in_another_connection(lambda: publication_update(publication=piece))

    assert client.get(detail).json()["summary"] == "Revised."


def test_a_silent_listener_is_distrusted_once_its_heartbeat_is_late(client, piece, settings, monkeypatch):
    detail = reverse("v1:publication-detail", kwargs={"slug": piece.slug})
    served_on_the_listeners_word(client, detail)
    # Connected but deaf (a failover: the writers' server is no longer the one it listens to).
    monkeypatch.setattr(change_listener.Listener, "_ping", lambda self, channel: None)
    monkeypatch.setattr(change_listener, "notify", lambda keys: None)
    piece.summary = "Revised."
    in_another_connection(lambda: publication_update(publication=piece))
    # Twice the heartbeat: one sent just before may still come back late. On a loaded machine (the whole
    # suite on two busy cores) the listener's own thread can run later still: asked again for a while.
    time.sleep(2 * settings.API_CACHE_LISTEN_HEARTBEAT)
    deadline = time.monotonic() + 10 * settings.API_CACHE_LISTEN_HEARTBEAT
    while client.get(detail).json()["summary"] != "Revised." and time.monotonic() < deadline:
        time.sleep(0.05)

    assert client.get(detail).json()["summary"] == "Revised."


def test_listening_off_reads_the_shared_cache_on_every_hit(client, piece, settings):
    settings.API_CACHE_LISTEN = False
    url = reverse("v1:publication-list")
    client.get(url)
    client.get(url)
    time.sleep(settings.API_CACHE_LISTEN_HEARTBEAT)

    assert [queries_of(client, url)[1] for _ in range(3)] == [1, 1, 1]
    assert change_listener.listener.conn is None


def test_too_many_keys_for_one_notice_are_heard_as_everything(client, piece):
    served_on_the_listeners_word(client, reverse("v1:publication-list"))
    before = change_listener.listener.change

    change_listener.notify(f"publication-{number}" for number in range(2000))
    heard_after(before)

    assert change_listener.listener.history[-1][1] is None
