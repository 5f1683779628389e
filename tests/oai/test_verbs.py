"""Each OAI-PMH verb and each protocol error, validated against the OAI-PMH and oai_dc schemas."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
import time_machine
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import etree

from oai import records
from publications.models import Publication, PublicationChange
from publications.services import (
    publication_delete,
    publication_trash,
    publication_unpublish,
    publication_update,
    publication_withdraw,
)
from tests.factories import AuthorFactory, PublicationFactory, SeriesFactory, TopicFactory
from tests.oai.conftest import NS, error_codes

pytestmark = pytest.mark.django_db

HOST = "www.ciss.example"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = f"https://{HOST}"
    settings.PUBLISHER_NAME = "Center for International Strategic Studies"
    settings.OAI_ADMIN_EMAIL = "library@ciss.example"
    settings.OAI_PAGE_SIZE = 2


def identifier(publication) -> str:
    return f"oai:{HOST}:{publication.uuid}"


@pytest.fixture
def paper():
    return PublicationFactory(
        published=True,
        type=Publication.Type.POLICY_PAPER,
        title="Deterrence \x0b& <stability>",
        slug="deterrence",
        authors=[
            AuthorFactory(name="Syed Ali Abbas", sort_name="Abbas, Syed Ali"),
            AuthorFactory(name="Zoë Khan"),
        ],
        topics=[TopicFactory(name="Nuclear policy", slug="nuclear-policy")],
        series=SeriesFactory(name="Policy Papers", slug="policy-papers"),
        doi="10.5555/ciss.1",
        report_number="PP-1",
    )


def headers(document):
    return [
        (
            header.findtext("oai:identifier", namespaces=NS),
            header.get("status"),
            [spec.text for spec in header.findall("oai:setSpec", NS)],
        )
        for header in document.iter(f"{{{NS['oai']}}}header")
    ]


def test_identify(oai_get, paper):
    document = oai_get(verb="Identify").xml

    identify = document.find("oai:Identify", NS)
    assert (
        identify.findtext("oai:repositoryName", namespaces=NS) == "Center for International Strategic Studies"
    )
    assert identify.findtext("oai:baseURL", namespaces=NS) == "http://testserver/oai/"
    assert identify.findtext("oai:protocolVersion", namespaces=NS) == "2.0"
    assert identify.findtext("oai:adminEmail", namespaces=NS) == "library@ciss.example"
    assert identify.findtext("oai:deletedRecord", namespaces=NS) == "persistent"
    assert identify.findtext("oai:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    first_change = PublicationChange.objects.order_by("effective_at").first().effective_at
    assert identify.findtext("oai:earliestDatestamp", namespaces=NS) == first_change.strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    assert (
        identify.findtext(".//{http://www.openarchives.org/OAI/2.0/oai-identifier}repositoryIdentifier")
        == HOST
    )


def test_list_metadata_formats(oai_get, paper):
    for arguments in ({}, {"identifier": identifier(paper)}):
        document = oai_get(verb="ListMetadataFormats", **arguments).xml
        assert [element.text for element in document.iterfind(".//oai:metadataPrefix", NS)] == ["oai_dc"]


def test_list_sets_names_topics_series_and_types_with_live_pieces(oai_get, paper):
    TopicFactory(name="Empty", slug="empty")  # no live piece: no set
    document = oai_get(verb="ListSets").xml

    specs = [element.text for element in document.iterfind(".//oai:setSpec", NS)]
    assert specs == ["topic:nuclear-policy", "series:policy-papers", "type:policy_paper"]


def test_list_sets_reads_one_row_per_type_not_every_live_piece(oai_get, paper):
    PublicationFactory.create_batch(7, published=True, type=Publication.Type.POLICY_PAPER)
    PublicationFactory(type=Publication.Type.REPORT)  # a draft: no set

    with CaptureQueriesContext(connection) as statements:
        document = oai_get(verb="ListSets").xml

    assert [element.text for element in document.iterfind(".//oai:setSpec", NS)][-1] == "type:policy_paper"
    # The statement that finds the types: at most one row for each type, however many pieces are live
    # (the DISTINCT over the published list read and sent all eight).
    [types_sql] = [q["sql"] for q in statements.captured_queries if '"type" AS "type"' in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(types_sql)
        assert sorted(row[0] for row in cursor.fetchall()) == ["policy_paper"]


def test_get_record_is_oai_dc_from_the_citation(oai_get, paper):
    document = oai_get(verb="GetRecord", identifier=identifier(paper), metadataPrefix="oai_dc").xml

    [header] = headers(document)
    assert header == (
        identifier(paper),
        None,
        ["topic:nuclear-policy", "series:policy-papers", "type:policy_paper"],
    )
    dc = document.find(".//oai_dc:dc", NS)
    fields = [(element.tag.split("}")[1], element.text) for element in dc]
    assert fields == [
        # The vertical tab XML cannot carry is dropped; markup stays text.
        ("title", "Deterrence & <stability>"),
        ("creator", "Abbas, Syed Ali"),
        ("creator", "Khan, Zoë"),
        ("subject", "Nuclear policy"),
        ("description", paper.summary),
        ("publisher", "Center for International Strategic Studies"),
        ("date", paper.published_at.astimezone(dt.UTC).date().isoformat()),
        ("type", "Text"),
        ("type", "Policy paper"),
        ("format", "text/html"),
        ("identifier", f"https://{HOST}/publications/deterrence/"),
        ("identifier", "https://doi.org/10.5555/ciss.1"),
        ("identifier", "PP-1"),
        ("relation", "Policy Papers"),
        ("language", "en"),
    ]


@pytest.mark.parametrize("how", ["unpublish", "withdraw", "trash", "delete"])
def test_a_piece_that_left_is_a_deleted_header_without_metadata(oai_get, paper, editor, how):
    before = identifier(paper)
    if how == "unpublish":
        publication_unpublish(publication=paper, by=editor)
    elif how == "withdraw":
        publication_withdraw(publication=paper, by=editor, notice="Withdrawn.")
    elif how == "trash":
        publication_trash(publication=paper, by=editor)
    else:
        publication_delete(publication=paper, by=editor)

    record = oai_get(verb="GetRecord", identifier=before, metadataPrefix="oai_dc")
    listed = oai_get(verb="ListRecords", metadataPrefix="oai_dc")

    for document in (record.xml, listed.xml):
        assert headers(document) == [(before, "deleted", [])]
        assert document.find(".//oai:metadata", NS) is None
    assert b"Deterrence" not in record.content + listed.content


def test_drafts_and_scheduled_pieces_have_no_record(oai_get, paper):
    draft = PublicationFactory(title="Secret draft")
    scheduled = PublicationFactory(scheduled=True, title="Not yet")

    listed = oai_get(verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert [identifier for identifier, _, _ in headers(listed.xml)] == [identifier(paper)]
    for hidden in (draft, scheduled):
        document = oai_get(verb="GetRecord", identifier=identifier(hidden), metadataPrefix="oai_dc").xml
        assert error_codes(document) == ["idDoesNotExist"]


def test_a_scheduled_piece_appears_at_its_time(oai_get, paper):
    scheduled = PublicationFactory(scheduled=True)
    with time_machine.travel(scheduled.published_at + dt.timedelta(seconds=5)):
        listed = oai_get(verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert identifier(scheduled) in [identifier for identifier, _, _ in headers(listed.xml)]


def test_lists_page_with_resumption_tokens_and_from_until(oai_get):
    start = timezone.now().replace(microsecond=0) - dt.timedelta(days=10)
    pieces = []
    for day in range(5):
        with time_machine.travel(start + dt.timedelta(days=day), tick=False):
            pieces.append(PublicationFactory(published=True, published_at=start - dt.timedelta(days=1)))

    seen, token, pages = [], None, 0
    while True:
        arguments = {"resumptionToken": token} if token else {"metadataPrefix": "oai_dc"}
        document = oai_get(verb="ListIdentifiers", **arguments).xml
        seen += [identifier for identifier, _, _ in headers(document)]
        pages += 1
        element = document.find(".//oai:resumptionToken", NS)
        token = element.text if element is not None else None
        if not token:
            break
    assert seen == [identifier(piece) for piece in pieces]
    assert pages == 3

    day_two = (start + dt.timedelta(days=1)).strftime("%Y-%m-%d")
    day_three = (start + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    document = oai_get(verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": day_two}).xml
    assert [identifier for identifier, _, _ in headers(document)] == [identifier(p) for p in pieces[1:3]]
    document = oai_get(verb="ListIdentifiers", metadataPrefix="oai_dc", until=day_three).xml
    assert [identifier for identifier, _, _ in headers(document)] == [identifier(p) for p in pieces[:2]]
    document = oai_get(verb="ListIdentifiers", metadataPrefix="oai_dc", set="type:commentary").xml
    assert len(headers(document)) == 2


@pytest.mark.parametrize("set_spec", ["topic:nuclear-policy", "series:policy-papers", "type:policy_paper"])
def test_a_small_set_is_read_by_its_members_ids_with_the_same_records(
    oai_get, paper, response_cache_off, monkeypatch, set_spec
):
    topic, series = paper.topics.get(), paper.series
    for _ in range(4):
        PublicationFactory(published=True, type=paper.type, topics=[topic], series=series)
    PublicationFactory(published=True)  # in none of the sets
    arguments = {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": set_spec}

    def harvest() -> tuple[list[bytes], list[str]]:
        pages, statements, token = [], [], None
        while True:
            with CaptureQueriesContext(connection) as captured:
                response = oai_get(
                    **({"verb": "ListRecords", "resumptionToken": token} if token else arguments)
                )
            statements += [q["sql"] for q in captured.captured_queries if "publicationchange" in q["sql"]]
            pages.append(response.content)
            element = response.xml.find(".//oai:resumptionToken", NS)
            token = element.text if element is not None else None
            if not token:
                return pages, statements

    by_ids, small_statements = harvest()
    # The members' ids, not a subquery walked with the log (the whole log for a set of three pieces).
    assert small_statements and all("IN (SELECT" not in sql for sql in small_statements)

    monkeypatch.setattr(records, "SMALL_SET", 2)
    by_subquery, large_statements = harvest()
    assert any("IN (SELECT" in sql for sql in large_statements)
    assert len(by_ids) == 3
    assert [_without_tokens(page) for page in by_ids] == [_without_tokens(page) for page in by_subquery]


def _without_tokens(content: bytes) -> bytes:
    """An answer without its resumption token and response date, which differ between two harvests."""
    document = etree.fromstring(content)
    for element in [*document.iter(f"{{{NS['oai']}}}resumptionToken"), document.find("oai:responseDate", NS)]:
        element.text = None
        element.attrib.pop("expirationDate", None)
    document.find("oai:request", NS).attrib.pop("resumptionToken", None)
    return etree.tostring(document)


def test_an_edit_during_a_walk_neither_repeats_nor_loses_a_record(oai_get, editor):
    pieces = [PublicationFactory(published=True) for _ in range(4)]
    first = oai_get(verb="ListRecords", metadataPrefix="oai_dc").xml
    token = first.find(".//oai:resumptionToken", NS).text
    # The first piece, already sent, and the third, not yet sent, change while the harvester walks.
    for piece in (pieces[0], pieces[2]):
        piece.title = f"{piece.title} (revised)"
        publication_update(publication=piece, by=editor)

    second = oai_get(verb="ListRecords", resumptionToken=token).xml

    seen = [identifier for document in (first, second) for identifier, _, _ in headers(document)]
    assert seen == [identifier(piece) for piece in pieces]
    titles = [element.text for element in second.iterfind(".//dc:title", NS)]
    assert titles[0].endswith("(revised)")


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "Frobnicate"}, "badVerb"),
        ({"verb": ["Identify", "Identify"]}, "badVerb"),
        ({"verb": "Identify", "extra": "1"}, "badArgument"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": ["oai_dc", "oai_dc"]}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2025-13-01"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2025-01-01T00:00:00"}, "badArgument"),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2025-01-01",
                "until": "2025-02-01T00:00:00Z",
            },
            "badArgument",
        ),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2025-02-01", "until": "2025-01-01"},
            "badArgument",
        ),
        ({"verb": "ListRecords", "resumptionToken": "x", "metadataPrefix": "oai_dc"}, "badArgument"),
        ({"verb": "GetRecord", "identifier": "oai:x:1"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
        # The bad date wins: an answer naming the format would echo an invalid `from`.
        ({"verb": "ListRecords", "metadataPrefix": "marc21", "from": "yesterday"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai dc"}, "badArgument"),
        ({"verb": "GetRecord", "identifier": "oai:x:1", "metadataPrefix": "<dc>"}, "badArgument"),
        ({"verb": "Identify", "x": "\x00"}, "badArgument"),
        (
            {
                "verb": "GetRecord",
                "identifier": f"oai:{HOST}:00000000-0000-4000-8000-000000000000",
                "metadataPrefix": "oai_dc",
            },
            "idDoesNotExist",
        ),
        (
            {"verb": "GetRecord", "identifier": "oai:elsewhere.org:1", "metadataPrefix": "oai_dc"},
            "idDoesNotExist",
        ),
        ({"verb": "ListMetadataFormats", "identifier": "junk"}, "idDoesNotExist"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "topic:nothing-here"}, "noRecordsMatch"),
        ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from": "2999-01-01"}, "noRecordsMatch"),
        ({"verb": "ListRecords", "resumptionToken": "garbled"}, "badResumptionToken"),
        ({"verb": "ListSets", "resumptionToken": "anything"}, "badResumptionToken"),
    ],
)
def test_protocol_errors(client, paper, arguments, code):
    from tests.oai.conftest import valid_oai

    response = client.get("/oai/", arguments)

    assert response.status_code == 200
    document = valid_oai(response.content)
    assert error_codes(document) == [code]
    request = document.find("oai:request", NS)
    if code in ("badVerb", "badArgument"):
        assert request.attrib == {}  # the base URL only, as the specification asks


def test_a_token_of_another_verb_or_expired_is_bad(oai_get, settings):
    PublicationFactory.create_batch(3, published=True)
    token = (
        oai_get(verb="ListIdentifiers", metadataPrefix="oai_dc").xml.find(".//oai:resumptionToken", NS).text
    )

    assert error_codes(oai_get(verb="ListRecords", resumptionToken=token).xml) == ["badResumptionToken"]
    tampered = signing.dumps({"v": "ListIdentifiers"}, salt="another", compress=True)
    assert error_codes(oai_get(verb="ListIdentifiers", resumptionToken=tampered).xml) == [
        "badResumptionToken"
    ]
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=settings.OAI_TOKEN_LIFETIME_SECONDS + 5)):
        assert error_codes(oai_get(verb="ListIdentifiers", resumptionToken=token).xml) == [
            "badResumptionToken"
        ]


def test_no_sets_is_no_set_hierarchy(oai_get):
    assert error_codes(oai_get(verb="ListSets").xml) == ["noSetHierarchy"]


def test_post_form_is_answered_as_get(client, paper):
    from tests.oai.conftest import valid_oai

    form = urlencode({"verb": "GetRecord", "identifier": identifier(paper), "metadataPrefix": "oai_dc"})
    response = client.post("/oai/", form, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200, response.content
    assert headers(valid_oai(response.content))[0][0] == identifier(paper), response.content


def test_post_of_another_content_type_is_refused(client):
    response = client.post("/oai/", {"verb": "Identify"})  # multipart/form-data

    assert response.status_code == 415
    assert response["Content-Type"] == "application/problem+json"


def test_answers_are_cached_with_validators(client, paper):
    first = client.get("/oai/", {"verb": "Identify"})
    again = client.get("/oai/", {"verb": "Identify"}, headers={"if-none-match": first["ETag"]})

    assert again.status_code == 304
    assert "oai" in first["Surrogate-Key"].split()


def test_harvesters_are_throttled_as_the_api_even_on_cached_answers(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/minute"}}

    statuses = [client.get("/oai/", {"verb": "Identify"}).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


@pytest.mark.parametrize("page_size", [2, 5])
def test_a_list_page_costs_the_same_queries_whatever_its_size(
    client, settings, response_cache_off, django_assert_num_queries, page_size
):
    settings.OAI_PAGE_SIZE = page_size
    PublicationFactory.create_batch(6, published=True, authors=[AuthorFactory()], topics=[TopicFactory()])

    # 1. savepoint (the read's transaction, nested in the test's), 2. the change log's read barrier,
    # 3. the page of last changes, 4. the live pieces with byline, topics and series, 5. release.
    with django_assert_num_queries(5):
        response = client.get("/oai/", {"verb": "ListRecords", "metadataPrefix": "oai_dc"})
    assert response.content.count(b"<record>") == page_size
