"""Checks on files editors upload: bounded in size, and really of the kind the field says."""

from __future__ import annotations

import secrets
from typing import cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

# Every PDF starts with this header (ISO 32000-1, 7.5.2); a renamed HTML page or executable does not.
PDF_HEADER = b"%PDF-"


def unguessable_path(folder: str, filename: str) -> str:
    """Where an upload is stored: `<folder>/<year>/<random>/<name>`, keeping the name it is downloaded under.

    Uploads are served as soon as they are stored, by address alone, often while the piece they were
    uploaded for is a draft under embargo; an address made of the year and the file's name would be found
    by guessing.
    """
    return f"{folder}/{timezone.now():%Y}/{secrets.token_urlsafe(16)}/{filename}"


def clean_image_upload(value: object) -> object:
    """A newly uploaded image must fit MAX_IMAGE_UPLOAD_BYTES; a kept file passes as it is.

    Whether it is an image, and one the library keeps, is the media library's check (media.originals).
    """
    if isinstance(value, UploadedFile):
        _check_size(value, settings.MAX_IMAGE_UPLOAD_BYTES)
    return value


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
