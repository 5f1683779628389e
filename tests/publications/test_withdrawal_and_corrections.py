"""Withdrawals (410 Gone with a public notice) and corrections, on every public surface."""

import datetime as dt
import json
import xml.etree.ElementTree as ET

import feedparser
import pytest
import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from partners.models import WebhookDelivery, WebhookSubscription
from partners.webhooks import webhook_scan_changes
from publications.models import Publication, PublicationChange
from publications.services import (
    publication_correct,
    publication_publish,
    publication_restore_withdrawn,
    publication_withdraw,
)
from tests.factories import PartnerFactory, PublicationFactory

pytestmark = pytest.mark.django_db

NOTICE = "Withdrawn: the survey data behind its second section were wrong."
SITEMAP = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture
def publisher(member_of):
    return member_of("publishers")


@pytest.fixture
def live():
    # Ready for the pre-publish check before it goes live, so its change feed starts with one `published`.
    piece = PublicationFactory(ready=True, title="Water and Power", slug="water-and-power", summary="Dams.")
    return publication_publish(publication=piece, at=timezone.now() - dt.timedelta(hours=1))


def withdraw(live, publisher):
    publication_withdraw(publication=live, by=publisher, notice=NOTICE)
    live.refresh_from_db()
    return live


def test_withdrawn_detail_is_410_gone_with_the_notice(client, live, publisher):
    withdraw(live, publisher)
    response = client.get("/api/v1/publications/water-and-power/")
    assert response.status_code == 410
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json() == {
        "type": "about:blank",
        "title": "Gone",
        "status": 410,
        "detail": "This publication was withdrawn.",
        "instance": "/api/v1/publications/water-and-power/",
        "notice": NOTICE,
        "publication": {
            "slug": "water-and-power",
            "title": "Water and Power",
            "withdrawn_at": timezone.localtime(live.withdrawn_at).isoformat(),
        },
    }


def test_drafts_stay_404_not_410(client):
    PublicationFactory(slug="a-draft")
    assert client.get("/api/v1/publications/a-draft/").status_code == 404


def test_a_cached_detail_does_not_outlive_the_withdrawal(client, live, publisher):
    assert client.get("/api/v1/publications/water-and-power/").status_code == 200
    withdraw(live, publisher)
    assert client.get("/api/v1/publications/water-and-power/").status_code == 410


def test_withdrawn_piece_leaves_lists_search_and_published(client, live, publisher):
    withdraw(live, publisher)
    assert not Publication.objects.published().filter(pk=live.pk).exists()
    assert not live.is_live
    assert client.get("/api/v1/publications/").json()["results"] == []
    assert client.get("/api/v1/publications/", {"q": "water"}).json()["results"] == []


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_withdrawn_piece_is_dropped_from_xml_feeds(client, live, publisher, fmt):
    assert len(feedparser.parse(client.get(f"/feeds/{fmt}/").content).entries) == 1
    withdraw(live, publisher)
    assert feedparser.parse(client.get(f"/feeds/{fmt}/").content).entries == []


def test_withdrawn_piece_is_dropped_from_the_json_feed_and_sitemap(client, live, publisher):
    withdraw(live, publisher)
    assert client.get("/feeds/json/").json()["items"] == []
    sitemap = ET.fromstring(client.get("/sitemap-publications.xml").content)
    assert [loc.text for loc in sitemap.findall("sm:url/sm:loc", SITEMAP)] == []


def test_change_feed_reports_withdrawn_with_the_notice_then_published_on_restore(client, live, publisher):
    withdraw(live, publisher)
    publication_restore_withdrawn(publication=live, by=publisher)
    results = client.get("/api/v1/changes/").json()["results"]
    assert [(change["kind"], change["notice"]) for change in results] == [
        ("published", None),
        ("withdrawn", NOTICE),
        ("published", None),
    ]
    assert results[1]["publication"] is None
    assert client.get("/api/v1/publications/water-and-power/").status_code == 200


def test_webhooks_get_the_withdrawn_event_with_the_notice(live, publisher, settings):
    # Nothing is sent here (only the scan runs); a local address saves without resolving a public host.
    settings.WEBHOOK_ALLOW_HTTP = settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    subscription = WebhookSubscription.objects.create(partner=PartnerFactory(), url="http://127.0.0.1:9/")
    webhook_scan_changes()  # the first scan starts from the present
    withdraw(live, publisher)
    webhook_scan_changes()
    (delivery,) = WebhookDelivery.objects.filter(subscription=subscription)
    body = json.loads(delivery.body)
    assert (delivery.event, body["event"], body["notice"]) == ("withdrawn", "withdrawn", NOTICE)
    assert body["publication"]["slug"] == "water-and-power"


def test_only_publishers_withdraw_or_correct(member_of, live):
    editor = member_of("editors")
    with pytest.raises(PermissionDenied):
        publication_withdraw(publication=live, by=editor, notice=NOTICE)
    with pytest.raises(PermissionDenied):
        publication_correct(publication=live, by=editor, text="A date was wrong.")


def test_correction_shows_in_the_detail_and_marks_the_piece_updated(client, live, publisher):
    before = Publication.objects.get(pk=live.pk).updated_at
    publication_correct(
        publication=live, by=publisher, text="An earlier version gave the dam's height in feet.",
        date=dt.date(2026, 11, 2),
    )  # fmt: skip
    publication_correct(publication=live, by=publisher, text="The second map was mislabelled.")

    detail = client.get("/api/v1/publications/water-and-power/").json()
    assert detail["corrections"] == [
        {"date": "2026-11-02", "text": "An earlier version gave the dam's height in feet."},
        {"date": timezone.localdate().isoformat(), "text": "The second map was mislabelled."},
    ]
    assert Publication.objects.get(pk=live.pk).updated_at > before
    kinds = list(PublicationChange.objects.filter(publication_id=live.pk).values_list("kind", flat=True))
    assert kinds == ["published", "updated", "updated"]
    atom = feedparser.parse(client.get("/feeds/atom/").content)
    assert dt.datetime.fromisoformat(atom.entries[0].updated) > before


def test_a_draft_cannot_be_corrected(publisher):
    with pytest.raises(ValidationError):
        publication_correct(publication=PublicationFactory(), by=publisher, text="Too early.")


def test_the_openapi_schema_documents_the_410_with_its_shape(client, live, publisher):
    schema = yaml.safe_load(client.get("/api/v1/schema/").content)
    gone = schema["paths"]["/api/v1/publications/{slug}/"]["get"]["responses"]["410"]
    component = gone["content"]["application/problem+json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    shape = schema["components"]["schemas"][component]
    withdraw(live, publisher)
    document = client.get("/api/v1/publications/water-and-power/").json()
    assert set(shape["properties"]) == set(document)
    nested = shape["properties"]["publication"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][nested]["properties"]) == set(document["publication"])
    detail = schema["components"]["schemas"]["PublicationDetail"]["properties"]
    assert "corrections" in detail
