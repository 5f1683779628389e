"""SQL query counts of every list and detail endpoint, pinned, and independent of page size and bylines.

Optimization: related rows (bylines, topics, cross-posts, bio sections) come back as JSON array columns of
the main query and the page count rides along as COUNT(*) OVER (), so most endpoints are one query.
"""

import pytest
from django.urls import reverse

from tests.factories import (
    AuthorFactory,
    AuthorLinkFactory,
    CrossPostFactory,
    EducationFactory,
    OutletFactory,
    PositionFactory,
    PublicationFactory,
    SeriesFactory,
    TopicFactory,
    WorkFactory,
)

pytestmark = pytest.mark.django_db


def populate(publications: int, authors_each: int) -> dict:
    """Published pieces sharing one topic, series and outlet, each with its own byline of `authors_each`."""
    topic, series, outlet = TopicFactory(slug="t"), SeriesFactory(slug="s"), OutletFactory(slug="o")
    lead = AuthorFactory(slug="lead")
    for detail in (PositionFactory, EducationFactory, WorkFactory, AuthorLinkFactory):
        detail(author=lead)
    lead.interests.add(topic)
    lead.outlets.add(outlet)
    for _ in range(publications):
        byline = [lead] + [AuthorFactory() for _ in range(authors_each - 1)]
        publication = PublicationFactory(
            published=True, authors=byline, topics=[topic, TopicFactory()], series=series
        )
        CrossPostFactory(publication=publication, outlet=outlet)
    return {"publication": publication.slug}


# (URL name, slug key, query string, number of queries, the queries)
ENDPOINTS = [
    ("v1:index", None, {}, 0, "none: links only"),
    ("v1:publication-list", None, {}, 1, "page rows with their count, bylines and topics"),
    ("v1:publication-list", None, {"mode": "cursor"}, 1, "page rows with bylines and topics"),
    (
        "v1:publication-list",
        None,
        {"q": "publication"},
        1,
        "ranked page rows with count, snippets, bylines, topics",
    ),
    (
        "v1:publication-list",
        None,
        {"author": "lead", "topic": "t", "ordering": "title"},
        1,
        "filtered page rows",
    ),
    (
        "v1:publication-detail",
        "publication",
        {},
        2,
        "the piece with byline, topics, cross-posts; related pieces",
    ),
    ("v1:author-list", None, {}, 1, "page rows with their count and published counts"),
    ("v1:author-list", None, {"q": "numbr"}, 1, "matching page rows with count"),
    ("v1:author-detail", "lead", {}, 1, "the author with every bio section and published count"),
    ("v1:author-publications", "lead", {}, 2, "the author exists; page rows with count, bylines, topics"),
    ("v1:topic-list", None, {}, 1, "page rows with their count and published counts"),
    ("v1:topic-detail", "t", {}, 1, "the topic with its published count"),
    ("v1:topic-publications", "t", {}, 2, "the topic exists; page rows with count, bylines, topics"),
    ("v1:series-list", None, {}, 1, "page rows with their count and published counts"),
    ("v1:series-detail", "s", {}, 1, "the series with its published count"),
    ("v1:series-publications", "s", {}, 2, "the series exists; page rows with count, bylines, topics"),
    ("v1:outlet-list", None, {}, 1, "page rows with their count and published counts"),
    ("v1:outlet-detail", "o", {}, 1, "the outlet with its published count"),
    ("v1:outlet-publications", "o", {}, 2, "the outlet exists; page rows with count, bylines, topics"),
]


@pytest.mark.parametrize(("name", "slug_key", "params", "expected", "queries"), ENDPOINTS)
@pytest.mark.parametrize(("publications", "authors_each", "page_size"), [(2, 1, 1), (6, 3, 5)])
def test_query_count_is_fixed_whatever_the_page_size_and_bylines(
    client,
    django_assert_num_queries,
    name,
    slug_key,
    params,
    expected,
    queries,
    publications,
    authors_each,
    page_size,
):
    slugs = populate(publications, authors_each)
    slug = slugs.get(slug_key, slug_key)
    url = reverse(name, kwargs={"slug": slug} if slug else None)

    with django_assert_num_queries(expected):  # see `queries` in ENDPOINTS
        response = client.get(url, {**params, "page_size": page_size})

    assert response.status_code == 200, response.content
