import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from publications.models import CrossPost, PublicationAuthor
from tests.factories import (
    AuthorFactory,
    CrossPostFactory,
    OutletFactory,
    PublicationFactory,
    SeriesFactory,
    TopicFactory,
    stored_image,
)

pytestmark = pytest.mark.django_db


def local(moment: dt.datetime) -> str:
    """A datetime as the API renders it: ISO 8601 in the site's time zone."""
    return timezone.localtime(moment).isoformat()


def test_publication_detail_is_the_whole_document(api_get):
    lead = AuthorFactory(
        honorific="Mr", name="Syed Ali Abbas", slug="syed-ali-abbas", headline="Research Officer"
    )
    second = AuthorFactory(honorific="", name="Anum Riaz", slug="anum-riaz", headline="")
    space = TopicFactory(name="Space", slug="space")
    china = TopicFactory(name="China", slug="china")
    insight = SeriesFactory(name="CISS Insight", slug="ciss-insight")
    publication = PublicationFactory(
        published=True,
        type="journal_article",
        title="Pakistan's Space Diplomacy Takes Flight",
        subtitle="Human spaceflight with China",
        slug="pakistans-space-diplomacy-takes-flight",
        summary="Why the first astronaut matters.",
        body="<p>Pakistan will send an astronaut.</p>",
        series=insight,
        volume="12",
        issue="2",
        doi="10.1234/ciss.2026.1",
        lead_image=stored_image(
            "publications/images/2026/launch.jpg",
            alt="A rocket lifting off",
            caption="The launch",
            renditions=[
                {"path": "renditions/2026/launch-320w.jpg", "width": 320, "height": 180, "format": "jpeg"},
                {"path": "renditions/2026/launch-320w.webp", "width": 320, "height": 180, "format": "webp"},
            ],
        ),
        internal_notes="Editor: check the figures.",
        authors=[lead, second],
        topics=[space, china],
    )
    PublicationAuthor.objects.filter(author=second).update(role="co_author")
    outlet = OutletFactory(name="Strafasia", slug="strafasia", domain="strafasia.com", homepage="")
    CrossPostFactory(
        publication=publication,
        outlet=outlet,
        url="https://strafasia.com/space-diplomacy/",
        relation=CrossPost.Relation.ORIGINAL_ELSEWHERE,
        published_on=dt.date(2026, 11, 1),
        is_canonical=True,
    )
    related = PublicationFactory(published=True, slug="related-piece", title="Related piece", topics=[space])
    PublicationFactory(slug="draft-on-space", topics=[space], authors=[lead])  # a draft is never related
    publication.refresh_from_db()

    response = api_get("v1:publication-detail", slug=publication.slug)
    page = "http://127.0.0.1:8000/publications/pakistans-space-diplomacy-takes-flight/"
    published_on = timezone.localdate(publication.published_at)

    assert response.status_code == 200
    assert response.json() == {
        "id": publication.id,
        "uuid": str(publication.uuid),
        "slug": "pakistans-space-diplomacy-takes-flight",
        "url": "http://testserver/api/v1/publications/pakistans-space-diplomacy-takes-flight/",
        "public_url": "http://127.0.0.1:8000/publications/pakistans-space-diplomacy-takes-flight/",
        "type": "journal_article",
        "title": "Pakistan's Space Diplomacy Takes Flight",
        "subtitle": "Human spaceflight with China",
        "summary": "Why the first astronaut matters.",
        "language": "en",
        "published_at": local(publication.published_at),
        "updated_at": local(publication.updated_at),
        "reading_minutes": 1,
        "authors": [
            {
                "slug": "syed-ali-abbas",
                "name": "Syed Ali Abbas",
                "honorific": "Mr",
                "role": "author",
                "headline": "Research Officer",
                "url": "http://testserver/api/v1/authors/syed-ali-abbas/",
                "public_url": f"{settings.SITE_URL}/authors/syed-ali-abbas/",
                "photo": None,
            },
            {
                "slug": "anum-riaz",
                "name": "Anum Riaz",
                "honorific": None,
                "role": "co_author",
                "headline": None,
                "url": "http://testserver/api/v1/authors/anum-riaz/",
                "public_url": f"{settings.SITE_URL}/authors/anum-riaz/",
                "photo": None,
            },
        ],
        "topics": [
            {
                "slug": slug,
                "name": name,
                "url": f"http://testserver/api/v1/topics/{slug}/",
                "public_url": f"{settings.SITE_URL}/topics/{slug}/",
            }
            for slug, name in (("china", "China"), ("space", "Space"))
        ],
        "series": {"slug": "ciss-insight", "name": "CISS Insight"},
        "image": {
            "url": "http://testserver/media/publications/images/2026/launch.jpg",
            "width": 1600,
            "height": 900,
            "alt": "A rocket lifting off",
            "caption": "The launch",
            "credit": None,
            "renditions": [
                {
                    "url": "http://testserver/media/renditions/2026/launch-320w.jpg",
                    "width": 320,
                    "height": 180,
                    "format": "jpeg",
                },
                {
                    "url": "http://testserver/media/renditions/2026/launch-320w.webp",
                    "width": 320,
                    "height": 180,
                    "format": "webp",
                },
            ],
        },
        "body": "<p>Pakistan will send an astronaut.</p>",
        "word_count": 5,
        "first_published_at": local(publication.first_published_at),
        "pdf": None,
        "pdf_size": None,
        "pdf_pages": None,
        "doi": "10.1234/ciss.2026.1",
        "report_number": None,
        "volume": "12",
        "issue": "2",
        "comments_enabled": False,
        "canonical_url": "https://strafasia.com/space-diplomacy/",
        "cross_posts": [
            {
                "outlet": {
                    "slug": "strafasia",
                    "name": "Strafasia",
                    "domain": "strafasia.com",
                    "homepage": None,
                },
                "url": "https://strafasia.com/space-diplomacy/",
                "relation": "original_elsewhere",
                "published_on": "2026-11-01",
                "is_canonical": True,
            }
        ],
        "corrections": [],
        "related": [
            {
                "slug": "related-piece",
                "title": "Related piece",
                "type": "commentary",
                "published_at": local(related.published_at),
                "url": "http://testserver/api/v1/publications/related-piece/",
                "public_url": f"{settings.SITE_URL}/publications/related-piece/",
                "image": None,
            }
        ],
        # The page's metadata (publications.metadata), the same the public site's page carries.
        "meta": [
            {"name": "description", "content": "Why the first astronaut matters."},
            {"name": "citation_title", "content": "Pakistan's Space Diplomacy Takes Flight"},
            {"name": "citation_author", "content": "Syed Ali Abbas"},
            {"name": "citation_author", "content": "Anum Riaz"},
            {"name": "citation_publication_date", "content": published_on.strftime("%Y/%m/%d")},
            {"name": "citation_language", "content": "en"},
            {"name": "citation_abstract_html_url", "content": page},
            {"name": "citation_doi", "content": "10.1234/ciss.2026.1"},
            {"name": "citation_publisher", "content": "Center for International Strategic Studies"},
            {"name": "citation_keywords", "content": "China"},
            {"name": "citation_keywords", "content": "Space"},
            {"name": "citation_journal_title", "content": "CISS Insight"},
            {"name": "citation_volume", "content": "12"},
            {"name": "citation_issue", "content": "2"},
            {"name": "DC.title", "content": "Pakistan's Space Diplomacy Takes Flight"},
            {"name": "DC.creator", "content": "Syed Ali Abbas"},
            {"name": "DC.creator", "content": "Anum Riaz"},
            {"name": "DC.date", "content": published_on.isoformat()},
            {"name": "DC.type", "content": "Text"},
            {"name": "DC.format", "content": "text/html"},
            {"name": "DC.language", "content": "en"},
            {"name": "DC.publisher", "content": "Center for International Strategic Studies"},
            {"name": "DC.identifier", "content": "doi:10.1234/ciss.2026.1"},
            {"name": "DC.description", "content": "Why the first astronaut matters."},
            {"name": "DC.subject", "content": "China"},
            {"name": "DC.subject", "content": "Space"},
            {"property": "og:type", "content": "article"},
            {"property": "og:site_name", "content": "CISS"},
            {"property": "og:title", "content": "Pakistan's Space Diplomacy Takes Flight"},
            {"property": "og:description", "content": "Why the first astronaut matters."},
            {"property": "og:url", "content": page},
            {"property": "og:locale", "content": "en"},
            {
                "property": "og:image",
                "content": "http://testserver/media/publications/images/2026/launch.jpg",
            },
            {"property": "og:image:alt", "content": "A rocket lifting off"},
            {"property": "article:published_time", "content": local(publication.published_at)},
            {"property": "article:modified_time", "content": local(publication.updated_at)},
            {"property": "article:author", "content": "http://127.0.0.1:8000/authors/syed-ali-abbas/"},
            {"property": "article:author", "content": "http://127.0.0.1:8000/authors/anum-riaz/"},
            {"property": "article:tag", "content": "China"},
            {"property": "article:tag", "content": "Space"},
            {"name": "twitter:card", "content": "summary_large_image"},
            {"name": "twitter:title", "content": "Pakistan's Space Diplomacy Takes Flight"},
            {"name": "twitter:description", "content": "Why the first astronaut matters."},
            {
                "name": "twitter:image",
                "content": "http://testserver/media/publications/images/2026/launch.jpg",
            },
        ],
        "jsonld": {
            "@context": "https://schema.org",
            "@type": "ScholarlyArticle",
            "@id": page,
            "url": page,
            "mainEntityOfPage": page,
            "headline": "Pakistan's Space Diplomacy Takes Flight",
            "name": "Pakistan's Space Diplomacy Takes Flight",
            "alternativeHeadline": "Human spaceflight with China",
            "description": "Why the first astronaut matters.",
            "inLanguage": "en",
            "datePublished": local(publication.published_at),
            "dateModified": local(publication.updated_at),
            "author": [
                {
                    "@type": "Person",
                    "name": "Syed Ali Abbas",
                    "url": "http://127.0.0.1:8000/authors/syed-ali-abbas/",
                    "honorificPrefix": "Mr",
                    "jobTitle": "Research Officer",
                    "affiliation": {
                        "@type": "Organization",
                        "name": "Center for International Strategic Studies",
                    },
                },
                {
                    "@type": "Person",
                    "name": "Anum Riaz",
                    "url": "http://127.0.0.1:8000/authors/anum-riaz/",
                    "affiliation": {
                        "@type": "Organization",
                        "name": "Center for International Strategic Studies",
                    },
                },
            ],
            "publisher": {
                "@type": "Organization",
                "name": "Center for International Strategic Studies",
                "url": "http://127.0.0.1:8000/",
                "logo": {"@type": "ImageObject", "url": "http://127.0.0.1:8000/static/website/logo.png"},
            },
            "image": "http://testserver/media/publications/images/2026/launch.jpg",
            "keywords": ["China", "Space"],
            "identifier": {"@type": "PropertyValue", "propertyID": "DOI", "value": "10.1234/ciss.2026.1"},
            "sameAs": ["https://doi.org/10.1234/ciss.2026.1"],
            "isPartOf": {
                "@type": "PublicationIssue",
                "issueNumber": "2",
                "isPartOf": {
                    "@type": "PublicationVolume",
                    "volumeNumber": "12",
                    "isPartOf": {"@type": "Periodical", "name": "CISS Insight"},
                },
            },
            "isBasedOn": ["https://strafasia.com/space-diplomacy/"],
        },
    }


def test_canonical_url_is_the_public_url_without_a_canonical_cross_post(api_get):
    publication = PublicationFactory(published=True, slug="ours")
    CrossPostFactory(publication=publication, is_canonical=False)

    body = api_get("v1:publication-detail", slug="ours").json()

    assert body["canonical_url"] == "http://127.0.0.1:8000/publications/ours/"


def test_related_publications_share_most_first_then_newest_and_stop_at_five(api_get):
    author = AuthorFactory()
    topics = [TopicFactory(), TopicFactory()]
    publication = PublicationFactory(published=True, authors=[author], topics=topics)
    now = timezone.now()
    one_shared = [
        PublicationFactory(published=True, topics=[topics[0]], published_at=now - dt.timedelta(days=days))
        for days in range(2, 8)
    ]
    all_shared = PublicationFactory(
        published=True, authors=[author], topics=topics, published_at=now - dt.timedelta(days=30)
    )
    PublicationFactory(published=True)  # shares nothing

    related = api_get("v1:publication-detail", slug=publication.slug).json()["related"]

    assert [item["slug"] for item in related] == [all_shared.slug] + [p.slug for p in one_shared[:4]]


def test_fields_parameter_trims_the_detail(api_get):
    publication = PublicationFactory(published=True)

    body = api_get("v1:publication-detail", slug=publication.slug, fields="slug,title").json()

    assert body == {"slug": publication.slug, "title": publication.title}


def test_internal_notes_never_appear(api_get):
    publication = PublicationFactory(published=True, internal_notes="SECRET-NOTE")

    detail = api_get("v1:publication-detail", slug=publication.slug)
    listing = api_get("v1:publication-list")

    assert b"SECRET-NOTE" not in detail.content
    assert b"SECRET-NOTE" not in listing.content
    assert "internal_notes" not in detail.json()


def test_the_detail_s_statements_are_planned_once_per_connection(api_get, settings):
    """The piece's and its related pieces' statements are prepared (DB_PREPARE_THRESHOLD, cissapi.prepared):
    Postgres plans them once per connection, not on every request."""
    from django.db import connection

    settings.API_CACHE = False  # every request reads the database
    topic = TopicFactory()
    piece = PublicationFactory(published=True, topics=[topic])
    PublicationFactory(published=True, topics=[topic])
    for _ in range(connection.settings_dict["OPTIONS"]["prepare_threshold"] + 1):
        assert api_get("v1:publication-detail", slug=piece.slug).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert any('AS "correction_list"' in statement for statement in statements)
    assert any(
        "publications_relatedcandidates" in statement or "shares" in statement for statement in statements
    )
