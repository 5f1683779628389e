import pytest
import yaml
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def test_index_lists_every_resource_with_absolute_urls(client):
    response = client.get("/api/v1/")

    assert response.status_code == 200
    assert response.json() == {
        "publications": "http://testserver/api/v1/publications/",
        "authors": "http://testserver/api/v1/authors/",
        "topics": "http://testserver/api/v1/topics/",
        "series": "http://testserver/api/v1/series/",
        "outlets": "http://testserver/api/v1/outlets/",
        "changes": "http://testserver/api/v1/changes/",
        "export": "http://testserver/api/v1/export/",
        "feeds": {
            "rss": "http://testserver/feeds/rss/",
            "atom": "http://testserver/feeds/atom/",
            "json": "http://testserver/feeds/json/",
            "author": "http://testserver/feeds/authors/{slug}/{format}/",
            "topic": "http://testserver/feeds/topics/{slug}/{format}/",
            "series": "http://testserver/feeds/series/{slug}/{format}/",
            "type": "http://testserver/feeds/types/{type}/{format}/",
            "formats": ["rss", "atom", "json"],
        },
        "sitemaps": {
            "index": "http://testserver/sitemap.xml",
            "news": "http://testserver/sitemap-news.xml",
        },
        "schema": "http://testserver/api/v1/schema/",
        "docs": "http://testserver/api/docs/",
    }


@pytest.fixture
def schema(client) -> dict:
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_served_schema_is_valid_openapi_3(schema):
    validate(schema)

    assert schema["openapi"].startswith("3.")


def test_schema_documents_every_endpoint_and_its_errors(schema):
    assert set(schema["paths"]) == {
        "/api/v1/",
        "/api/v1/publications/",
        "/api/v1/publications/{slug}/",
        "/api/v1/publications/{slug}/cite/",
        "/api/v1/authors/",
        "/api/v1/authors/{slug}/",
        "/api/v1/authors/{slug}/publications/",
        "/api/v1/changes/",
        "/api/v1/export/",
        "/api/v1/preview/{token}/",
        *(
            f"/api/v1/{name}/{suffix}"
            for name in ("topics", "series", "outlets")
            for suffix in ("", "{slug}/", "{slug}/publications/")
        ),
    }
    for path, item in schema["paths"].items():
        assert set(item) == {"get"}, path
        assert {"200", "400", "401", "404", "429"} <= set(item["get"]["responses"]), path


def test_schema_documents_the_export_as_json_lines_with_its_cursor_header(schema):
    operation = schema["paths"]["/api/v1/export/"]["get"]
    ok = operation["responses"]["200"]

    assert set(ok["content"]) == {"application/x-ndjson"}
    assert ok["content"]["application/x-ndjson"]["schema"] == {
        "$ref": "#/components/schemas/PublicationDetail"
    }
    assert "X-Change-Cursor" in ok["headers"]


def test_schema_documents_the_page_count(schema):
    page = schema["components"]["schemas"]["PaginatedPublicationListList"]

    assert page["properties"]["pages"]["type"] == "integer"


def test_schema_documents_old_slug_redirects_and_preview_answers(schema):
    detail = schema["paths"]["/api/v1/publications/{slug}/"]["get"]["responses"]
    preview = schema["paths"]["/api/v1/preview/{token}/"]["get"]["responses"]

    assert "Location" in detail["301"]["description"]
    assert {"200", "404", "410"} <= set(preview)
    assert "preview" in schema["components"]["schemas"]["Preview"]["properties"]


def test_schema_documents_publication_filters(schema):
    names = {p["name"] for p in schema["paths"]["/api/v1/publications/"]["get"]["parameters"]}

    assert names >= {
        "q", "author", "topic", "topic_match", "type", "series", "outlet", "language", "published_after",
        "published_before", "updated_since", "ordering", "fields", "page", "page_size", "mode", "cursor",
    }  # fmt: skip


def test_schema_is_also_served_as_json(client):
    response = client.get("/api/v1/schema/", {"format": "json"})

    assert response.status_code == 200
    validate(response.json())


def test_docs_page_uses_self_hosted_assets(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()


def test_the_schema_is_generated_once_per_process_and_language(client, monkeypatch, settings):
    from drf_spectacular.generators import SchemaGenerator

    from cissapi.api import schema

    schema._generated.clear()
    generated = []
    real = SchemaGenerator.get_schema

    def counted(self, *args, **kwargs):
        generated.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counted)
    first = client.get("/api/v1/schema/")
    # Any other query parameter, the JSON rendering, a language Django has no catalogue for: the same
    # document, generated once (each request generated it anew, 0.5-1 s, cached by nothing).
    again = [client.get("/api/v1/schema/", query) for query in ({}, {"x": "1"}, {"lang": "zzz"})]
    as_json = client.get("/api/v1/schema/", {"format": "json"})

    assert len(generated) == 1
    assert {response.content for response in again} == {first.content}
    assert yaml.safe_load(first.content) == as_json.json()

    settings.API_MAX_PAGE_SIZE = 50  # a changed setting may change the document: generated again
    client.get("/api/v1/schema/")
    assert len(generated) == 2
