"""Writes of library images, the one door for the admin, commands and importers.

Every write that changes the pixels or the focal point drops the old renditions (their files after commit)
and queues new ones in the worker (media.tasks.make_renditions) after commit; nothing is resized during a
request. Deleting an image deletes its files after commit (media.signals, for bare deletes too).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import transaction
from PIL import Image as PILImage

from cissapi.uploads import check_image_format, check_image_pixels
from media import renditions
from media.files import delete_files_on_commit
from media.models import Image

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Fields whose change makes the renditions stale.
RENDERED_FROM = ("file", "focal_x", "focal_y")


def image_create(*, by: AbstractUser | None = None, **fields: Any) -> Image:
    """A new library image; its renditions follow from the worker."""
    # The acting user is an instance of AUTH_USER_MODEL, which the field's type names.
    image = Image(uploaded_by=cast("User | None", by if by is not None and by.pk else None), **fields)
    return _save(image, before=None)


def image_update(*, image: Image, **changes: Any) -> Image:
    """Change an image: `changes` are set first; an instance changed already (by a form) is saved as is,
    and one not yet stored (a new upload in the admin) is created."""
    before = Image.objects.filter(pk=image.pk).first() if image.pk else None
    for name, value in changes.items():
        setattr(image, name, value)
    return _save(image, before=before)


@transaction.atomic
def image_delete(*, image: Image) -> None:
    """Delete an image no publication or author uses (they protect theirs); its files go after commit."""
    image.delete()


@transaction.atomic
def image_renditions_make(*, image_id: int) -> None:
    """Make an image's renditions and thumbnail (the worker's job); a deleted image needs none."""
    image = Image.objects.select_for_update().filter(pk=image_id).first()
    if image is None or not image.file:
        return
    stale = image.derived_paths()
    made, thumbnail = renditions.make_renditions(
        image.file, focal_x=image.focal_x, focal_y=image.focal_y, storage=image.file.storage
    )
    kept = {rendition["path"] for rendition in made} | {thumbnail}
    image.renditions, image.thumbnail = made, thumbnail
    image.save(update_fields=["renditions", "thumbnail"])
    delete_files_on_commit(path for path in stale if path not in kept)


@transaction.atomic
def _save(image: Image, *, before: Image | None) -> Image:
    image.full_clean()
    if before is None or before.file.name != image.file.name:
        check_pixels(image)
    stale = before is None or any(getattr(before, name) != getattr(image, name) for name in RENDERED_FROM)
    if stale:
        # The pixels' size, measured once here (Pillow reads the header only); a stored file gone missing
        # keeps the size last known rather than failing the edit of its text.
        with contextlib.suppress(OSError):
            image.width, image.height = image.file.width, image.file.height
    if stale and before is not None:
        old_files = before.derived_paths()
        if before.file.name != image.file.name:
            old_files.append(cast(str, before.file.name))  # a stored image always has its file
        delete_files_on_commit(old_files)
        image.renditions, image.thumbnail = [], ""
    image.save()
    if stale:
        transaction.on_commit(lambda: queue_renditions(image.pk))
    return image


def check_pixels(image: Image) -> None:
    """Refuse a new file that is not an image Pillow can read, not of a format the site shows, or of more
    pixels than the worker may decode (MAX_IMAGE_PIXELS)."""
    # The model's ImageField checks nothing on save (only the admin's form field opens the file): without
    # this a PDF renamed .jpg would be stored with no size and fail in the worker.
    try:
        image.file.open()
        with PILImage.open(image.file) as pixels:
            pixels.verify()
            image_format, size = pixels.format, pixels.size
    except (OSError, SyntaxError, ValueError, PILImage.DecompressionBombError) as error:
        raise ValidationError(
            {"file": "This file is not an image that can be read (JPEG, PNG, WebP, GIF)."}
        ) from error
    finally:
        image.file.seek(0)
    try:
        # A new file always has the name it was given.
        check_image_format(cast(str, image.file.name), image_format)
        check_image_pixels(size)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from error


def queue_renditions(image_id: int) -> None:
    """Ask the worker for an image's renditions."""
    from media.tasks import make_renditions

    make_renditions.defer(image_id=image_id)
