"""Request bodies are bounded before anything parses them (the audit's anonymous 30 MB admin upload)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
FORM = "application/x-www-form-urlencoded"


def chunked_post(client, path: str, body: bytes, content_type: str = FORM):
    """POST `body` as a chunked request does reach Django: no Content-Length, the body in wsgi.input."""
    return client.generic(
        "POST",
        path,
        CONTENT_TYPE=content_type,
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": io.BytesIO(body)},
    )


def test_an_anonymous_30_mb_multipart_post_to_the_admin_is_refused_with_a_413(client):
    upload = SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * (30 * MB), content_type="application/pdf")

    response = client.post("/admin/login/", {"username": "x", "password": "y", "file": upload})

    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/plain")
    assert b"larger than this server accepts" in response.content


def test_a_declared_length_over_the_bound_is_refused_without_reading_the_body(client):
    # The body is a few bytes; the header alone decides, so nothing is read or parsed.
    response = client.generic(
        "POST", "/admin/login/", b"username=x", content_type=FORM, CONTENT_LENGTH=str(MB)
    )

    assert response.status_code == 413


@pytest.mark.parametrize("path", ["/api/v1/publications/", "/feeds/rss/"])
def test_machine_paths_answer_413_as_a_problem_document(client, settings, path):
    response = client.generic(
        "POST", path, b"{}", content_type="application/json", CONTENT_LENGTH=str(5 * MB)
    )

    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 413 and problem["title"] == "Request Entity Too Large"
    assert problem["detail"] == "The request body is larger than this server accepts here."


def test_a_small_anonymous_body_still_reaches_the_login_form(client, editor):
    response = client.post("/admin/login/", {"username": "editor", "password": "a-long-test-password"})

    assert response.status_code == 302


def test_an_editor_in_the_admin_may_upload_up_to_the_larger_bound(editor_client, settings):
    settings.MAX_REQUEST_BODY_BYTES = 2 * MB
    within = SimpleUploadedFile("report.pdf", b"%PDF" + b"0" * MB, content_type="application/pdf")
    over = SimpleUploadedFile("report.pdf", b"%PDF" + b"0" * (3 * MB), content_type="application/pdf")
    url = "/admin/publications/publication/add/"

    assert editor_client.post(url, {"title": "", "pdf": within}).status_code == 200
    assert editor_client.post(url, {"title": "", "pdf": over}).status_code == 413


def test_an_editor_gets_only_the_small_bound_outside_the_admin(editor_client, settings):
    body = b"x" * (settings.MAX_ANONYMOUS_REQUEST_BODY_BYTES + 1)

    response = editor_client.generic("POST", "/api/v1/publications/", body, content_type="application/json")

    assert response.status_code == 413


def test_a_chunked_body_over_the_bound_is_refused(client, settings):
    body = b"username=x&password=" + b"y" * settings.MAX_ANONYMOUS_REQUEST_BODY_BYTES

    assert chunked_post(client, "/admin/login/", body).status_code == 413


def test_a_chunked_body_within_the_bound_is_parsed(client, editor):
    response = chunked_post(client, "/admin/login/", b"username=editor&password=a-long-test-password")

    # Django reads no body without a length; the middleware handed it one, so the login went through.
    assert response.status_code == 302


@pytest.mark.parametrize("declared", ["abc", "-1", "1e9", "\u0661\u0660"])
def test_a_content_length_that_is_not_a_byte_count_is_a_400(client, declared):
    response = client.generic("POST", "/api/v1/publications/", b"{}", CONTENT_LENGTH=declared)

    assert response.status_code == 400
    assert response.json()["detail"] == "The Content-Length header is not a byte count."


def test_the_schema_documents_the_413_on_every_operation(client):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()

    for path, item in schema["paths"].items():
        response = item["get"]["responses"]["413"]
        assert response["content"]["application/problem+json"], path
