"""The API contract (issue 14): what the served schema says is what the server does, and what it says is
what generated clients need (required fields, arrays, dates, optional keys, headers, problem+json
everywhere under /api/ and /feeds/)."""

from __future__ import annotations

import pytest

from tests.factories import AuthorFactory, PublicationFactory, TopicFactory, stored_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client) -> dict:
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


# --- Addresses without their slash, and unknown ones --------------------------------------------------------


@pytest.mark.parametrize(
    "path, location",
    [
        ("/api/v1/publications", "/api/v1/publications/"),
        ("/api/v1", "/api/v1/"),
        ("/feeds/rss", "/feeds/rss/"),
    ],
)
def test_a_missing_trailing_slash_is_a_301_with_problem_details(client, path, location):
    PublicationFactory(published=True)

    response = client.get(path, {"page_size": "5"})

    body = problem(response, 301)
    assert response["Location"] == f"{location}?page_size=5"
    assert body["title"] == "Moved Permanently"
    assert response["Location"] in body["detail"]


@pytest.mark.parametrize("path", ["/feeds/xml/", "/feeds/authors/", "/feeds/rss/extra/"])
def test_an_unknown_feed_address_is_a_404_problem_not_an_html_page(client, path):
    assert problem(client.get(path), 404)["detail"] == "No resource at this address."


# --- The schema ---------------------------------------------------------------------------------------------


def test_the_schema_is_openapi_3_1_with_null_admitted_by_image_series_and_change_publication(schema):
    components = schema["components"]["schemas"]
    null = {"type": "null"}

    assert schema["openapi"] == "3.1.0"
    assert null in components["PublicationList"]["properties"]["image"]["oneOf"]
    assert null in components["PublicationList"]["properties"]["series"]["oneOf"]
    assert null in components["Change"]["properties"]["publication"]["oneOf"]
    assert "nullable" not in str(schema)


def test_every_field_always_sent_is_required_and_fields_answers_have_their_own_variant(schema):
    components = schema["components"]["schemas"]
    for name in ("PublicationDetail", "AuthorDetail", "Byline", "Topic", "Change"):
        properties = set(components[name]["properties"])
        assert set(components[name]["required"]) == properties, name
    # `snippet` is sent only with ?q=, so it is the one field of a list item that is not required.
    listed = components["PublicationList"]
    assert set(listed["properties"]) - set(listed["required"]) == {"snippet"}
    assert "snippet" not in components["PublicationDetail"]["properties"]
    # With ?fields=, any field may be left out: the answer is the trimmed variant, which requires none.
    assert "required" not in components["PublicationListFields"]
    items = components["PaginatedPublicationListList"]["properties"]["results"]["items"]
    assert items["anyOf"] == [
        {"$ref": "#/components/schemas/PublicationList"},
        {"$ref": "#/components/schemas/PublicationListFields"},
    ]


def test_fields_and_ordering_are_declared_as_repeated_arrays_and_dates_as_date_or_date_time(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/publications/"]["get"]["parameters"]}

    for name in ("fields", "ordering"):
        assert (parameters[name]["style"], parameters[name]["explode"]) == ("form", True)
        assert parameters[name]["schema"]["type"] == "array"
    after = parameters["published_after"]
    assert [option["format"] for option in after["schema"]["oneOf"]] == ["date", "date-time"]
    assert "time zone" in after["description"]


def test_the_partner_key_is_optional_and_response_headers_are_declared(schema):
    operation = schema["paths"]["/api/v1/publications/"]["get"]
    responses = operation["responses"]

    # Document-wide, so generators see it as optional (they read an operation's own list as required).
    assert "security" not in operation
    assert schema["security"] == [{}, {"PartnerApiKey": []}]
    assert {"ETag", "Last-Modified", "Link", "RateLimit", "RateLimit-Policy", "Cache-Control", "Vary"} <= set(
        responses["200"]["headers"]
    )
    assert "Retry-After" in responses["429"]["headers"]
    assert "WWW-Authenticate" in responses["401"]["headers"]
    assert {"304", "405", "406"} <= set(responses)
    listed = schema["components"]["schemas"]["PublicationList"]["properties"]
    assert listed["url"]["format"] == listed["public_url"]["format"] == "uri"


# --- Repeated arrays ----------------------------------------------------------------------------------------


def test_repeated_fields_are_read_as_one_comma_separated_list(client):
    PublicationFactory(published=True, slug="one")

    repeated = client.get("/api/v1/publications/?fields=slug&fields=title")
    commas = client.get("/api/v1/publications/?fields=slug,title")

    assert repeated.status_code == 200, repeated.content
    assert repeated.json()["results"] == commas.json()["results"]
    assert set(repeated.json()["results"][0]) == {"slug", "title"}


def test_repeated_ordering_is_read_as_one_comma_separated_list(client):
    for slug, title in (("b", "Same"), ("a", "Same"), ("c", "Another")):
        PublicationFactory(published=True, slug=slug, title=title)

    repeated = client.get("/api/v1/publications/?ordering=title&ordering=-published&fields=slug")
    commas = client.get("/api/v1/publications/?ordering=title,-published&fields=slug")

    assert repeated.status_code == 200, repeated.content
    assert repeated.json()["results"] == commas.json()["results"]


@pytest.mark.parametrize("query", ["fields=slug&fields=nope", "fields=slug" + "&fields=slug" * 40])
def test_repeated_fields_are_still_checked_and_bounded(client, query):
    body = problem(client.get(f"/api/v1/publications/?{query}"), 400)

    assert body["errors"][0]["parameter"] == "fields"


# --- Embedding ----------------------------------------------------------------------------------------------


def test_bylines_topics_and_related_items_embed_their_urls_and_images(client, settings):
    settings.SITE_URL = "https://ciss.example"
    author = AuthorFactory(slug="lead", photo=stored_image("authors/photos/lead.jpg", alt="Lead"))
    topic = TopicFactory(slug="space")
    PublicationFactory(published=True, slug="piece", authors=[author], topics=[topic])
    PublicationFactory(
        published=True,
        slug="other",
        topics=[topic],
        lead_image=stored_image("publications/images/other.jpg", alt="Other"),
    )

    document = client.get("/api/v1/publications/piece/").json()

    byline = document["authors"][0]
    assert byline["url"] == "http://testserver/api/v1/authors/lead/"
    assert byline["public_url"] == "https://ciss.example/authors/lead/"
    assert byline["photo"]["url"].endswith("authors/photos/lead.jpg")
    assert document["topics"] == [
        {
            "slug": "space",
            "name": topic.name,
            "url": "http://testserver/api/v1/topics/space/",
            "public_url": "https://ciss.example/topics/space/",
        }
    ]
    (related,) = document["related"]
    assert related["public_url"] == "https://ciss.example/publications/other/"
    assert related["image"]["alt"] == "Other"


def test_the_index_has_a_typed_shape(schema, client):
    operation = schema["paths"]["/api/v1/"]["get"]
    index = schema["components"]["schemas"]["ApiIndex"]

    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ApiIndex"
    }
    # Every key the index sends is declared and required (the validating fixture checks the types).
    assert set(index["required"]) == set(index["properties"]) == set(client.get("/api/v1/").json())


# --- The validator every test's API responses go through ----------------------------------------------------


def test_the_response_validator_names_the_path_and_the_field_of_a_response_that_breaks_the_schema(client):
    import json

    from tests.openapi_contract import ContractViolation, check_response

    PublicationFactory(published=True, slug="one")
    response = client.get("/api/v1/publications/")
    document = response.json()
    del document["results"][0]["title"]
    document["results"][0]["image"] = "not an image"
    response.content = json.dumps(document).encode()

    with pytest.raises(ContractViolation) as violation:
        check_response(response)

    message = str(violation.value)
    assert "GET /api/v1/publications/ → 200" in message
    assert "'title' is a required property" in message
    assert "at results/0/image" in message


# --- Dates: what the schema says of them --------------------------------------------------------------------


def test_a_bare_date_and_a_naive_date_time_are_read_in_the_sites_time_zone(client, settings):
    import datetime as dt
    from zoneinfo import ZoneInfo

    settings.TIME_ZONE = "Asia/Karachi"
    karachi = ZoneInfo("Asia/Karachi")
    # 00:30 in Karachi is 19:30 UTC the day before: read as UTC, the bare date would include it.
    PublicationFactory(
        published=True, slug="late", published_at=dt.datetime(2026, 3, 1, 0, 30, tzinfo=karachi)
    )
    PublicationFactory(
        published=True, slug="early", published_at=dt.datetime(2026, 2, 28, 23, 0, tzinfo=karachi)
    )

    def slugs(**params) -> list[str]:
        response = client.get("/api/v1/publications/", {**params, "fields": "slug"})
        assert response.status_code == 200, response.content
        return [item["slug"] for item in response.json()["results"]]

    assert slugs(published_after="2026-03-01") == ["late"]
    assert slugs(published_after="2026-03-01T00:15:00") == ["late"]
    assert slugs(published_after="2026-02-28T19:15:00Z") == ["late"]
    assert slugs(published_before="2026-02-28T23:59") == ["early"]
