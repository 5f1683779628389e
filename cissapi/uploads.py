"""Checks on files editors upload: bounded in size, and really of the kind the field says."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat

# Every PDF starts with this header (ISO 32000-1, 7.5.2); a renamed HTML page or executable does not.
PDF_HEADER = b"%PDF-"
# The image formats the site shows and the worker renders (by Pillow's names), and the extensions such files
# are stored under. Pillow reads some seventy more that no browser shows, and some are programs: PostScript
# (.eps, .ps), which Pillow hands to Ghostscript to draw.
IMAGE_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})
IMAGE_EXTENSIONS = frozenset({"jpg", "jpeg", "png", "webp", "gif"})


def clean_image_upload(value: object) -> object:
    """A newly uploaded image must fit MAX_IMAGE_UPLOAD_BYTES; a kept file passes as it is.

    forms.ImageField has already opened the upload with Pillow, so it is an image Pillow can read; it must
    also be one of IMAGE_FORMATS, and of at most MAX_IMAGE_PIXELS pixels.
    """
    if isinstance(value, UploadedFile):
        _check_size(value, settings.MAX_IMAGE_UPLOAD_BYTES)
        # forms.ImageField keeps the Pillow image it opened on the upload.
        pixels = getattr(value, "image", None)
        check_image_format(cast(str, value.name), getattr(pixels, "format", None))
        if pixels is not None:
            check_image_pixels(pixels.size)
    return value


def check_image_format(name: str, image_format: str | None) -> None:
    """Refuse an image file whose format (as Pillow read it) or extension is not one the site shows."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if image_format not in IMAGE_FORMATS or extension not in IMAGE_EXTENSIONS:
        raise ValidationError(
            f"This file is {image_format or 'of no known format'}, named .{extension}; upload a JPEG, PNG, "
            "WebP or GIF image (.jpg, .png, .webp or .gif).",
            code="image_format",
        )


def clean_pdf_upload(value: object) -> object:
    """A newly uploaded PDF must fit MAX_PDF_UPLOAD_BYTES and start with the PDF header."""
    if isinstance(value, UploadedFile):
        _check_size(value, settings.MAX_PDF_UPLOAD_BYTES)
        value.seek(0)
        header = value.read(len(PDF_HEADER))
        value.seek(0)
        if header != PDF_HEADER:
            raise ValidationError("This file is not a PDF (it does not start with %PDF-).", code="not_pdf")
    return value


def check_image_pixels(size: tuple[int, int]) -> None:
    """Refuse an image of more than MAX_IMAGE_PIXELS pixels, however few bytes it takes."""
    width, height = size
    if width * height > settings.MAX_IMAGE_PIXELS:
        raise ValidationError(
            f"This image is {width:,} x {height:,} pixels; the most allowed is "
            f"{settings.MAX_IMAGE_PIXELS / 1_000_000:g} megapixels. Scale it down before uploading.",
            code="too_many_pixels",
        )


def _check_size(upload: UploadedFile, limit: int) -> None:
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            f"This file is {filesizeformat(upload.size)}; the most allowed is {filesizeformat(limit)}.",
            code="file_too_large",
        )


def uploads_not_kept(request: HttpRequest) -> str | None:
    """The warning for a form shown again with errors after files were chosen in it, or None.

    Browsers never refill a file input, and the upload is not stored until the form saves, so without a
    word the editor would save again believing the file was kept. Keeping it server-side between the two
    submits would need a store of unclaimed uploads, keyed so no one else can claim them, and cleaned up.
    """
    # An uploaded file always has the name the browser sent; the stubs allow None.
    names = [cast(str, upload.name) for _, uploads in request.FILES.lists() for upload in uploads]
    if request.method != "POST" or not names:
        return None
    return (
        f"Not saved: {', '.join(names)}. The form has errors, and a browser cannot keep a chosen file "
        "when a form comes back; choose the file again before saving."
    )
