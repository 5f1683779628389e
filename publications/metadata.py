"""A page's metadata, produced once for the public site's pages and the API detail (`meta`, `jsonld`).

Library catalogues, Google Scholar and policy indexes read it from the HTML of an article page:

- Highwire Press `citation_*` tags, as Google Scholar's inclusion guidelines ask (one `citation_author`
  per author in byline order, dates as YYYY/MM/DD, the PDF, technical report institution and number for
  reports and policy papers, journal title, volume and issue for journal articles, the DOI);
- Dublin Core (`DC.*`), OpenGraph (`og:*`, `article:*`) and Twitter cards;
- one schema.org JSON-LD document: `Report`, `ScholarlyArticle`, `OpinionNewsArticle` or `Book` by type,
  authors as `Person` (jobTitle, affiliation, sameAs from their links), the publisher `Organization` with
  its logo, and cross-posts as `isBasedOn` (the original is elsewhere) or `sameAs` (the same work in
  another form or language).

Nothing here queries: a piece comes from `with_detail()` (byline, byline profiles, cross-posts), an author
from `with_bio()`. Only published pieces reach these functions: the callers read through `published()`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from authors.models import Author
from cissapi.api.documents import ApiUrls
from publications.choices import PublicationType
from publications.models import CrossPost, Publication, PublicationAuthor

SCHEMA_TYPES = {
    PublicationType.COMMENTARY: "OpinionNewsArticle",
    PublicationType.ISSUE_BRIEF: "Report",
    PublicationType.POLICY_PAPER: "Report",
    PublicationType.JOURNAL_ARTICLE: "ScholarlyArticle",
    PublicationType.REPORT: "Report",
    PublicationType.BOOK: "Book",
}
# Google Scholar indexes these as technical reports: the institution (and number) identify them.
TECHNICAL_REPORT_TYPES = {PublicationType.REPORT, PublicationType.POLICY_PAPER, PublicationType.ISSUE_BRIEF}
# Cross-posts whose original lives at the outlet: this piece is based on it. The others (another form, a
# translation) are the same work elsewhere.
BASED_ON_RELATIONS = {CrossPost.Relation.ORIGINAL_ELSEWHERE, CrossPost.Relation.REPUBLISHED_HERE}
OPENGRAPH_TYPES = {PublicationType.BOOK: "book"}
# Who wrote the piece (citation_author, DC.creator, schema.org author); editors and translators are named
# in their own roles.
WRITING_ROLES = {PublicationAuthor.Role.AUTHOR, PublicationAuthor.Role.CO_AUTHOR}


def publisher_document() -> dict[str, Any]:
    """The publisher as a schema.org Organization, with its logo."""
    return {
        "@type": "Organization",
        "name": settings.PUBLISHER_NAME,
        "url": f"{settings.SITE_URL}/",
        "logo": {"@type": "ImageObject", "url": settings.PUBLISHER_LOGO_URL},
    }


def person_in_byline(entry: dict[str, Any], profile: dict[str, Any]) -> dict[str, Any]:
    """A byline author as a schema.org Person: job title, the publisher as affiliation while they are on its
    staff or fellows, and their links as sameAs."""
    person: dict[str, Any] = {
        "@type": "Person",
        "name": entry["name"],
        "url": Author.public_url_of(entry["slug"]),
    }
    if entry["honorific"]:
        person["honorificPrefix"] = entry["honorific"]
    if entry["headline"]:
        person["jobTitle"] = entry["headline"]
    if profile.get("kind") != Author.Kind.GUEST and profile.get("affiliation") == Author.Affiliation.CURRENT:
        person["affiliation"] = {"@type": "Organization", "name": settings.PUBLISHER_NAME}
    if profile.get("links"):
        person["sameAs"] = list(profile["links"])
    return person


def publication_jsonld(publication: Publication, *, urls: ApiUrls) -> dict[str, Any]:
    """The schema.org document of a published piece (`jsonld` in the API detail, a script on its page)."""
    profiles = {profile["id"]: profile for profile in publication.byline_profiles}
    schema_type = SCHEMA_TYPES[PublicationType(publication.type)]
    document: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": schema_type,
        "@id": publication.public_url,
        "url": publication.public_url,
        "mainEntityOfPage": publication.public_url,
        "headline": publication.title,
        "name": publication.title,
    }
    if publication.subtitle:
        document["alternativeHeadline"] = publication.subtitle
    if publication.summary:
        document["description"] = publication.summary
    document["inLanguage"] = publication.language
    published, modified = _dates(publication)
    document["datePublished"] = published
    document["dateModified"] = modified
    document["author"] = [
        person_in_byline(entry, profiles.get(entry["id"], {}))
        for entry in publication.byline
        if entry["role"] in WRITING_ROLES
    ]
    editors = _people_in_role(publication, profiles, PublicationAuthor.Role.EDITOR)
    if editors:
        document["editor"] = editors
    translators = _people_in_role(publication, profiles, PublicationAuthor.Role.TRANSLATOR)
    if translators:
        document["translator"] = translators
    document["publisher"] = publisher_document()
    if publication.lead_image:
        document["image"] = urls.absolute(publication.lead_image.file.url)
    if publication.topic_list:
        document["keywords"] = [topic["name"] for topic in publication.topic_list]
    if publication.pdf:
        document["encoding"] = {
            "@type": "MediaObject",
            "contentUrl": urls.absolute(publication.pdf.url),
            "encodingFormat": "application/pdf",
        }
    if publication.doi:
        document["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI", "value": publication.doi}
        document["sameAs"] = [f"https://doi.org/{publication.doi}"]
    if schema_type == "Report" and publication.report_number:
        document["reportNumber"] = publication.report_number
    if publication.series is not None:
        document["isPartOf"] = _series_part(publication)
    based_on = [post["url"] for post in publication.cross_post_list if post["relation"] in BASED_ON_RELATIONS]
    elsewhere = [
        post["url"] for post in publication.cross_post_list if post["relation"] not in BASED_ON_RELATIONS
    ]
    if based_on:
        document["isBasedOn"] = based_on
    if elsewhere:
        document["sameAs"] = [*document.get("sameAs", []), *elsewhere]
    return document


def _people_in_role(
    publication: Publication, profiles: dict[int, dict[str, Any]], role: str
) -> list[dict[str, Any]]:
    return [
        person_in_byline(entry, profiles.get(entry["id"], {}))
        for entry in publication.byline
        if entry["role"] == role
    ]


def _series_part(publication: Publication) -> dict[str, Any]:
    """The series as schema.org's isPartOf: a journal as Periodical (with volume and issue), else a series."""
    series = publication.series
    assert series is not None  # the caller checked
    if series.kind != series.Kind.JOURNAL:
        return {"@type": "CreativeWorkSeries", "name": series.name}
    part: dict[str, Any] = {"@type": "Periodical", "name": series.name}
    if series.issn:
        part["issn"] = series.issn
    if publication.volume:
        part = {"@type": "PublicationVolume", "volumeNumber": publication.volume, "isPartOf": part}
    if publication.issue:
        part = {"@type": "PublicationIssue", "issueNumber": publication.issue, "isPartOf": part}
    return part


def publication_meta(publication: Publication, *, urls: ApiUrls) -> list[dict[str, str]]:
    """The `<meta>` tags of a published piece's page, in order: each {"name", "content"} or
    {"property", "content"} (OpenGraph uses `property`)."""
    authors = [entry for entry in publication.byline if entry["role"] in WRITING_ROLES]
    published_on = timezone.localdate(publication.published_at)
    pdf_url = urls.absolute(publication.pdf.url) if publication.pdf else None
    image_url = urls.absolute(publication.lead_image.file.url) if publication.lead_image else None
    description = publication.summary or publication.subtitle or ""
    tags: list[tuple[str, str, str | None]] = [
        ("name", "description", description),
        ("name", "citation_title", publication.title),
        *(("name", "citation_author", entry["name"]) for entry in authors),
        ("name", "citation_publication_date", published_on.strftime("%Y/%m/%d")),
        ("name", "citation_language", publication.language),
        ("name", "citation_abstract_html_url", publication.public_url),
        ("name", "citation_pdf_url", pdf_url),
        ("name", "citation_doi", publication.doi),
        ("name", "citation_publisher", settings.PUBLISHER_NAME),
        *(("name", "citation_keywords", topic["name"]) for topic in publication.topic_list),
    ]
    if publication.type in TECHNICAL_REPORT_TYPES:
        tags += [
            ("name", "citation_technical_report_institution", settings.PUBLISHER_NAME),
            ("name", "citation_technical_report_number", publication.report_number),
        ]
    series = publication.series
    if publication.type == PublicationType.JOURNAL_ARTICLE and series is not None:
        tags += [
            ("name", "citation_journal_title", series.name),
            ("name", "citation_issn", series.issn),
            ("name", "citation_volume", publication.volume),
            ("name", "citation_issue", publication.issue),
        ]
    tags += [
        ("name", "DC.title", publication.title),
        *(("name", "DC.creator", entry["name"]) for entry in authors),
        ("name", "DC.date", published_on.isoformat()),
        ("name", "DC.type", "Text"),
        ("name", "DC.format", "text/html"),
        ("name", "DC.language", publication.language),
        ("name", "DC.publisher", settings.PUBLISHER_NAME),
        ("name", "DC.identifier", f"doi:{publication.doi}" if publication.doi else publication.public_url),
        ("name", "DC.description", description),
        *(("name", "DC.subject", topic["name"]) for topic in publication.topic_list),
        ("property", "og:type", OPENGRAPH_TYPES.get(PublicationType(publication.type), "article")),
        ("property", "og:site_name", settings.SITE_NAME),
        ("property", "og:title", publication.title),
        ("property", "og:description", description),
        ("property", "og:url", publication.public_url),
        ("property", "og:locale", publication.language),
        ("property", "og:image", image_url),
        ("property", "og:image:alt", publication.lead_image.alt if publication.lead_image else None),
        ("property", "article:published_time", _dates(publication)[0]),
        ("property", "article:modified_time", _dates(publication)[1]),
        *(("property", "article:author", Author.public_url_of(entry["slug"])) for entry in authors),
        *(("property", "article:tag", topic["name"]) for topic in publication.topic_list),
        ("name", "twitter:card", "summary_large_image" if image_url else "summary"),
        ("name", "twitter:title", publication.title),
        ("name", "twitter:description", description),
        ("name", "twitter:image", image_url),
    ]
    return [{kind: name, "content": content} for kind, name, content in tags if content]


def author_jsonld(author: Author, *, urls: ApiUrls) -> dict[str, Any]:
    """An author's page as a schema.org Person (from with_bio()): current positions as jobTitle and
    worksFor, education as alumniOf, links as sameAs."""
    current = [position for position in author.position_list if position["is_current"]]
    document: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Person",
        "@id": author.public_url,
        "url": author.public_url,
        "name": author.name,
    }
    if author.honorific:
        document["honorificPrefix"] = author.honorific
    if author.headline or current:
        document["jobTitle"] = author.headline or current[0]["title"]
    if author.short_bio:
        document["description"] = author.short_bio
    if author.photo:
        document["image"] = urls.absolute(author.photo.file.url)
    organizations = [position["organization"] for position in current if position["organization"]]
    if author.kind != Author.Kind.GUEST and author.affiliation == Author.Affiliation.CURRENT:
        document["affiliation"] = {"@type": "Organization", "name": settings.PUBLISHER_NAME}
    if organizations:
        document["worksFor"] = [
            {"@type": "Organization", "name": name} for name in dict.fromkeys(organizations)
        ]
    institutions = [entry["institution"] for entry in author.education_list]
    if institutions:
        document["alumniOf"] = [
            {"@type": "EducationalOrganization", "name": name} for name in dict.fromkeys(institutions)
        ]
    if author.interest_list:
        document["knowsAbout"] = [topic["name"] for topic in author.interest_list]
    if author.link_list:
        document["sameAs"] = [link["url"] for link in author.link_list]
    return document


def author_meta(author: Author, *, urls: ApiUrls) -> list[dict[str, str]]:
    """The `<meta>` tags of an author's page: description, OpenGraph profile, Twitter card."""
    tags = [
        ("name", "description", author.short_bio),
        ("property", "og:type", "profile"),
        ("property", "og:site_name", settings.SITE_NAME),
        ("property", "og:title", author.display_name),
        ("property", "og:description", author.short_bio),
        ("property", "og:url", author.public_url),
        ("property", "og:image", urls.absolute(author.photo.file.url) if author.photo else None),
        ("name", "twitter:card", "summary"),
        ("name", "twitter:title", author.display_name),
    ]
    return [{kind: name, "content": content} for kind, name, content in tags if content]


def _dates(publication: Publication) -> tuple[str, str]:
    """When a published piece went live and when it last changed (never before it went live), ISO 8601."""
    published = publication.published_at
    assert published is not None  # published() holds only pieces with a publication time
    return _iso(published), _iso(max(publication.updated_at, published))


def _iso(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat()
