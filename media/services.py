"""Writes of library images, the one door for the admin, commands and importers.

Every write that changes the pixels or the focal point drops the old renditions (their files after commit)
and queues new ones in the worker (media.tasks.make_renditions) after commit; nothing is resized during a
request. Deleting an image deletes its files after commit (media.signals, for bare deletes too).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image as PILImage

from media import renditions
from media.files import delete_files_on_commit
from media.models import Image
from media.originals import read_original

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

# Fields whose change makes the renditions stale.
RENDERED_FROM = ("file", "focal_x", "focal_y")
# What reading or decoding a stored file raises when it is missing, damaged or too large for Pillow.
RENDITION_ERRORS = (OSError, ValueError, SyntaxError, EOFError, PILImage.DecompressionBombError)


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
    try:
        made, thumbnail = renditions.make_renditions(
            image.file, focal_x=image.focal_x, focal_y=image.focal_y, storage=image.file.storage
        )
    except RENDITION_ERRORS as error:
        # A file that cannot be read now will not be readable on a retry: the job ends, and the admin says
        # why instead of "in progress" forever. A new file or focal point tries again.
        logger.warning("Could not make the renditions of image %s", image_id, exc_info=True)
        made, thumbnail = [], ""
        image.rendition_error = f"{type(error).__name__}: {error}"[:300]
    else:
        image.rendition_error = ""
    kept = {rendition["path"] for rendition in made} | {thumbnail}
    image.renditions, image.thumbnail = made, thumbnail
    image.save(update_fields=["renditions", "thumbnail", "rendition_error"])
    delete_files_on_commit(path for path in stale if path not in kept)


@transaction.atomic
def image_original_clean(*, image: Image, dry_run: bool = False) -> bool:
    """Make an image stored before uploads were cleaned (media.originals) what an upload is now: its file
    rewritten in place without private metadata, its size as displayed. Whether anything changed (or would,
    with `dry_run`); a ValidationError for a file the library would refuse today, which is left as it is.

    The pixels stay the same (a PNG or WebP turned by EXIF is stored turned, as its renditions already
    are), so the renditions stand. The name stays too: pieces' bodies point at it.
    """
    try:
        original = read_original(image.file)
        with image.file.open("rb") as stored:
            before = stored.read()
    except ValidationError as error:
        raise ValidationError({"file": error.error_list}) from error
    changed_file = before != original.data
    changed_size = (image.width, image.height) != (original.width, original.height)
    if dry_run or not (changed_file or changed_size):
        return changed_file or changed_size
    if changed_file:
        # Storage cannot replace a file: it is deleted and saved again under its name (the old bytes put
        # back if that fails).
        storage, name = image.file.storage, cast(str, image.file.name)
        storage.delete(name)
        try:
            storage.save(name, ContentFile(original.data))
        except Exception:
            storage.save(name, ContentFile(before))
            raise
    Image.objects.filter(pk=image.pk).update(width=original.width, height=original.height)
    image.width, image.height = original.width, original.height
    return True


@transaction.atomic
def _save(image: Image, *, before: Image | None) -> Image:
    if before is None or before.file.name != image.file.name:
        take_original(image)
    image.full_clean()
    stale = before is None or any(getattr(before, name) != getattr(image, name) for name in RENDERED_FROM)
    if stale and before is not None:
        old_files = before.derived_paths()
        if before.file.name != image.file.name:
            old_files.append(cast(str, before.file.name))  # a stored image always has its file
        delete_files_on_commit(old_files)
        image.renditions, image.thumbnail, image.rendition_error = [], "", ""
    image.save()
    if stale:
        transaction.on_commit(lambda: queue_renditions(image.pk))
    return image


def take_original(image: Image) -> None:
    """Check a new file (media.originals) and measure it as displayed; a new upload is stored as the
    library keeps it: private metadata removed, named for its real format."""
    # The model's ImageField checks nothing on save (only the admin's form field opens the file): without
    # this a PDF renamed .jpg would be stored with no size and fail in the worker.
    try:
        original = read_original(image.file)
    except ValidationError as error:
        raise ValidationError({"file": error.error_list}) from error
    # FieldFile's flag for a file not yet in storage (the stubs do not declare it): a new upload.
    if not getattr(image.file, "_committed", True):
        image.file = ContentFile(original.data, name=original.name_for(cast(str, image.file.name)))
    image.width, image.height = original.width, original.height


def queue_renditions(image_id: int) -> None:
    """Ask the worker for an image's renditions."""
    from media.tasks import make_renditions

    make_renditions.defer(image_id=image_id)
