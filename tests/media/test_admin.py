from __future__ import annotations

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage

from cissapi.richtext import EXTENSIONS
from media.models import Image
from tests.factories import stored_image

pytestmark = pytest.mark.django_db


def test_the_body_editor_browses_the_library_picker():
    assert EXTENSIONS["Figure"]["pickerUrl"] == reverse("admin:media_image_picker")


def test_the_picker_lists_matching_images_with_what_the_editor_fills_in(editor_client):
    stored_image("images/2026/map.jpg", alt="A map of the region", caption="The region", thumbnail="r/t.webp")
    stored_image("images/2026/rocket.jpg", alt="A rocket")

    response = editor_client.get(reverse("admin:media_image_picker"), {"q": "map", "CKEditorFuncNum": "3"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-callback="3"' in html
    assert 'data-url="/media/images/2026/map.jpg"' in html and 'data-alt="A map of the region"' in html
    assert 'data-caption="The region"' in html and 'src="/media/r/t.webp"' in html
    assert "rocket" not in html


def test_the_library_lists_images_with_thumbnails(editor_client):
    stored_image("images/2026/map.jpg", alt="A map", thumbnail="renditions/2026/map-thumb.webp")

    html = editor_client.get(reverse("admin:media_image_changelist")).content.decode()

    assert 'src="/media/renditions/2026/map-thumb.webp"' in html


def test_the_picker_is_for_editors_only(client):
    response = client.get(reverse("admin:media_image_picker"))

    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("role", ["contributors", "editors", "publishers"])
def test_every_role_chooses_a_lead_image_and_browses_the_library_from_the_body_editor(
    client, member_of, role
):
    stored_image("images/2026/map.jpg", alt="A map of the region")
    client.force_login(member_of(role))
    lead_image = {"app_label": "publications", "model_name": "publication", "field_name": "lead_image"}

    chosen = client.get(reverse("admin:autocomplete"), {**lead_image, "term": "map"})
    browsed = client.get(reverse("admin:media_image_picker"), {"q": "map"})

    assert chosen.status_code == 200 and [r["text"] for r in chosen.json()["results"]] != []
    assert browsed.status_code == 200 and 'data-alt="A map of the region"' in browsed.content.decode()
    assert client.get(reverse("admin:media_image_add")).status_code == 200


def test_the_library_refuses_a_postscript_upload_with_a_form_error(client, member_of, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(member_of("contributors"))
    postscript = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n%%EndComments\nshowpage\n"
    fields = {"alt": "A chart", "caption": "", "credit": "", "focal_x": 0.5, "focal_y": 0.5}

    response = client.post(
        reverse("admin:media_image_add"), {**fields, "file": SimpleUploadedFile("chart.eps", postscript)}
    )

    assert response.status_code == 200
    assert "Upload it as JPEG, PNG, GIF or WebP" in response.context["adminform"].form.errors["file"][0]
    assert not Image.objects.exists() and not any(tmp_path.rglob("*.eps"))


def test_the_library_refuses_a_small_file_of_too_many_pixels_with_a_form_error(
    client, member_of, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(member_of("contributors"))
    # 64 megapixels of one colour: a few hundred kilobytes, far under MAX_IMAGE_UPLOAD_BYTES.
    buffer = BytesIO()
    PILImage.new("L", (8000, 8000)).save(buffer, format="PNG")
    assert len(buffer.getvalue()) < 1024 * 1024
    fields = {"alt": "A chart", "caption": "", "credit": "", "focal_x": 0.5, "focal_y": 0.5}

    response = client.post(
        reverse("admin:media_image_add"),
        {**fields, "file": SimpleUploadedFile("chart.png", buffer.getvalue())},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["file"] == [
        "This image is 8,000 x 8,000 pixels; the most allowed is 50 megapixels. "
        "Scale it down before uploading."
    ]
    assert not Image.objects.exists() and not any(tmp_path.rglob("*.png"))


def test_a_nul_in_the_pickers_search_is_a_400_not_a_500(editor_client):
    stored_image("images/2026/map.jpg", alt="A map of the region")

    response = editor_client.get(reverse("admin:media_image_picker"), {"q": "map\x00"})

    assert response.status_code == 400
