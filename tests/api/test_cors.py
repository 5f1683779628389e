import pytest

from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db

SITE = "https://ciss.example.org"


@pytest.fixture(autouse=True)
def frontend_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [SITE]


def test_configured_frontend_origin_may_read_the_api(client):
    PublicationFactory(published=True)

    response = client.get("/api/v1/publications/", HTTP_ORIGIN=SITE)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SITE
    assert {"ETag", "Last-Modified"} <= set(response["Access-Control-Expose-Headers"].split(", "))
    assert "Origin" in response["Vary"]


def test_preflight_from_configured_origin_allows_get(client):
    response = client.options(
        "/api/v1/publications/", HTTP_ORIGIN=SITE, HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SITE
    assert "GET" in response["Access-Control-Allow-Methods"]


def test_other_origins_get_no_cors_grant(client):
    response = client.get("/api/v1/publications/", HTTP_ORIGIN="https://evil.example.com")

    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response
