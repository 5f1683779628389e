"""Every JSON document the API produces has exactly the keys and types its OpenAPI schema promises.

The documents are built by plain functions (publications/api/documents.py, authors/api/documents.py) and
the declared serializers are only their schema, so nothing else holds the two together: a field added to
a producer but not to its serializer (or the other way round) fails here. Documents are taken from real
responses, with every optional part both present and absent, and for each `?fields=` combination the
other tests and bench/snapshot.py use.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from jsonschema import Draft202012Validator

from publications.models import CrossPost
from publications.services import publication_unpublish
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

# The one field a whole document may lack: a list item's search snippet, only with ?q=.
ONLY_WITH_SEARCH = {"snippet"}


@pytest.fixture
def components(client) -> dict[str, Any]:
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()["components"]["schemas"]


def json_schema(node: Any) -> Any:
    """An OpenAPI 3.1 schema (JSON Schema 2020-12 already) made stricter: references point at `$defs`,
    objects allow no other keys and require all of theirs (the `...Fields` variants `?fields=` answers with
    require none in the OpenAPI document; whole documents have every field)."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: json_schema(value) for key, value in node.items()}
    if "$ref" in node:
        node["$ref"] = node["$ref"].replace("#/components/schemas/", "#/$defs/")
    if "properties" in node:
        node["additionalProperties"] = False
        node.setdefault("required", sorted(set(node["properties"]) - ONLY_WITH_SEARCH))
    return node


def assert_matches_schema(components: dict, name: str, document: dict, fields: list[str] | None = None):
    """`document` validates against component `name`; its keys are the component's (or `fields`)."""
    properties = list(components[name]["properties"])
    if fields is None:
        expected = [key for key in properties if key not in ONLY_WITH_SEARCH or key in document]
    else:
        expected = [key for key in properties if key in fields]
    assert list(document) == expected, f"{name}: produced keys differ from the schema's properties"
    schema = {"$defs": json_schema(components), **json_schema(copy.deepcopy(components[name]))}
    schema["required"] = expected
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(document)]
    assert not errors, f"{name}: {errors}"


@pytest.fixture
def catalogue():
    """Two published pieces: one with every optional part filled, one with none; a related third."""
    lead = AuthorFactory(
        slug="lead",
        honorific="Dr",
        headline="Director",
        photo=stored_image("authors/photos/lead.jpg", alt="Dr Lead"),
    )
    bare_author = AuthorFactory(slug="bare", honorific="", headline="", short_bio="", bio="")
    topic, series = TopicFactory(slug="space", description="Outer space"), SeriesFactory(slug="insight")
    outlet = OutletFactory(slug="strafasia", homepage="")
    for detail in (PositionFactory, EducationFactory, WorkFactory, AuthorLinkFactory):
        detail(author=lead)
    lead.interests.add(topic)
    lead.outlets.add(outlet)
    full = PublicationFactory(
        published=True,
        slug="full",
        subtitle="A subtitle",
        series=series,
        doi="10.1234/ciss.1",
        volume="1",
        issue="2",
        report_number="R-1",
        lead_image=stored_image(
            "publications/images/launch.jpg",
            alt="A rocket",
            caption="The launch",
            renditions=[
                {"path": "renditions/launch-320w.webp", "width": 320, "height": 180, "format": "webp"}
            ],
        ),
        pdf="publications/pdfs/full.pdf",
        authors=[lead, bare_author],
        topics=[topic],
    )
    CrossPostFactory(
        publication=full,
        outlet=outlet,
        relation=CrossPost.Relation.ORIGINAL_ELSEWHERE,
        published_on=dt.date(2026, 11, 1),
        is_canonical=True,
    )
    CrossPostFactory(publication=full, published_on=None)
    bare = PublicationFactory(published=True, slug="bare", subtitle="", summary="", authors=[], topics=[])
    PublicationFactory(published=True, slug="related", topics=[topic])
    return {"full": full, "bare": bare, "lead": lead, "bare_author": bare_author}


def results(client, path: str, **params) -> list[dict]:
    response = client.get(path, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def one(client, path: str, **params) -> dict:
    response = client.get(path, params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize(
    "params",
    [{}, {"q": "publication"}, {"fields": "slug, title"}, {"fields": "slug,authors,topics"}],
    ids=["whole", "search", "fields-slug-title", "fields-slug-authors-topics"],
)
def test_publication_list_items_match_their_schema(client, components, catalogue, params):
    items = results(client, "/api/v1/publications/", **params)
    assert {item.get("slug") for item in items} >= ({"full", "bare"} if "q" in params else set())
    fields = [name.strip() for name in params["fields"].split(",")] if "fields" in params else None
    for item in items:
        assert_matches_schema(components, "PublicationList", item, fields)
    if "q" in params:
        assert all("snippet" in item for item in items)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/authors/lead/publications/", "/api/v1/topics/space/publications/"],
    ids=["author", "topic"],
)
def test_publication_lists_of_authors_and_collections_match_the_list_item_schema(
    client, components, catalogue, path
):
    for item in results(client, path):
        assert_matches_schema(components, "PublicationList", item)


@pytest.mark.parametrize(
    "params",
    [{}, {"fields": "slug,title"}, {"fields": "slug,title,related"}],
    ids=["whole", "fields-slug-title", "fields-slug-title-related"],
)
@pytest.mark.parametrize("slug", ["full", "bare"])
def test_publication_details_match_their_schema(client, components, catalogue, slug, params):
    document = one(client, f"/api/v1/publications/{slug}/", **params)
    fields = params["fields"].split(",") if "fields" in params else None
    assert_matches_schema(components, "PublicationDetail", document, fields)
    if slug == "full" and fields is None:
        # Every optional part is present, so its non-null type was checked too.
        assert document["image"] and document["pdf"] and document["series"] and document["related"]
        assert document["cross_posts"][0]["published_on"] and document["authors"][0]["honorific"]


def test_author_list_items_match_their_schema(client, components, catalogue):
    items = results(client, "/api/v1/authors/")
    assert {item["slug"] for item in items} >= {"lead", "bare"}
    for item in items:
        assert_matches_schema(components, "AuthorList", item)


@pytest.mark.parametrize("slug", ["lead", "bare"])
def test_author_details_match_their_schema(client, components, catalogue, slug):
    document = one(client, f"/api/v1/authors/{slug}/")
    assert_matches_schema(components, "AuthorDetail", document)
    if slug == "lead":
        assert document["photo"] and all(document[name] for name in ("positions", "works", "outlets"))


@pytest.mark.parametrize(
    "collection, component, slug",
    [("topics", "Topic", "space"), ("series", "Series", "insight"), ("outlets", "Outlet", "strafasia")],
)
def test_collections_match_their_schema(client, components, catalogue, collection, component, slug):
    items = results(client, f"/api/v1/{collection}/")
    assert items
    for item in items:
        assert_matches_schema(components, component, item)
    assert_matches_schema(components, component, one(client, f"/api/v1/{collection}/{slug}/"))


def test_change_feed_items_match_their_schema(client, components, catalogue):
    renamed = catalogue["full"]
    renamed.slug = "full-renamed"
    renamed.save()
    publication_unpublish(publication=catalogue["bare"])
    PublicationFactory(published=True, slug="gone").delete()

    changes = one(client, reverse("v1:change-list"), limit=500)["results"]

    kinds = {change["kind"] for change in changes}
    assert {"published", "slug_changed", "unpublished", "deleted"} <= kinds
    assert any(change["publication"] is None for change in changes)
    assert any(change["old_slug"] for change in changes)
    for change in changes:
        assert_matches_schema(components, "Change", change)
