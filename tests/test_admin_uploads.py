"""A file chosen in a form that comes back with errors is not kept: the admin says so, by name."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from publications.models import Publication
from tests.factories import PublicationFactory
from tests.publications.test_admin import publication_post

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


def warnings(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]


def test_a_pdf_chosen_in_a_form_with_errors_is_named_as_not_saved(editor_client):
    PublicationFactory(slug="taken")
    data = {**publication_post(), "slug": "taken", "pdf": SimpleUploadedFile("brief.pdf", PDF)}

    response = editor_client.post(reverse("admin:publications_publication_add"), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["slug"]
    (warning,) = warnings(response)
    assert warning.startswith("Not saved: brief.pdf.")
    assert "choose the file again" in warning
    assert "Not saved: brief.pdf." in response.content.decode()
    assert not Publication.objects.filter(pdf__endswith="brief.pdf").exists()


def test_a_form_with_errors_and_no_file_has_no_upload_warning(editor_client):
    PublicationFactory(slug="taken")

    response = editor_client.post(
        reverse("admin:publications_publication_add"), {**publication_post(), "slug": "taken"}
    )

    assert response.status_code == 200
    assert warnings(response) == []


def test_a_library_image_chosen_in_a_form_with_errors_is_named_as_not_saved(editor_client):
    gif = (
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x00\x00\x00\x00\x00"
        b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    )
    data = {"alt": "", "focal_x": "2", "focal_y": "0.5", "file": SimpleUploadedFile("portrait.gif", gif)}

    response = editor_client.post(reverse("admin:media_image_add"), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["focal_x"]
    assert [w.split(".")[0] for w in warnings(response)] == ["Not saved: portrait"]
