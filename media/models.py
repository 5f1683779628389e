"""The media library: an uploaded image, its descriptive text, focal point and renditions."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from cissapi.text import PlainTextFields
from cissapi.uploads import unguessable_path

FOCAL_RANGE = [MinValueValidator(0.0), MaxValueValidator(1.0)]


def image_upload_path(image: Image, filename: str) -> str:
    """Where a library image is stored: `images/<year>/<random>/<name>` (its renditions follow, under
    `renditions/`; see cissapi.uploads.unguessable_path)."""
    return unguessable_path("images", filename)


class Image(PlainTextFields, models.Model):
    # No width_field/height_field: Django would open the file to measure it whenever a row with no size
    # is loaded (a missing file would break the page); the image service measures it once, on upload.
    file = models.ImageField(upload_to=image_upload_path)
    alt = models.CharField(
        "alt text",
        max_length=300,
        blank=True,
        help_text="What the image shows, for readers who cannot see it. Required before a piece using "
        "it can be published.",
    )
    caption = models.CharField(max_length=300, blank=True)
    credit = models.CharField(max_length=200, blank=True)
    # Where the subject is, as fractions of the width and height from the top left: crops keep it in view.
    focal_x = models.FloatField("focal point x", default=0.5, validators=FOCAL_RANGE)
    focal_y = models.FloatField("focal point y", default=0.5, validators=FOCAL_RANGE)
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    # Made by the worker after upload (media.tasks.make_renditions): a list of
    # {"path", "width", "height", "format"}, kept on the row so readers never need a second query.
    renditions = models.JSONField(default=list, blank=True, editable=False)
    # The admin's square thumbnail, cropped around the focal point (made with the renditions).
    thumbnail = models.CharField(max_length=300, blank=True, editable=False)
    # Why the worker could not make them, for the admin to say (empty while none failed). The image is
    # still shown: its original is every srcset's one candidate.
    rendition_error = models.CharField(max_length=300, blank=True, editable=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    single_line_fields = ("alt", "caption", "credit")

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        # The file is required: a saved image always has its name.
        return self.alt or self.caption or cast(str, self.file.name).rsplit("/", 1)[-1]

    def derived_paths(self) -> list[str]:
        """The files made from the original: renditions and the admin's thumbnail."""
        paths = [rendition["path"] for rendition in self.renditions]
        return [*paths, self.thumbnail] if self.thumbnail else paths

    def stored_paths(self) -> list[str]:
        """Every file of this image in storage: the original and what was made from it."""
        # A file that is set has its name.
        return [cast(str, self.file.name), *self.derived_paths()] if self.file else self.derived_paths()
