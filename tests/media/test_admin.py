from __future__ import annotations

import pytest
from django.urls import reverse

from cissapi.richtext import EXTENSIONS
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
