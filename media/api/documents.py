"""The API's image object (publications' `image`, authors' `photo`): one producer, its schema in
media/api/serializers.py. Renditions come from the image row's JSON column: no query."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from django.core.files.storage import default_storage

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


def image_row_document(row: dict[str, Any] | str | None, *, urls: ApiUrls) -> dict[str, Any] | None:
    """The same image object from an image's fields as a JSON column carries them ({"path", "width",
    "height", "alt", "caption", "credit", "renditions"}: a byline's photo, a related piece's lead image);
    None when there is no image (no row, or a row of nulls from a missing foreign key)."""
    # A raw query's jsonb column comes as text (Django leaves jsonb decoding to its JSONField).
    fields: dict[str, Any] | None = json.loads(row) if isinstance(row, str) else row
    if not fields or not fields.get("path"):
        return None
    return {
        "url": urls.absolute(default_storage.url(fields["path"])),
        "width": fields["width"],
        "height": fields["height"],
        "alt": fields["alt"] or None,
        "caption": fields["caption"] or None,
        "credit": fields["credit"] or None,
        "renditions": [
            {
                "url": urls.absolute(default_storage.url(rendition["path"])),
                "width": rendition["width"],
                "height": rendition["height"],
                "format": rendition["format"],
            }
            for rendition in fields["renditions"] or []
        ],
    }


# An <img> of sanitized HTML (nh3 writes every attribute double-quoted) and its src.
_IMG = re.compile(r"<img\b[^>]*>")
_SRC = re.compile(r'\ssrc="([^"]*)"')
_SIZE = re.compile(r'\s(?:width|height)="[^"]*"')
# How wide a body image is shown: the text column's width on wide screens, the screen's on phones.
BODY_IMAGE_SIZES = "(min-width: 800px) 760px, 100vw"


def body_with_renditions(body: str, images: list[dict[str, Any]], *, urls: ApiUrls) -> str:
    """`body` with each library image's <img> carrying width, height, srcset and sizes.

    `images` are the library images the body shows ({"path", "width", "height", "renditions"}, as
    PublicationQuerySet.with_detail annotates them). The srcset lists the renditions in the original's
    format and the original itself (a srcset's candidates must be one image, and every browser reads the
    original's format); WebP renditions are in the lead image's object for a frontend's <picture>.
    """
    if not images:
        return body
    by_url = {default_storage.url(image["path"]): image for image in images}

    def rewrite(match: re.Match[str]) -> str:
        tag = match.group(0)
        src = _SRC.search(tag)
        image = by_url.get(html.unescape(src.group(1))) if src else None
        if image is None or " srcset=" in tag:
            return tag
        extension = image["path"].rsplit(".", 1)[-1].lower()
        original_format = {"jpg": "jpeg", "jpeg": "jpeg", "png": "png", "gif": "gif", "webp": "webp"}.get(
            extension
        )
        candidates = [
            f"{urls.absolute(default_storage.url(r['path']))} {r['width']}w"
            for r in image["renditions"]
            if r["format"] == original_format
        ]
        candidates.append(f"{urls.absolute(default_storage.url(image['path']))} {image['width']}w")
        extra = (
            f' width="{image["width"]}" height="{image["height"]}"'
            f' srcset="{html.escape(", ".join(candidates))}" sizes="{BODY_IMAGE_SIZES}"'
        )
        # The original's true size replaces whatever size the editor's markup carried.
        return _SIZE.sub("", tag)[:-1].rstrip("/ ") + extra + ">"

    return _IMG.sub(rewrite, body)
