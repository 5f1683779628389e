"""JSON Feed items by a statement compiled once per process and feed (publications.feeds): the same items,
by the published rule at each request's time, on each request's host, with no compiling per request."""

import datetime as dt

import orjson
import pytest
import time_machine
from django.utils import timezone

from publications import feeds
from tests.compiles import compiled_models
from tests.factories import AuthorFactory, PublicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def uncached(settings):
    settings.API_CACHE = False  # every answer built anew


def item_urls(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["url"] for item in orjson.loads(response.content)["items"]]


def test_a_repeated_json_feed_compiles_no_sql(client):
    author = AuthorFactory(slug="amna")
    PublicationFactory(published=True, slug="piece", authors=[author])
    urls = [
        "/feeds/json/",
        "/feeds/json/?full=1",
        "/feeds/authors/amna/json/",
        "/feeds/json/?type=commentary",
    ]
    first = [client.get(url).content for url in urls]

    with compiled_models() as compiled:
        again = [client.get(url).content for url in urls]

    assert again == first
    assert "Publication" not in compiled  # the author feed still looks its author up


def test_a_scheduled_piece_joins_the_compiled_feed_at_its_time(client):
    PublicationFactory(published=True, slug="live")
    soon = PublicationFactory(scheduled=True, slug="soon")
    before = item_urls(client.get("/feeds/json/"))

    with time_machine.travel(soon.published_at + dt.timedelta(seconds=1)):
        after = item_urls(client.get("/feeds/json/"))

    assert [url.rsplit("/", 2)[-2] for url in before] == ["live"]
    assert [url.rsplit("/", 2)[-2] for url in after] == ["soon", "live"]


def test_files_are_on_each_requests_host(client, settings):
    settings.ALLOWED_HOSTS = ["testserver", "feeds.example"]
    PublicationFactory(published=True, slug="piece", pdf="publications/pdfs/piece.pdf", pdf_size=10)

    plain = orjson.loads(client.get("/feeds/json/").content)["items"][0]["attachments"][0]["url"]
    other = orjson.loads(client.get("/feeds/json/", HTTP_HOST="feeds.example").content)
    elsewhere = other["items"][0]["attachments"][0]["url"]

    assert plain.startswith("http://testserver/")
    assert elsewhere.startswith("http://feeds.example/")


def test_the_feeds_kept_compiled_are_bounded(client, monkeypatch):
    monkeypatch.setattr(feeds, "_compiled_items", {})
    monkeypatch.setattr(feeds, "COMPILED_FEEDS", 2)
    PublicationFactory(published=True, slug="piece", published_at=timezone.now() - dt.timedelta(days=1))

    statuses = [
        client.get(f"/feeds/json/?type={kind}").status_code for kind in ("commentary", "policy_paper")
    ]
    statuses += [client.get("/feeds/json/").status_code, client.get("/feeds/json/?full=1").status_code]

    assert statuses == [200, 200, 200, 200]
    assert len(feeds._compiled_items) == 2


def test_a_json_feed_s_items_statement_is_planned_once_per_connection(client):
    """The items' statement is bound on the server and prepared (DB_PREPARE_THRESHOLD, cissapi.prepared):
    Postgres plans it once per connection, not on every request."""
    from django.db import connection

    PublicationFactory(published=True, slug="piece")
    for _ in range(connection.settings_dict["OPTIONS"]["prepare_threshold"] + 1):
        assert client.get("/feeds/json/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert any('AS "pdf_unmeasured"' in statement for statement in statements)
