import pytest
from django.conf import settings

from tests.factories import CrossPostFactory, OutletFactory, PublicationFactory, SeriesFactory, TopicFactory

pytestmark = pytest.mark.django_db


def test_topics_list_their_published_counts(api_get):
    space = TopicFactory(name="Space", slug="space", description="Outer space.")
    TopicFactory(name="Arms control", slug="arms-control")
    PublicationFactory.create_batch(2, published=True, topics=[space])
    PublicationFactory(topics=[space])

    body = api_get("v1:topic-list").json()

    # Arms control has nothing published, so it is not public (see test_collection_visibility).
    assert body == {
        "count": 1,
        "count_is_exact": True,
        "pages": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "slug": "space",
                "name": "Space",
                "description": "Outer space.",
                "parent": None,
                "url": "http://testserver/api/v1/topics/space/",
                "publications_url": "http://testserver/api/v1/topics/space/publications/",
                "publication_count": 2,
                "public_url": f"{settings.SITE_URL}/topics/space/",
            },
        ],
    }


def test_series_detail_is_the_whole_document(api_get):
    series = SeriesFactory(name="CISS Insight", slug="ciss-insight", kind="journal", issn="2308-6033")
    PublicationFactory(published=True, series=series)

    assert api_get("v1:series-detail", slug="ciss-insight").json() == {
        "slug": "ciss-insight",
        "name": "CISS Insight",
        "kind": "journal",
        "description": None,
        "issn": "2308-6033",
        "url": "http://testserver/api/v1/series/ciss-insight/",
        "publications_url": "http://testserver/api/v1/series/ciss-insight/publications/",
        "publication_count": 1,
    }


def test_outlet_counts_each_cross_posted_piece_once(api_get):
    outlet = OutletFactory(
        name="Strafasia", slug="strafasia", domain="strafasia.com", homepage="https://strafasia.com/"
    )
    publication = PublicationFactory(published=True)
    CrossPostFactory(publication=publication, outlet=outlet, url="https://strafasia.com/a/")
    CrossPostFactory(publication=publication, outlet=outlet, url="https://strafasia.com/a-translated/")

    assert api_get("v1:outlet-detail", slug="strafasia").json() == {
        "slug": "strafasia",
        "name": "Strafasia",
        "domain": "strafasia.com",
        "homepage": "https://strafasia.com/",
        "url": "http://testserver/api/v1/outlets/strafasia/",
        "publications_url": "http://testserver/api/v1/outlets/strafasia/publications/",
        "publication_count": 1,
    }
    assert api_get("v1:outlet-publications", slug="strafasia").json()["count"] == 1


def test_each_collection_lists_its_publications_with_filters(api_get):
    topic, series, outlet = TopicFactory(), SeriesFactory(), OutletFactory()
    report = PublicationFactory(published=True, type="report", topics=[topic], series=series)
    CrossPostFactory(publication=report, outlet=outlet)
    commentary = PublicationFactory(published=True, type="commentary", topics=[topic], series=series)
    CrossPostFactory(publication=commentary, outlet=outlet)
    PublicationFactory(published=True)

    for name, slug in [("v1:topic-publications", topic.slug), ("v1:series-publications", series.slug),
                       ("v1:outlet-publications", outlet.slug)]:  # fmt: skip
        everything = api_get(name, slug=slug).json()["results"]
        reports = api_get(name, slug=slug, type="report").json()["results"]
        assert {item["slug"] for item in everything} == {report.slug, commentary.slug}, name
        assert [item["slug"] for item in reports] == [report.slug], name
