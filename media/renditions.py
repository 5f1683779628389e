"""Renditions of a library image: each width of MEDIA_RENDITION_WIDTHS in the original format and in WebP,
and the admin's square thumbnail cropped around the focal point.

easy-thumbnails does the image work (its processors: EXIF orientation, colour space, Lanczos scaling,
focal-point crops through `target`; its saver: format options, progressive JPEG). We call its engine
directly rather than its Thumbnailer, so files get names we choose (next to nothing to track: they are
listed on the image row) and its own tables of sources and thumbnails are not needed.

Runs in the worker only (media.tasks.make_renditions), never on a public request.
"""

from __future__ import annotations

import posixpath
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from easy_thumbnails import engine
from PIL import Image as PILImage

# Pillow's format names and the extension each rendition gets.
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
THUMBNAIL_SIZE = 240


def rendition_name(original: str, label: str, extension: str) -> str:
    """`images/2026/photo.jpg` -> `renditions/2026/photo-<label>.<extension>`."""
    directory, filename = posixpath.split(original)
    stem = posixpath.splitext(filename)[0]
    subdirectory = directory.removeprefix("images").lstrip("/")
    return posixpath.join("renditions", subdirectory, f"{stem}-{label}.{extension}")


def make_renditions(
    file: Any, *, focal_x: float, focal_y: float, storage: Storage
) -> tuple[list[dict[str, Any]], str]:
    """Write the renditions of the image in `file` (a stored FieldFile) and its thumbnail.

    Returns the renditions ({"path", "width", "height", "format"}, narrowest first, the original format
    before WebP at each width) and the thumbnail's path. Widths at or above the original's are skipped:
    the original itself is the widest source.
    """
    with file.open("rb"):
        source_format = PILImage.open(file).format or "JPEG"
        source = engine.generate_source_image(file, {}, fail_silently=False)
    original_format = source_format if source_format in EXTENSIONS else "JPEG"
    # easy-thumbnails takes the focal point as percentages from the top left.
    target = (round(focal_x * 100), round(focal_y * 100))
    renditions = []
    for width in sorted(set(settings.MEDIA_RENDITION_WIDTHS)):
        if width >= source.width:
            continue
        scaled = engine.process_image(source, {"size": (width, 0), "target": target})
        for image_format in dict.fromkeys([original_format, "WEBP"]):
            path = _save(scaled, rendition_name(file.name, f"{width}w", EXTENSIONS[image_format]), storage)
            renditions.append(
                {"path": path, "width": scaled.width, "height": scaled.height, "format": image_format.lower()}
            )
    square = (THUMBNAIL_SIZE, THUMBNAIL_SIZE)
    thumbnail = engine.process_image(source, {"size": square, "crop": True, "target": target})
    thumbnail_path = _save(thumbnail, rendition_name(file.name, "thumb", "webp"), storage)
    return renditions, thumbnail_path


def _save(image: PILImage.Image, name: str, storage: Storage) -> str:
    data = engine.save_pil_image(image, filename=name, quality=settings.MEDIA_RENDITION_QUALITY)
    if storage.exists(name):
        # Made again (a new focal point): replace, so the name in the row stays the file's.
        storage.delete(name)
    return storage.save(name, ContentFile(data.read()))
