"""The metadata of the site's pages, read as harvesters read it: extruct for JSON-LD, OpenGraph and Dublin
Core, lxml for Highwire's citation_* tags (which extruct does not know); and the API detail's copy of it."""

from __future__ import annotations

import datetime as dt

import extruct
import lxml.html
import pytest
from django.utils import timezone

from publications.models import CrossPost, PublicationAuthor
from tests.factories import (
    AuthorFactory,
    AuthorLinkFactory,
    CrossPostFactory,
    EducationFactory,
    PositionFactory,
    PublicationFactory,
    SeriesFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

PUBLISHER = "Center for International Strategic Studies"


def extracted(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    data = extruct.extract(
        html,
        base_url=f"http://testserver{url}",
        syntaxes=["json-ld", "opengraph", "dublincore"],
        uniform=True,
    )
    tree = lxml.html.fromstring(html)
    data["citation"] = [
        (meta.get("name"), meta.get("content"))
        for meta in tree.xpath("//head/meta[starts-with(@name, 'citation_')]")
    ]
    data["canonical"] = tree.xpath("//head/link[@rel='canonical']/@href")
    data["tags"] = [
        {key: meta.get(key) for key in ("name", "property", "content") if meta.get(key) is not None}
        for meta in tree.xpath("//head/meta[@content]")
        if meta.get("name") != "viewport"
    ]
    return data


def citation(data: dict, name: str) -> list[str]:
    return [content for key, content in data["citation"] if key == name]


def dublin_core(data: dict, name: str) -> list[str]:
    return [element["content"] for element in data["dublincore"][0]["elements"] if element["name"] == name]


@pytest.fixture
def report():
    first = AuthorFactory(name="Amna Qureshi", slug="amna-qureshi", headline="Director Research")
    second = AuthorFactory(name="Zubair Ahmad", slug="zubair-ahmad", headline="Research Fellow")
    AuthorLinkFactory(author=first, url="https://orcid.org/0000-0002-1825-0097")
    piece = PublicationFactory(
        published=True,
        type="report",
        title="Strategic Stability in South Asia",
        slug="strategic-stability",
        summary="Why stability holds.",
        report_number="CISS-R-12",
        doi="10.5555/ciss.12",
        pdf="publications/pdf/2026/stability.pdf",
        language="en",
        authors=[first, second],
        topics=[TopicFactory(name="Deterrence")],
    )
    return piece


def test_report_page_carries_highwire_tags_for_google_scholar(client, report):
    data = extracted(client, "/publications/strategic-stability/")
    published_on = timezone.localdate(report.published_at)

    assert citation(data, "citation_title") == ["Strategic Stability in South Asia"]
    assert citation(data, "citation_author") == ["Amna Qureshi", "Zubair Ahmad"]
    assert citation(data, "citation_publication_date") == [published_on.strftime("%Y/%m/%d")]
    assert citation(data, "citation_pdf_url") == [
        "http://testserver/media/publications/pdf/2026/stability.pdf"
    ]
    assert citation(data, "citation_doi") == ["10.5555/ciss.12"]
    assert citation(data, "citation_technical_report_institution") == [PUBLISHER]
    assert citation(data, "citation_technical_report_number") == ["CISS-R-12"]
    assert citation(data, "citation_language") == ["en"]
    assert citation(data, "citation_abstract_html_url") == [
        "http://127.0.0.1:8000/publications/strategic-stability/"
    ]
    assert citation(data, "citation_journal_title") == []


def test_report_page_carries_schema_org_dublin_core_and_opengraph(client, report):
    data = extracted(client, "/publications/strategic-stability/")

    [document] = data["json-ld"]
    assert document["@type"] == "Report"
    assert document["headline"] == "Strategic Stability in South Asia"
    assert document["reportNumber"] == "CISS-R-12"
    assert [author["name"] for author in document["author"]] == ["Amna Qureshi", "Zubair Ahmad"]
    assert all(author["@type"] == "Person" for author in document["author"])
    assert document["author"][0]["jobTitle"] == "Director Research"
    assert document["author"][0]["sameAs"] == ["https://orcid.org/0000-0002-1825-0097"]
    assert document["author"][0]["affiliation"] == {"@type": "Organization", "name": PUBLISHER}
    assert dt.datetime.fromisoformat(document["datePublished"]) == report.published_at
    assert document["publisher"]["name"] == PUBLISHER
    assert document["publisher"]["logo"]["url"] == "http://127.0.0.1:8000/static/website/logo.png"
    assert document["encoding"]["contentUrl"] == "http://testserver/media/publications/pdf/2026/stability.pdf"
    assert document["identifier"]["value"] == "10.5555/ciss.12"
    assert dublin_core(data, "DC.creator") == ["Amna Qureshi", "Zubair Ahmad"]
    assert dublin_core(data, "DC.title") == ["Strategic Stability in South Asia"]
    assert dublin_core(data, "DC.identifier") == ["doi:10.5555/ciss.12"]
    [opengraph] = data["opengraph"]
    assert opengraph["og:title"] == "Strategic Stability in South Asia"
    assert opengraph["og:url"] == "http://127.0.0.1:8000/publications/strategic-stability/"
    assert opengraph["@type"] == "article"  # extruct names og:type so
    assert data["canonical"] == ["http://127.0.0.1:8000/publications/strategic-stability/"]


def test_journal_article_names_its_journal_volume_and_issue(client):
    journal = SeriesFactory(name="CISS Insight", issn="2310-1234")
    PublicationFactory(
        published=True,
        type="journal_article",
        slug="arms-control",
        series=journal,
        volume="11",
        issue="3",
        authors=[AuthorFactory()],
    )

    data = extracted(client, "/publications/arms-control/")

    assert citation(data, "citation_journal_title") == ["CISS Insight"]
    assert citation(data, "citation_volume") == ["11"]
    assert citation(data, "citation_issue") == ["3"]
    assert citation(data, "citation_issn") == ["2310-1234"]
    assert citation(data, "citation_technical_report_institution") == []
    [document] = data["json-ld"]
    assert document["@type"] == "ScholarlyArticle"
    issue = document["isPartOf"]
    assert (issue["@type"], issue["issueNumber"]) == ("PublicationIssue", "3")
    assert issue["isPartOf"]["volumeNumber"] == "11"
    assert issue["isPartOf"]["isPartOf"] == {
        "@type": "Periodical",
        "name": "CISS Insight",
        "issn": "2310-1234",
    }


@pytest.mark.parametrize(
    ("publication_type", "schema_type", "og_type"),
    [
        ("commentary", "OpinionNewsArticle", "article"),
        ("policy_paper", "Report", "article"),
        ("book", "Book", "book"),
    ],
)
def test_json_ld_type_follows_the_publication_type(client, publication_type, schema_type, og_type):
    PublicationFactory(published=True, type=publication_type, slug="piece", authors=[AuthorFactory()])

    data = extracted(client, "/publications/piece/")

    [document] = data["json-ld"]
    assert document["@type"] == schema_type
    for required in ("headline", "author", "datePublished", "publisher", "url"):
        assert document[required], required
    assert data["opengraph"][0]["@type"] == og_type


def test_cross_posts_are_is_based_on_or_same_as_and_the_canonical_one_is_canonical(client):
    piece = PublicationFactory(published=True, slug="piece", authors=[AuthorFactory()])
    CrossPostFactory(
        publication=piece,
        url="https://strafasia.com/original/",
        relation=CrossPost.Relation.ORIGINAL_ELSEWHERE,
        is_canonical=True,
    )
    CrossPostFactory(
        publication=piece, url="https://other.example/form/", relation=CrossPost.Relation.ANOTHER_FORM
    )

    data = extracted(client, "/publications/piece/")

    [document] = data["json-ld"]
    assert document["isBasedOn"] == ["https://strafasia.com/original/"]
    assert document["sameAs"] == ["https://other.example/form/"]
    assert data["canonical"] == ["https://strafasia.com/original/"]


def test_editors_and_trashed_authors_are_not_cited_as_authors(client):
    writer = AuthorFactory(name="Omar Writer")
    editor = AuthorFactory(name="Zara Editor")
    gone = AuthorFactory(name="Trashed Person", trashed_at=timezone.now())
    PublicationFactory(published=True, slug="piece", authors=[writer, editor, gone])
    PublicationAuthor.objects.filter(author=editor).update(role="editor")

    data = extracted(client, "/publications/piece/")

    assert citation(data, "citation_author") == ["Omar Writer"]
    [document] = data["json-ld"]
    assert [person["name"] for person in document["author"]] == ["Omar Writer"]
    assert [person["name"] for person in document["editor"]] == ["Zara Editor"]
    assert "Trashed Person" not in str(data)


def test_markup_in_a_title_cannot_break_out_of_the_json_ld(client):
    title = "Deterrence </script><script>alert(1)</script> & after"
    PublicationFactory(published=True, slug="piece", title=title, authors=[AuthorFactory()])

    data = extracted(client, "/publications/piece/")

    [document] = data["json-ld"]
    assert document["headline"] == title
    assert citation(data, "citation_title") == [title]


def test_the_api_detail_carries_exactly_the_pages_metadata(client, report):
    data = extracted(client, "/publications/strategic-stability/")

    detail = client.get("/api/v1/publications/strategic-stability/").json()

    assert detail["jsonld"] == data["json-ld"][0]
    assert detail["meta"] == data["tags"]


def test_author_page_is_a_person_document(client):
    author = AuthorFactory(name="Amna Qureshi", slug="amna-qureshi", headline="Director Research")
    PositionFactory(author=author, title="Director Research", organization="CISS")
    EducationFactory(author=author, institution="Quaid-i-Azam University")
    AuthorLinkFactory(author=author, url="https://x.com/amnaq")

    data = extracted(client, "/authors/amna-qureshi/")

    [document] = data["json-ld"]
    assert document["@type"] == "Person"
    assert document["name"] == "Amna Qureshi"
    assert document["jobTitle"] == "Director Research"
    assert document["worksFor"] == [{"@type": "Organization", "name": "CISS"}]
    assert document["alumniOf"] == [{"@type": "EducationalOrganization", "name": "Quaid-i-Azam University"}]
    assert document["sameAs"] == ["https://x.com/amnaq"]
    assert data["opengraph"][0]["@type"] == "profile"
    assert data["canonical"] == ["http://127.0.0.1:8000/authors/amna-qureshi/"]
