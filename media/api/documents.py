"""The API's image object (publications' `image`, authors' `photo`): one producer, its schema in
media/api/serializers.py. Renditions come from the image row's JSON column: no query."""

from __future__ import annotations

from typing import Any

from cissapi.api.documents import ApiUrls
from media.models import Image


def image_document(image: Image | None, *, urls: ApiUrls) -> dict[str, Any] | None:
    """An image with its renditions (ImageSerializer), or None without one."""
    if image is None:
        return None
    storage = image.file.storage
    return {
        "url": urls.absolute(image.file.url),
        "width": image.width,
        "height": image.height,
        "alt": image.alt or None,
        "caption": image.caption or None,
        "credit": image.credit or None,
        "renditions": [
            {
                "url": urls.absolute(storage.url(rendition["path"])),
                "width": rendition["width"],
                "height": rendition["height"],
                "format": rendition["format"],
            }
            for rendition in image.renditions
        ],
    }
