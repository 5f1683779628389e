"""What the library keeps of an uploaded image: one browsers show, whole, without private metadata, named
for its real format and measured as it is displayed.

The original is served to the public as it is stored (it is the widest candidate of every srcset, and the
only one of an animated image), so it is checked and cleaned once, on upload, by the image service and the
admin form alike; the worker's renditions are made from what was kept.
"""

from __future__ import annotations

import io
import posixpath
import struct
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image as PILImage

from media.metadata import ORIENTATION, strip_private_metadata

# The formats every browser, feed reader and social network shows, and the extension each is stored with.
ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
ACCEPTED = "JPEG, PNG, GIF or WebP"
ACCEPTED_CONTENT_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"]
# EXIF orientations that turn the picture a quarter: its displayed width is the stored height.
_QUARTER_TURNS = {5, 6, 7, 8}
# How each EXIF orientation is undone (as ImageOps.exif_transpose does).
_TURNS = {
    2: PILImage.Transpose.FLIP_LEFT_RIGHT,
    3: PILImage.Transpose.ROTATE_180,
    4: PILImage.Transpose.FLIP_TOP_BOTTOM,
    5: PILImage.Transpose.TRANSPOSE,
    6: PILImage.Transpose.ROTATE_270,
    7: PILImage.Transpose.TRANSVERSE,
    8: PILImage.Transpose.ROTATE_90,
}
# The brands of an ISO media file (ftyp box) that hold a HEIF image: iPhones' photos by default.
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}

NOT_AN_IMAGE = (
    f"This file is not an image the library can read. Upload a {ACCEPTED} image (export other formats, "
    "such as SVG drawings or PDF pages, as one of these)."
)
HEIC = (
    f"This is a HEIC photo (an iPhone's own format), which most browsers cannot show. Upload it as "
    f'{ACCEPTED}: on the iPhone, Settings > Camera > Formats > "Most Compatible", or share or export it as '
    "JPEG."
)
DAMAGED = (
    "This image is damaged or incomplete: it could not be read to its end (an upload cut short?). Upload "
    "it again, or export it anew."
)


@dataclass(frozen=True)
class Original:
    """An upload as the library stores it."""

    data: bytes
    image_format: str
    width: int
    height: int

    @property
    def extension(self) -> str:
        return ACCEPTED_FORMATS[self.image_format]

    def name_for(self, uploaded_name: str) -> str:
        """The upload's file name with the extension of its real format (a JPEG named .png is a .jpg)."""
        stem = posixpath.splitext(posixpath.basename(uploaded_name))[0] or "image"
        return f"{stem}.{self.extension}"


def read_original(file: Any) -> Original:
    """The image in `file` (an upload or a stored file) as the library keeps it, or a ValidationError that
    says what is wrong with it: not an image, a format browsers do not show, damaged, too many pixels."""
    try:
        file.open("rb")
        file.seek(0)
        data = file.read()
        file.seek(0)
    except (OSError, ValueError) as error:
        raise ValidationError(NOT_AN_IMAGE, code="not_image") from error
    try:
        with PILImage.open(io.BytesIO(data)) as pixels:
            image_format = pixels.format or ""
            if image_format not in ACCEPTED_FORMATS:
                raise ValidationError(
                    f"This image is in {image_format} format, which not every browser, feed reader or social "
                    f"network shows. Upload it as {ACCEPTED}.",
                    code="format_not_accepted",
                )
            _check_pixels(pixels.size)
            _read_to_the_end(pixels)
            orientation = pixels.getexif().get(ORIENTATION, 1)
            # A tag of the wrong type (6.0, a rational) still turns the picture (easy-thumbnails compares
            # with ==); one out of range or not a number turns nothing.
            orientation = int(orientation) if orientation in range(1, 9) else 1
            if image_format != "JPEG" and orientation != 1 and not getattr(pixels, "is_animated", False):
                # Only a JPEG keeps its orientation tag (every browser turns a JPEG by it); other formats
                # are turned here, losslessly for PNG.
                return _measured(_upright(pixels, image_format, orientation), image_format)
    except PILImage.DecompressionBombError as error:
        raise ValidationError(
            f"This image has too many pixels; the most allowed is {settings.MAX_IMAGE_PIXELS / 1_000_000:g} "
            "megapixels. Scale it down before uploading.",
            code="too_many_pixels",
        ) from error
    except (PILImage.UnidentifiedImageError, SyntaxError) as error:
        raise ValidationError(HEIC if _is_heif(data) else NOT_AN_IMAGE, code="not_image") from error
    except (OSError, ValueError, EOFError, struct.error, IndexError, KeyError, TypeError) as error:
        # What Pillow's decoders and EXIF parser raise on damaged data (tried on randomly damaged files).
        raise ValidationError(DAMAGED, code="damaged") from error
    try:
        stripped = strip_private_metadata(data, image_format, orientation=orientation)
    except (ValueError, struct.error) as error:
        raise ValidationError(DAMAGED, code="damaged") from error
    return _measured(stripped, image_format)


def _check_pixels(size: tuple[int, int]) -> None:
    """Refuse more pixels than MAX_IMAGE_PIXELS, however few bytes hold them: a 12,000 x 12,000 PNG of one
    colour is 410 KB, and decoding it (here, and in the worker for its renditions) takes 1.1 GB and 25 s.
    Pillow itself only warns below twice its own limit (89 megapixels)."""
    width, height = size
    if width * height > settings.MAX_IMAGE_PIXELS:
        raise ValidationError(
            f"This image is {width:,} x {height:,} pixels; the most allowed is "
            f"{settings.MAX_IMAGE_PIXELS / 1_000_000:g} megapixels. Scale it down before uploading.",
            code="too_many_pixels",
        )


def displayed_size(pixels: PILImage.Image) -> tuple[int, int]:
    """The size of an opened image as browsers display it: turned by its EXIF orientation."""
    width, height = pixels.size
    return (height, width) if pixels.getexif().get(ORIENTATION) in _QUARTER_TURNS else (width, height)


def _read_to_the_end(pixels: PILImage.Image) -> None:
    """Decode every frame, so a file cut short is found now rather than shown half grey."""
    if pixels.format == "JPEG":
        # Decoded at an eighth of its size: every byte of the scan is still read, in a 64th of the memory.
        pixels.draft(pixels.mode, (max(1, pixels.width // 8), max(1, pixels.height // 8)))
    for frame in range(getattr(pixels, "n_frames", 1)):
        pixels.seek(frame)
        pixels.load()


def _upright(pixels: PILImage.Image, image_format: str, orientation: int) -> bytes:
    # Turned here rather than by ImageOps.exif_transpose, which writes the EXIF back (and fails on a
    # damaged tag of it): nothing of the EXIF is kept.
    upright = pixels.transpose(_TURNS[orientation])
    options: dict[str, Any] = {"icc_profile": pixels.info.get("icc_profile")}
    if "transparency" in pixels.info:
        options["transparency"] = pixels.info["transparency"]
    if image_format == "WEBP":
        options["quality"] = 90
    buffer = io.BytesIO()
    upright.save(buffer, format=image_format, **{k: v for k, v in options.items() if v is not None})
    return buffer.getvalue()


def _measured(data: bytes, image_format: str) -> Original:
    with PILImage.open(io.BytesIO(data)) as pixels:
        width, height = displayed_size(pixels)
    return Original(data=data, image_format=image_format, width=width, height=height)


def _is_heif(data: bytes) -> bool:
    return data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS
