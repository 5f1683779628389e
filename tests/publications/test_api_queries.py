"""SQL query counts of every list and detail endpoint, pinned, and independent of page size and bylines.

Optimization: related rows (bylines, topics, cross-posts, bio sections) come back as JSON array columns of
the main query. Publication lists count in their page's statement when counts are not kept, or in a query
of their own (a search, whose ranked window comes with its count; a list whose shape has no compiled
statement), which the shared cache keeps per filter (API_CACHE_COUNTS); collections (authors, topics, ...)
count with COUNT(*) OVER () in their page query.
"""

import pytest
from django.urls import reverse

from publications.related import related_candidates_rebuild_missing
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
    stored_image,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_caches(settings):
    """The read path itself; the cached paths are pinned at the end of this module."""
    settings.API_CACHE = False
    settings.API_CACHE_COUNTS = False


def library_image(renditions: int):
    """A library image with `renditions` renditions (their files need not exist to be listed)."""
    return stored_image(
        "images/2026/a.jpg",
        alt="A picture",
        renditions=[
            {"path": f"renditions/2026/a-{n}.webp", "width": 100 + n, "height": 50, "format": "webp"}
            for n in range(renditions)
        ],
    )


def populate(publications: int, authors_each: int, renditions: int = 1) -> dict:
    """Published pieces sharing one topic, series and outlet, each with its own byline of `authors_each`
    and a lead image of `renditions` renditions (the lead author's photo has as many)."""
    topic, series, outlet = TopicFactory(slug="t"), SeriesFactory(slug="s"), OutletFactory(slug="o")
    lead = AuthorFactory(slug="lead", photo=library_image(renditions))
    for detail in (PositionFactory, EducationFactory, WorkFactory, AuthorLinkFactory):
        detail(author=lead)
    lead.interests.add(topic)
    lead.outlets.add(outlet)
    for _ in range(publications):
        byline = [lead] + [AuthorFactory() for _ in range(authors_each - 1)]
        publication = PublicationFactory(
            published=True,
            authors=byline,
            topics=[topic, TopicFactory()],
            series=series,
            lead_image=library_image(renditions),
        )
        CrossPostFactory(publication=publication, outlet=outlet)
    # What the worker does after the commit: related candidates stored (publications.related).
    related_candidates_rebuild_missing()
    return {"publication": publication.slug}


# (URL name, slug key, query string, number of queries, the queries)
ENDPOINTS = [
    ("v1:index", None, {}, 0, "none: links only"),
    ("v1:publication-list", None, {}, 1, "page rows with bylines and topics, and their count"),
    ("v1:publication-list", None, {"mode": "cursor"}, 1, "page rows with bylines and topics"),
    (
        "v1:publication-list",
        None,
        {"q": "publication"},
        2,
        "the count; ranked page rows with snippets, bylines, topics",
    ),
    (
        "v1:publication-list",
        None,
        {"q": "publication", "mode": "cursor"},
        2,
        "where the ranked window ends (matches counted up to it); the window's ranked page rows",
    ),
    (
        "v1:publication-list",
        None,
        {"topic": "t,nobody", "outlet": "o,nobody"},
        3,
        "whether the topics hold few pieces; whether the outlets do; filtered page rows and their count",
    ),
    (
        "v1:publication-list",
        None,
        {"author": "lead", "topic": "t", "ordering": "title"},
        3,
        "whether the author and the topic hold few pieces (one statement); the count; filtered page rows",
    ),
    (
        "v1:publication-detail",
        "publication",
        {},
        2,
        "the piece with byline, topics, cross-posts; the live ones among its stored related candidates",
    ),
    ("v1:author-list", None, {}, 1, "page rows with their count and published counts"),
    ("v1:author-list", None, {"q": "numbr"}, 1, "matching page rows with count"),
    ("v1:author-detail", "lead", {}, 1, "the author with every bio section and published count"),
    (
        "v1:author-publications",
        "lead",
        {},
        1,
        "page rows and their count (the author only if the page is empty)",
    ),
    ("v1:topic-list", None, {}, 1, "page rows with their count and published counts"),
    ("v1:topic-detail", "t", {}, 1, "the topic with its published count"),
    ("v1:topic-publications", "t", {}, 1, "page rows and their count (the topic only if the page is empty)"),
    ("v1:series-list", None, {}, 1, "page rows with their count and published counts"),
    ("v1:series-detail", "s", {}, 1, "the series with its published count"),
    (
        "v1:series-publications",
        "s",
        {},
        1,
        "page rows and their count (the series only if the page is empty)",
    ),
    ("v1:outlet-list", None, {}, 1, "page rows with their count and published counts"),
    ("v1:outlet-detail", "o", {}, 1, "the outlet with its published count"),
    (
        "v1:outlet-publications",
        "o",
        {},
        1,
        "page rows and their count (the outlet only if the page is empty)",
    ),
]


@pytest.mark.parametrize(("name", "slug_key", "params", "expected", "queries"), ENDPOINTS)
@pytest.mark.parametrize(
    ("publications", "authors_each", "page_size", "renditions"), [(2, 1, 1, 1), (6, 3, 5, 8)]
)
def test_query_count_is_fixed_whatever_the_page_size_bylines_and_renditions(
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
    renditions,
):
    slugs = populate(publications, authors_each, renditions)
    slug = slugs.get(slug_key, slug_key)
    url = reverse(name, kwargs={"slug": slug} if slug else None)

    # page_size only where it means something: elsewhere an unknown parameter is a 400.
    paginated = name.endswith(("-list", "-publications"))
    with django_assert_num_queries(expected):  # see `queries` in ENDPOINTS
        response = client.get(url, {**params, "page_size": page_size} if paginated else params)

    assert response.status_code == 200, response.content


# --- The cached paths (the production defaults) -------------------------------------------------------
def test_a_publication_list_whose_count_is_cached_costs_two_queries(
    client, settings, django_assert_num_queries
):
    settings.API_CACHE_COUNTS = True
    populate(6, 2)
    url = reverse("v1:author-publications", kwargs={"slug": "lead"})
    client.get(url, {"page": 2, "page_size": 2})  # counts the author's pieces once

    # The catalogue generation with the cached count (one read of the cache); the page rows. Another page
    # of the same filter too.
    with django_assert_num_queries(2):
        response = client.get(url, {"page": 3, "page_size": 2})

    assert response.json()["count"] == 6


@pytest.mark.parametrize(
    ("name", "slug_key"),
    [
        ("v1:publication-list", None),
        ("v1:publication-detail", "publication"),
        ("v1:author-detail", "lead"),
        ("v1:author-publications", "lead"),
        ("v1:topic-list", None),
    ],
)
def test_a_cached_response_costs_one_query(client, settings, django_assert_num_queries, name, slug_key):
    settings.API_CACHE = True
    slug = populate(3, 2).get(slug_key, slug_key)
    url = reverse(name, kwargs={"slug": slug} if slug else None)
    first = client.get(url)

    with django_assert_num_queries(1):  # the catalogue generation with the cached response
        again = client.get(url)

    assert again.content == first.content
