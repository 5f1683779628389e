"""The detail's statement compiled once per process (publications.querysets.public_detail, by
cissapi.prepared.CompiledQuery): the same piece, fields and columns as the ORM's queryset, found by the
same rule, and no compiling per request."""

import datetime as dt

import pytest
from django.utils import timezone

from publications.models import Publication
from publications.querysets import public_detail
from tests.calls import recorded_calls
from tests.compiles import compiled_models
from tests.factories import (
    AuthorFactory,
    CrossPostFactory,
    PublicationFactory,
    SeriesFactory,
    TopicFactory,
    stored_image,
)

pytestmark = pytest.mark.django_db


def loaded(publication: Publication) -> dict:
    """What an instance holds: its loaded fields, annotations and select_related objects."""
    return {
        **{name: value for name, value in vars(publication).items() if name != "_state"},
        "deferred": publication.get_deferred_fields(),
        "series": vars(publication.series) if publication.series else None,
        "lead_image": vars(publication.lead_image) if publication.lead_image else None,
    }


def comparable(values: dict) -> dict:
    return {name: value for name, value in values.items() if name not in ("series", "lead_image")} | {
        name: {k: v for k, v in (values[name] or {}).items() if k != "_state"}
        for name in ("series", "lead_image")
    }


def test_the_compiled_detail_reads_what_the_querysets_get_reads():
    author = AuthorFactory(slug="amna")
    piece = PublicationFactory(
        published=True,
        slug="piece",
        authors=[author],
        topics=[TopicFactory(slug="space")],
        series=SeriesFactory(slug="insight"),
        lead_image=stored_image("images/lead.jpg", alt="A launch"),
    )
    CrossPostFactory(publication=piece)
    PublicationFactory(published=True, slug="other")

    compiled = public_detail("piece")
    orm = Publication.objects.published().with_detail().get(slug="piece")

    assert compiled is not None
    assert comparable(loaded(compiled)) == comparable(loaded(orm))
    assert compiled.get_deferred_fields() == {"search_vector", "internal_notes"}
    assert compiled.byline[0]["slug"] == "amna" and compiled.cross_post_list


def test_only_a_published_piece_is_found_by_the_published_rule():
    PublicationFactory(slug="draft")
    PublicationFactory(scheduled=True, slug="soon")
    later = timezone.now() + dt.timedelta(days=2)

    assert public_detail("draft") is None
    assert public_detail("soon") is None
    assert public_detail("soon", at=later).slug == "soon"
    assert public_detail("missing") is None


def test_a_detail_request_compiles_no_sql(client, settings):
    settings.API_CACHE = False  # every answer built anew
    PublicationFactory(published=True, slug="piece", topics=[TopicFactory()])
    first = client.get("/api/v1/publications/piece/")

    with compiled_models() as compiled:
        again = client.get("/api/v1/publications/piece/")

    assert again.status_code == 200
    assert again.content == first.content
    assert compiled == []


def test_a_repeated_detail_builds_no_query_conditions(client, settings):
    """Related pieces are read by published()'s condition compiled once per process
    (publications.querysets.public_related): a detail builds no filter of the ORM's."""
    from django.db.models.sql.query import Query

    settings.API_CACHE = False  # every answer built anew
    topic = TopicFactory()
    PublicationFactory(published=True, slug="piece", topics=[topic])
    PublicationFactory(published=True, slug="other", topics=[topic])
    first = client.get("/api/v1/publications/piece/")
    with recorded_calls(Query, "add_q", lambda query, q_object: q_object) as built:
        again = client.get("/api/v1/publications/piece/")

    assert again.status_code == 200
    assert again.content == first.content
    assert [item["slug"] for item in again.json()["related"]] == ["other"]
    assert built == []


@pytest.mark.parametrize("url", ["/api/v1/publications/piece/", "/feeds/json/"])
def test_long_fixed_statements_are_not_parsed_again_per_request(client, settings, url):
    """The detail's and a JSON Feed's statements (longer than psycopg caches) are converted for the server
    once per process (cissapi.prepared.FixedStatementQuery), not on every request."""
    from psycopg import _queries

    settings.API_CACHE = False  # every answer built anew
    PublicationFactory(published=True, slug="piece", authors=[AuthorFactory()], topics=[TopicFactory()])
    first = client.get(url)
    with recorded_calls(_queries, "_query2pg_nocache", lambda query, encoding: query) as parsed:
        again = client.get(url)

    assert again.status_code == 200
    assert again.content == first.content
    assert [query for query in parsed if len(query) > _queries.MAX_CACHED_STATEMENT_LENGTH] == []
