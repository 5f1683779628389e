"""Renditions of a library image: each width of MEDIA_RENDITION_WIDTHS in the original format and in WebP,
and the admin's square thumbnail cropped around the focal point.

easy-thumbnails does the image work (its processors: EXIF orientation, colour space, Lanczos scaling,
focal-point crops through `target`; its saver: format options, progressive JPEG). Colour profiles are
ours: easy-thumbnails drops them, so the source is converted to sRGB first (in_srgb). We call its engine
directly rather than its Thumbnailer, so files get names we choose (next to nothing to track: they are
listed on the image row) and its own tables of sources and thumbnails are not needed.

Runs in the worker only (media.tasks.make_renditions), never on a public request.
"""

from __future__ import annotations

import io
import posixpath
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from easy_thumbnails import engine
from easy_thumbnails.source_generators import pil_image
from PIL import Image as PILImage
from PIL import ImageCms

# Pillow's format names and the extension each rendition gets.
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
THUMBNAIL_SIZE = 240
# The longest side each format can hold, in pixels: WebP's 16,383 is 41 screens of a tall infographic.
MAX_SIDE = {"JPEG": 65_535, "PNG": 2**31 - 1, "GIF": 65_535, "WEBP": 16_383}
# Modes a colour profile converts from, and the mode of their sRGB result (alpha kept).
_CONVERTIBLE_MODES = {"RGB": "RGB", "RGBA": "RGBA", "CMYK": "RGB"}
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


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
    the original itself is the widest source; an animated image has only its thumbnail.
    """
    with file.open("rb"):
        with PILImage.open(file) as opened:
            source_format = opened.format or "JPEG"
            animated = getattr(opened, "is_animated", False)
        # Pillow alone (the default list also tries an SVG engine, not installed), so its error is raised.
        source = engine.generate_source_image(file, {}, generators=[pil_image], fail_silently=False)
    source = in_srgb(in_eight_bits(source))
    original_format = source_format if source_format in EXTENSIONS else "JPEG"
    # easy-thumbnails takes the focal point as percentages from the top left.
    target = (round(focal_x * 100), round(focal_y * 100))
    renditions = []
    # An animated image has no narrower copies: they would hold its first frame only, and a browser picking
    # one on a narrow screen would show a still. Its srcset is the original alone.
    widths = [] if animated else sorted(set(settings.MEDIA_RENDITION_WIDTHS))
    for width in widths:
        if width >= source.width:
            continue
        scaled = engine.process_image(source, {"size": (width, 0), "target": target})
        for image_format in dict.fromkeys([original_format, "WEBP"]):
            if scaled.height > MAX_SIDE[image_format]:
                continue  # a tall infographic's wider copies: the format cannot hold them
            path = _save(scaled, rendition_name(file.name, f"{width}w", EXTENSIONS[image_format]), storage)
            renditions.append(
                {"path": path, "width": scaled.width, "height": scaled.height, "format": image_format.lower()}
            )
    square = (THUMBNAIL_SIZE, THUMBNAIL_SIZE)
    thumbnail = engine.process_image(source, {"size": square, "crop": True, "target": target})
    thumbnail_path = _save(thumbnail, rendition_name(file.name, "thumb", "webp"), storage)
    return renditions, thumbnail_path


def in_eight_bits(image: PILImage.Image) -> PILImage.Image:
    """A 16-bit greyscale image (a PNG from scientific or mapping software) scaled to 8 bits.

    easy-thumbnails scales only Pillow's 32-bit mode; it converts "I;16" like any other mode, and Pillow's
    conversion clips every value above 255, so all but the darkest greys would come out white.
    """
    if not image.mode.startswith("I;16"):
        return image
    return image.convert("I").point(lambda value: value / 256).convert("L")


def in_srgb(image: PILImage.Image) -> PILImage.Image:
    """The image's colours in sRGB, as renditions without a colour profile are read.

    A photo with an embedded profile (Display P3 from iPhones, Adobe RGB or a CMYK press profile from
    designers) would otherwise lose it: easy-thumbnails' JPEG and WebP saves write none, and browsers would
    read P3 numbers as sRGB, every colour duller.
    """
    icc_profile = image.info.get("icc_profile")
    if not icc_profile or image.mode not in _CONVERTIBLE_MODES:
        return image
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        converted = ImageCms.profileToProfile(
            image, profile, _SRGB, outputMode=_CONVERTIBLE_MODES[image.mode]
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        # A damaged or unusual profile: the numbers as they are are still the best guess.
        return image
    return converted if converted is not None else image


def _save(image: PILImage.Image, name: str, storage: Storage) -> str:
    data = engine.save_pil_image(image, filename=name, quality=settings.MEDIA_RENDITION_QUALITY)
    if storage.exists(name):
        # Made again (a new focal point): replace, so the name in the row stays the file's.
        storage.delete(name)
    return storage.save(name, ContentFile(data.read()))
