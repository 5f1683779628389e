"""A publication list's rows come from one statement per list shape (PublicationQuerySet._read_items), bound
on the server so psycopg prepares it and Postgres plans it once per connection (issue 16, "The cold path").

A prepared statement may be run on its generic plan, made for any values: that plan must still find a page
by walking the live pieces' partial index, which it can only when the published status is spelled in the
statement (published_q), not bound. Byline and topic ids (the surrogate keys) come from the same reads as
the item's arrays. What a list request makes in Python besides (its items' addresses, the filter form's
class) is made once per host or process.
"""

import re

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from authors.models import Author
from cissapi.api.documents import ApiUrls
from publications.api.documents import item_addresses
from publications.api.filters import PublicationFilterSet
from publications.models import Publication
from publications.querysets import with_publication_counts
from taxonomy.models import Topic
from tests.factories import AuthorFactory, PublicationFactory, TopicFactory
from tooling.corpus import generate_corpus

pytestmark = pytest.mark.django_db

# More runs than psycopg's prepare_threshold (DB_PREPARE_THRESHOLD, 5), so the statement is prepared.
RUNS = 8
LIST = "/api/v1/publications/"


@pytest.fixture(autouse=True)
def no_response_cache(settings):
    settings.API_CACHE = False


@pytest.fixture
def catalogue():
    generate_corpus(publications=1500, authors=30)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # statistics for the plans, as the bench catalogue has them


def prepared(marker: str) -> list[str]:
    """The text of the statements prepared on this connection that contain `marker`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{marker}%"]
        )
        return [row[0] for row in cursor.fetchall()]


def generic_plan(statement: str) -> str:
    """EXPLAIN of the plan Postgres makes for `statement` (with $n parameters) whatever their values."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (GENERIC_PLAN) {statement}")
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("query", "index"),
    [
        ({}, "publication_live_idx"),
        # Walked to the page (backwards for -title), not every live piece sorted by title.
        ({"ordering": "title"}, "publication_title_idx"),
        ({"ordering": "-title"}, "publication_title_idx"),
        # Whatever the type's share of the catalogue: not the live index walked past every other type's
        # pieces (a rare type's deep pages read most of the catalogue), and one plan kept for every type.
        ({"type": "commentary"}, "publication_type_live_idx"),
        ({"type": "book"}, "publication_type_live_idx"),
        # The same for a language: the catalogue is mostly English, with a few pieces in French.
        ({"language": "en"}, "publication_language_live_idx"),
        ({"language": "fr"}, "publication_language_live_idx"),
    ],
    ids=[
        "newest first",
        "by title",
        "by title backwards",
        "a common type",
        "a rare type",
        "a common language",
        "a rare language",
    ],
)
def test_a_list_pages_prepared_statement_walks_its_index_in_order_on_its_generic_plan(
    client, catalogue, query, index
):
    for _ in range(RUNS):
        assert client.get(LIST, query).status_code == 200

    [statement] = prepared("WITH ORDINALITY AS page(id, place)")
    plan = generic_plan(statement)

    assert index in plan, plan
    assert "Seq Scan on publications_publication " not in plan, plan
    # The page's ids come in the index's order, not sorted after.
    assert "Sort" not in plan.split("Function Scan on unnest page")[0], plan


def test_lists_of_one_shape_share_one_prepared_statement_whatever_their_values(client, catalogue):
    first, second = TopicFactory(slug="first"), TopicFactory(slug="second")
    for topic in (first, second):
        PublicationFactory.create_batch(2, published=True, topics=[topic])
    for _ in range(RUNS // 2):
        for topic in ("first", "second"):
            assert len(client.get(LIST, {"topic": topic}).json()["results"]) == 2

    # Eight runs of one text (the topic's slug is a parameter), so psycopg prepared it.
    assert len(prepared("publications_topic_pkey") + prepared("WITH ORDINALITY AS page(id, place)")) == 1


def test_list_surrogate_keys_name_the_public_byline_in_order_and_the_topics(client):
    first, trashed, second = AuthorFactory(), AuthorFactory(), AuthorFactory()
    Author.objects.filter(pk=trashed.pk).update(trashed_at=timezone.now())
    zebra, apple = TopicFactory(name="Zebra"), TopicFactory(name="Apple")
    piece = PublicationFactory(published=True, authors=[second, trashed, first], topics=[zebra, apple])
    bare = PublicationFactory(published=True)

    response = client.get(LIST)

    keys = response["Surrogate-Key"].split()
    assert f"publication-{bare.pk}" in keys
    assert [key for key in keys if key.startswith(("author-", "topic-"))] == [
        f"author-{second.pk}",
        f"author-{first.pk}",
        f"topic-{apple.pk}",
        f"topic-{zebra.pk}",
    ]
    [item] = [item for item in response.json()["results"] if item["id"] == piece.pk]
    assert [author["slug"] for author in item["authors"]] == [second.slug, first.slug]


def test_item_addresses_are_worked_out_once_per_host_and_never_shared_between_hosts(client, settings):
    settings.ALLOWED_HOSTS = ["one.example", "other.example"]
    requests = RequestFactory()
    one = item_addresses(ApiUrls(requests.get(LIST, HTTP_HOST="one.example")))
    again = item_addresses(ApiUrls(requests.get(LIST, HTTP_HOST="one.example")))
    other = item_addresses(ApiUrls(requests.get(LIST, HTTP_HOST="other.example")))

    assert again is one
    assert one.publication_url[0] == "http://one.example/api/v1/publications/"
    assert other.publication_url[0] == "http://other.example/api/v1/publications/"
    piece = PublicationFactory(published=True)
    for host in ("one.example", "other.example"):
        [item] = client.get(LIST, HTTP_HOST=host).json()["results"]
        assert item["url"] == f"http://{host}{reverse('v1:publication-detail', kwargs={'slug': piece.slug})}"


def test_the_filter_form_class_is_made_once_and_still_names_bad_values(client):
    # Once per set of filters given (only those are cleaned: test_list_python).
    first = PublicationFilterSet(QueryDict("topic=a&type=report"), queryset=Publication.objects.all())
    second = PublicationFilterSet(QueryDict("type=nonsense&topic=b"), queryset=Publication.objects.all())

    assert type(first.form) is type(second.form)
    assert first.is_valid() and not second.is_valid()
    for _ in range(2):
        response = client.get(LIST, {"type": "nonsense"})
        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"
        assert [error["parameter"] for error in response.json()["errors"]] == ["type"]


def test_each_filterset_has_its_own_filters_bound_to_it(client):
    PublicationFactory(published=True, title="Glaciers of Siachen", topics=[TopicFactory(slug="ice")])
    PublicationFactory(published=True, title="Rivers", topics=[TopicFactory(slug="water")])
    one = PublicationFilterSet(QueryDict("q=siachen"), queryset=Publication.objects.published())
    other = PublicationFilterSet(QueryDict("topic=water&q="), queryset=Publication.objects.published())

    assert one.filters["q"] is not other.filters["q"]
    assert (one.filters["q"].parent, other.filters["q"].parent) == (one, other)
    assert [piece.title for piece in one.qs] == ["Glaciers of Siachen"]
    assert [piece.title for piece in other.qs] == ["Rivers"]
    assert [
        item["title"] for item in client.get(LIST, {"q": "siachen", "topic": "ice"}).json()["results"]
    ] == ["Glaciers of Siachen"]


def test_filter_forms_share_their_fields_and_each_still_names_its_own_bad_values():
    good = PublicationFilterSet(QueryDict("topic=a&type=report"), queryset=Publication.objects.all())
    bad = PublicationFilterSet(QueryDict("topic=a,,b&type=nonsense"), queryset=Publication.objects.all())

    assert good.form.fields["topic"] is bad.form.fields["topic"]
    assert good.is_valid()
    assert not bad.is_valid()
    assert set(bad.form.errors) == {"topic", "type"}
    assert good.form.cleaned_data["topic"] == ["a"]


def plans_taken(marker: str) -> list[tuple[int, int]]:
    """(generic plans, custom plans) Postgres made for each prepared statement containing `marker`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            [f"%{marker}%"],
        )
        return cursor.fetchall()


# The deep page is page 10 of this catalogue's 1,500 pieces: past page 20 the generic plan expects to read
# most of the ~470 rows it estimates live at any time, where a scan and sort of the small table truly costs
# less, and Postgres's choice between the two swung with the dead rows earlier tests left in the table.
@pytest.mark.parametrize(
    "query",
    [{"topic": "busiest"}, {"page": "10"}, {"type": "commentary"}, {"language": "en"}],
    ids=["topic filter", "deep page", "type filter", "language filter"],
)
def test_a_filtered_or_deep_lists_statement_keeps_its_generic_plan_and_is_not_planned_per_request(
    client, catalogue, query
):
    """Its plan walks the live index whatever the time, so planning it for the time given (~1 ms at 100k
    pieces, as long as running it) is wasted: the time is read as it runs (_TIME_UNPLANNED_STEPS)."""
    busiest = with_publication_counts(Topic.objects.all()).order_by("-publication_count", "pk")[:1]
    Topic.objects.filter(pk__in=busiest.values("pk")).update(slug="busiest")
    # psycopg prepares it after five runs; Postgres plans the first five runs of a prepared statement for
    # their values, then keeps its generic plan when that looks no costlier.
    for _ in range(5 + 5 + 3):
        assert client.get(LIST, query).status_code == 200

    assert plans_taken("WITH ORDINALITY AS page(id, place)") == [(3, 5)]
    # At 100,000 pieces the topic's plan walks the live index as the deep page's does, and was planned on
    # every request for the same reason; here it reads the topic's rows by its index, whose cost does not
    # hang on the time: that the time is read as the statement runs is what tells.
    [statement] = prepared("WITH ORDINALITY AS page(id, place)")
    assert re.search(r'"published_at" <= \(SELECT \$\d+::timestamptz\)', statement), statement
    # Kept, it still reads only the rows it needs.
    plan = generic_plan(statement)
    assert "Seq Scan on publications_publication " not in plan, plan


def test_a_searchs_statement_still_plans_for_its_time_and_words(client, catalogue):
    for _ in range(RUNS):
        assert client.get(LIST, {"q": "security"}).status_code == 200

    statements = prepared("WITH ORDINALITY AS page(id, place)")
    assert statements and all("::timestamptz)" not in statement for statement in statements)
