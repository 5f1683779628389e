"""Publication lists' counts kept in each process on the change listener's word (cissapi/api/kept_values.py):
while the listener is healthy a list reads no count from the shared cache (one query: its page), a change of
what it counts committed elsewhere is counted once its notice reached the listener, a scheduled piece counts
from its time with no notice at all, and without a healthy listener every list reads the shared cache.
Committed for real (transactional tests): a notice is delivered only when its transaction commits."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cissapi.api import change_listener
from cissapi.api.change_listener import Heard
from cissapi.api.kept_values import Kept, KeptValues
from publications.services import publication_unpublish, publication_update
from tests.factories import AuthorFactory, PublicationFactory, TopicFactory
from tests.test_change_listener import heard_after, in_another_connection

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def counts_kept(settings):
    # Responses are not cached here (nor answered early): only the count is kept.
    settings.API_CACHE = False
    settings.API_CACHE_COUNTS = True
    settings.API_CACHE_LISTEN = True
    # Heartbeats every 0.1 s, so a test waits little for the listener to be trusted.
    settings.API_CACHE_LISTEN_HEARTBEAT = 0.2


@pytest.fixture
def pieces():
    topic = TopicFactory()
    return [
        PublicationFactory(published=True, title=f"Piece {number}", authors=[AuthorFactory()], topics=[topic])
        for number in range(3)
    ]


def queries_of(client: Client, url: str):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries)


def counted_on_the_listeners_word(client: Client, url: str):
    """GETs `url` until its answer costs one query (its page): its count kept, current on the listener's
    word (the first answers read the shared cache, before the listener is trusted)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        response, queries = queries_of(client, url)
        if queries == 1:
            return response
        time.sleep(0.02)
    pytest.fail(f"{url} never had its count without a read")


def test_a_healthy_listener_lets_a_list_skip_reading_its_count(client, pieces):
    url = reverse("v1:publication-list")
    first = client.get(url).json()

    again = counted_on_the_listeners_word(client, url).json()

    assert again["count"] == first["count"] == 3
    assert again == first


def test_an_unpublish_committed_elsewhere_is_counted_once_heard(client, pieces, editor):
    url = reverse("v1:publication-list")
    topic = reverse("v1:topic-publications", kwargs={"slug": pieces[0].topics.get().slug})
    counted_on_the_listeners_word(client, url)
    counted_on_the_listeners_word(client, topic)
    before = change_listener.listener.change

    in_another_connection(lambda: publication_unpublish(publication=pieces[0], by=editor))
    heard_after(before)

    assert client.get(url).json()["count"] == 2
    assert client.get(topic).json()["count"] == 2


def test_an_edit_that_moves_nothing_keeps_the_count_on_the_listeners_word(client, pieces):
    url = reverse("v1:publication-list")
    counted_on_the_listeners_word(client, url)
    before = change_listener.listener.change

    pieces[1].summary = "Revised."
    in_another_connection(lambda: publication_update(publication=pieces[1]))
    heard_after(before)

    # Heard, and not a change of what lists count: still no read (a heartbeat may ride along).
    assert counted_on_the_listeners_word(client, url).json()["count"] == 3


def test_a_search_is_counted_again_after_any_edit(client, pieces):
    url = reverse("v1:publication-list") + "?q=revised"
    assert client.get(url).json()["count"] == 0
    counted_on_the_listeners_word(client, url)
    before = change_listener.listener.change

    pieces[1].title = "Revised piece"
    in_another_connection(lambda: publication_update(publication=pieces[1]))
    heard_after(before)

    assert client.get(url).json()["count"] == 1


def test_a_scheduled_piece_is_counted_from_its_time_without_any_notice(client, pieces):
    due = timezone.now() + dt.timedelta(minutes=10)
    PublicationFactory(scheduled=True, title="Not yet", published_at=due)
    url = reverse("v1:publication-list")
    assert counted_on_the_listeners_word(client, url).json()["count"] == 3
    heard = change_listener.listener.change

    with time_machine.travel(due + dt.timedelta(seconds=1)):
        assert client.get(url).json()["count"] == 4
    assert change_listener.listener.change == heard


def test_a_kept_count_is_read_again_after_the_shared_entrys_lifetime(client, pieces, settings):
    url = reverse("v1:publication-list")
    counted_on_the_listeners_word(client, url)

    with (
        time_machine.travel(timezone.now() + dt.timedelta(seconds=settings.API_CACHE_TIMEOUT + 1)),
        CaptureQueriesContext(connection) as queries,
    ):
        client.get(url)

    # The process no longer answers from what it kept: it reads the shared entry (which, past its own
    # lifetime too, is counted afresh and stored again).
    assert any("api:summary:" in query["sql"] for query in queries.captured_queries)


def test_without_listening_every_list_reads_its_count(client, pieces, settings):
    settings.API_CACHE_LISTEN = False
    url = reverse("v1:publication-list")
    client.get(url)
    time.sleep(settings.API_CACHE_LISTEN_HEARTBEAT)

    assert [queries_of(client, url)[1] for _ in range(3)] == [2, 2, 2]


FOREVER = float("inf")


def test_kept_values_are_emptied_when_their_budget_is_full():
    values = KeptValues(budget=1000)
    heard = Heard(connection=1, change=0)
    values.keep("a", Kept(1, (), heard, None, 600, FOREVER))
    values.keep("a", Kept(2, (), heard, None, 600, FOREVER))
    assert (list(values.values), values.size) == (["a"], 600)

    values.keep("b", Kept(3, (), heard, None, 600, FOREVER))
    assert (list(values.values), values.size) == (["b"], 600)

    values.keep("c", Kept(4, (), heard, None, 2000, FOREVER))
    assert (list(values.values), values.size) == ([], 0)
