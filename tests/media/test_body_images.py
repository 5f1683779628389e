from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PublicationFactory, stored_image

pytestmark = pytest.mark.django_db


def test_a_library_image_in_a_body_carries_its_size_srcset_and_sizes_in_the_api(client, settings):
    settings.API_CACHE = False
    stored_image(
        "images/2026/map.jpg",
        width=2000,
        height=1000,
        alt="A map",
        renditions=[
            {"path": "renditions/2026/map-320w.jpg", "width": 320, "height": 160, "format": "jpeg"},
            {"path": "renditions/2026/map-320w.webp", "width": 320, "height": 160, "format": "webp"},
            {"path": "renditions/2026/map-640w.jpg", "width": 640, "height": 320, "format": "jpeg"},
        ],
    )
    stored_image("images/2026/unused.jpg")
    piece = PublicationFactory(
        published=True,
        body='<p>See:</p><figure><img src="/media/images/2026/map.jpg" alt="A map" width="50">'
        "<figcaption>The region</figcaption></figure>"
        '<p><img src="https://elsewhere.example/x.png" alt="Elsewhere"></p>',
    )

    body = client.get(reverse("v1:publication-detail", kwargs={"slug": piece.slug})).json()["body"]

    media = "http://testserver/media/"
    assert body == (
        '<p>See:</p><figure><img src="/media/images/2026/map.jpg" alt="A map" width="2000" height="1000" '
        f'srcset="{media}renditions/2026/map-320w.jpg 320w, {media}renditions/2026/map-640w.jpg 640w, '
        f'{media}images/2026/map.jpg 2000w" sizes="(min-width: 800px) 760px, 100vw">'
        "<figcaption>The region</figcaption></figure>"
        '<p><img src="https://elsewhere.example/x.png" alt="Elsewhere"></p>'
    )
