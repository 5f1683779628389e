import pytest
from corsheaders.middleware import CorsMiddleware
from django.http import HttpResponse

from cissapi.cors import OriginCorsMiddleware
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


@pytest.mark.parametrize("origin", [None, "", SITE, "https://evil.example.com"])
@pytest.mark.parametrize("path", ["/api/v1/publications/", "/feeds/json/", "/robots.txt"])
def test_cors_headers_are_django_cors_headers(rf, origin, path):
    extra = {} if origin is None else {"HTTP_ORIGIN": origin}
    answers = []
    for middleware in (OriginCorsMiddleware, CorsMiddleware):

        def view(request):
            response = HttpResponse(b"{}")
            response.headers["Vary"] = "Accept, Accept-Encoding"
            return response

        answers.append(dict(middleware(view)(rf.get(path, **extra)).headers))
    assert answers[0] == answers[1]


def test_a_read_without_origin_builds_no_request_headers(rf):
    # The Origin is read from META: request.headers (every META entry, parsed) is left unbuilt.
    request = rf.get("/api/v1/publications/")
    OriginCorsMiddleware(lambda request: HttpResponse(b"{}"))(request)
    assert "headers" not in vars(request)
