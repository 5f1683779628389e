import re

import pytest

from tests.factories import AuthorFactory, PublicationFactory

pytestmark = pytest.mark.django_db


def search(api_get, q: str, **params) -> list[dict]:
    response = api_get("v1:publication-list", q=q, **params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_title_match_outranks_summary_author_and_body_matches(api_get):
    in_body = PublicationFactory(published=True, title="Regional affairs", body="<p>Hypersonic missiles.</p>")
    in_title = PublicationFactory(published=True, title="Hypersonic missiles in South Asia")
    in_summary = PublicationFactory(published=True, title="Deterrence", summary="On hypersonic weapons.")
    by_author = PublicationFactory(
        published=True, title="Notes", authors=[AuthorFactory(name="Ali Hypersonic")]
    )

    results = search(api_get, "hypersonic")

    assert [item["slug"] for item in results] == [
        in_title.slug,
        in_summary.slug,
        by_author.slug,
        in_body.slug,
    ]


def test_search_highlights_a_snippet_only_when_searching(api_get):
    PublicationFactory(
        published=True,
        title="Maritime security",
        summary="Ports and shipping.",
        body="<p>The <strong>Gwadar</strong> port changes the balance.</p>",
    )

    [item] = search(api_get, "gwadar")
    plain = api_get("v1:publication-list").json()["results"][0]

    assert "<mark>Gwadar</mark>" in item["snippet"]
    assert "<strong>" not in item["snippet"]
    assert "snippet" not in plain


def test_websearch_syntax_phrases_and_exclusions(api_get):
    phrase = PublicationFactory(published=True, title="Nuclear deterrence stability")
    scattered = PublicationFactory(published=True, title="Stability of nuclear postures and deterrence")
    excluded = PublicationFactory(published=True, title="Nuclear energy")

    assert [i["slug"] for i in search(api_get, '"nuclear deterrence"')] == [phrase.slug]
    found = {i["slug"] for i in search(api_get, "nuclear -energy")}
    assert found == {phrase.slug, scattered.slug}
    assert excluded.slug in {i["slug"] for i in search(api_get, "energy or deterrence")}


@pytest.mark.parametrize("q", ["-energy", "-energy -deterrence", "nuclear or -energy", '-"nuclear energy"'])
def test_a_search_of_excluded_words_only_finds_nothing(api_get, client, q):
    """Nothing to look for: no index can answer it, so it would read every stored vector (a second at
    100,000 pieces) to list almost the whole catalogue. Found nowhere: the API, cursor mode, feeds, site."""
    PublicationFactory(published=True, title="Nuclear deterrence stability")
    PublicationFactory(published=True, title="Maritime security")

    body = api_get("v1:publication-list", q=q).json()

    assert (body["count"], body["results"]) == (0, [])
    assert api_get("v1:publication-list", q=q, mode="cursor").json()["results"] == []
    feed = client.get("/feeds/json/", {"q": q})
    assert feed.status_code == 200
    assert feed.json()["items"] == []
    site = client.get("/search/", {"q": q})
    assert site.status_code == 200
    assert "Maritime security" not in site.content.decode()


def test_a_search_of_excluded_words_only_is_refused_before_reading_a_row():
    from django.db import connection

    from publications.models import Publication

    PublicationFactory.create_batch(3, published=True, title="Maritime security")
    queryset = Publication.objects.published().search("-energy").values("pk")
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # The condition on the query alone is a one-time filter: false, the pieces are not read (the scan
    # under it never runs, or is planned away when the query is known).
    assert "One-Time Filter" in plan, plan
    assert not re.search(r"Scan on publications_publication .*actual rows=[1-9]", plan), plan


def test_search_stems_and_ignores_accents(api_get):
    publication = PublicationFactory(
        published=True, title="Défense stratégique", body="<p>Astronauts trained.</p>"
    )

    for q in ["defense", "Défense", "astronaut", "training"]:
        assert [i["slug"] for i in search(api_get, q)] == [publication.slug], q


def test_search_finds_no_unpublished_content(api_get):
    PublicationFactory(title="Secret drone plans")
    PublicationFactory(in_review=True, title="Secret drone review")
    PublicationFactory(scheduled=True, title="Secret drone launch")

    assert search(api_get, "drone") == []


def test_search_combines_with_filters_and_explicit_ordering(api_get):
    a = PublicationFactory(published=True, type="report", title="Water scarcity report")
    b = PublicationFactory(published=True, type="report", title="Body mentions", body="<p>water</p>")
    PublicationFactory(published=True, type="commentary", title="Water commentary")

    assert [i["slug"] for i in search(api_get, "water", type="report")] == [a.slug, b.slug]
    assert [i["slug"] for i in search(api_get, "water", type="report", ordering="-title")] == [a.slug, b.slug]
    assert [i["slug"] for i in search(api_get, "water", type="report", ordering="title")] == [b.slug, a.slug]


def test_a_search_with_no_other_filter_builds_no_filterset_and_finds_what_one_finds(api_get, filtersets):
    PublicationFactory(published=True, title="Drone doctrine", summary="Swarms.", body="<p>Drones.</p>")
    PublicationFactory(published=True, title="Ports", summary="A drone boat.", body="<p>Ports.</p>")
    PublicationFactory(published=True, title="Budgets", summary="Numbers.", body="<p>Provinces.</p>")

    alone = api_get("v1:publication-list", q=" drones ", page_size=1, page=2)
    assert filtersets == []
    # An empty `type` is a filter that filters nothing: the FilterSet then cleans and applies `q`.
    with_filterset = api_get("v1:publication-list", q=" drones ", page_size=1, page=2, type="")
    # Built (the first time a process sees these filters, its Link to the matching feeds checks them with
    # a FilterSet of its own: one more, kept per process after).
    assert filtersets

    assert alone.status_code == with_filterset.status_code == 200
    assert alone.json()["results"] == with_filterset.json()["results"]
    assert alone.json()["count"] == with_filterset.json()["count"] == 2
    blank = api_get("v1:publication-list", q="  ")
    assert blank.json()["count"] == 3


def test_an_invalid_lone_search_is_the_filtersets_400(api_get, filtersets):
    alone = api_get("v1:publication-list", q="a\x00b")
    with_filterset = api_get("v1:publication-list", q="a\x00b", type="")

    assert alone.status_code == with_filterset.status_code == 400
    # A NUL is refused with the other parameter checks, before any FilterSet is built.
    assert filtersets == []
    assert alone.json()["errors"] == with_filterset.json()["errors"]
    assert alone.json()["errors"] == [{"parameter": "q", "detail": "Null characters are not allowed."}]
