"""Query parameters are checked before anything else: an unknown, repeated or oddly spelt one is a 400
problem naming it, never a silently unfiltered answer, and never a new response-cache entry."""

import pytest
from django.urls import reverse

from tests.factories import AuthorFactory, PublicationFactory, TopicFactory

pytestmark = pytest.mark.django_db

LIST = reverse("v1:publication-list")


@pytest.fixture
def piece():
    return PublicationFactory(
        published=True, slug="p", authors=[AuthorFactory(slug="a")], topics=[TopicFactory(slug="t")]
    )


def refused(response, parameter: str) -> dict:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert [error["parameter"] for error in body["errors"]] == [parameter], body
    return body


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        (f"{LIST}?topics=t", "topics"),
        (f"{LIST}?utm_source=newsletter", "utm_source"),
        ("/api/v1/publications/p/?page=2", "page"),
        ("/api/v1/authors/a/?q=x", "q"),
        ("/api/v1/authors/?author=a", "author"),
        ("/api/v1/topics/?topic_match=all", "topic_match"),
        ("/api/v1/?page=1", "page"),
        ("/api/v1/changes/?sinse=x", "sinse"),
    ],
)
def test_an_unknown_parameter_is_a_400_naming_it(client, piece, url, parameter):
    body = refused(client.get(url), parameter)

    assert "Unknown query parameter" in body["errors"][0]["detail"]


def test_an_unknown_parameter_is_refused_even_when_the_answer_is_cached(client, piece, settings):
    settings.API_CACHE = True
    assert client.get(LIST, {"topic": "t"}).status_code == 200
    assert client.get(LIST, {"topic": "t"}).status_code == 200  # from the cache

    refused(client.get(LIST, {"topic": "t", "topics": "other"}), "topics")


@pytest.mark.parametrize(
    "query",
    ["q=a&q=b", "page=1&page=2", "page_size=5&page_size=6", "type=report&type=book",
     "topic_match=all&topic_match=any", "mode=page&mode=page"],
)  # fmt: skip
def test_a_repeated_single_valued_parameter_is_a_400(client, piece, query):
    refused(client.get(f"{LIST}?{query}"), query.split("=")[0])


def test_slug_lists_may_still_repeat(client, piece):
    other = PublicationFactory(published=True, authors=[AuthorFactory(slug="b")])

    response = client.get(f"{LIST}?author=a&author=b")

    assert {item["slug"] for item in response.json()["results"]} == {"p", other.slug}


@pytest.mark.parametrize("parameter", ["author", "topic", "series", "outlet"])
@pytest.mark.parametrize("value", ["not a slug", "a,b c", "ü", "<script>", "a/b", "a\nb", "a\x00"])
def test_a_slug_filter_refuses_what_is_not_a_slug(client, piece, parameter, value):
    refused(client.get(LIST, {parameter: value}), parameter)


@pytest.mark.parametrize("value", [",", ",,", "title,", ",title", "title,,published"])
def test_an_empty_ordering_key_is_a_400_not_a_500(client, piece, value):
    refused(client.get(LIST, {"ordering": value}), "ordering")


def test_an_encoded_comma_ordering_is_a_400(client, piece):
    refused(client.get(f"{LIST}?ordering=%2C"), "ordering")


@pytest.mark.parametrize(
    ("parameter", "value"),
    [("page", "१"), ("page_size", "२०"), ("page", "01"), ("page", " 1"), ("published_after", "२०२६-01-01"),
     ("updated_since", "\uff12\uff10\uff12\uff16-01-01"), ("type", "répört")],
)  # fmt: skip
def test_numbers_and_dates_are_ascii_digits_only(client, piece, parameter, value):
    refused(client.get(LIST, {parameter: value}), parameter)


def test_search_words_may_be_any_text(client, piece):
    assert client.get(LIST, {"q": "جوہری ١٩٩٨"}).status_code == 200


@pytest.mark.parametrize("parameter", ["author", "topic", "series", "outlet", "ordering"])
def test_a_multi_valued_filter_takes_at_most_the_configured_number_of_values(
    client, piece, settings, parameter
):
    settings.API_MAX_FILTER_VALUES = 3
    values = ["title", "-published", "updated"] if parameter == "ordering" else ["a", "b", "c"]
    assert client.get(LIST, {parameter: ",".join(values)}).status_code == 200

    body = refused(client.get(LIST, {parameter: ",".join([*values, values[0]])}), parameter)

    assert body["errors"][0]["detail"] == "Give at most 3 values."


def test_the_value_cap_counts_repeated_keys_too(client, piece, settings):
    settings.API_MAX_FILTER_VALUES = 3

    refused(client.get(f"{LIST}?topic=a,b&topic=c,d"), "topic")


def test_the_default_cap_is_twenty(client, piece):
    topics = [f"t{number}" for number in range(21)]

    assert client.get(LIST, {"topic": ",".join(topics[:20])}).status_code == 200
    refused(client.get(LIST, {"topic": ",".join(topics), "topic_match": "all"}), "topic")


def test_the_schema_says_which_parameters_are_accepted(client):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()

    assert "an unknown one" in schema["info"]["description"]
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/publications/"]["get"]["parameters"]}
    assert parameters["topic"]["schema"]["maxItems"] == 20
    assert parameters["topic"]["schema"]["items"]["pattern"] == "^[-a-zA-Z0-9_]+$"
    assert "unknown" in schema["paths"]["/api/v1/publications/"]["get"]["responses"]["400"]["description"]
