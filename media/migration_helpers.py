"""Moving files that models held directly into library images, for the apps' data migrations."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from PIL import Image as PILImage


def library_image(image_model: Any, path: str, **text: str) -> Any:
    """A library image (of the migration's historical model) for the stored file at `path`, nothing lost:
    the file stays where it is; its size is read when the file can be opened (0 x 0 otherwise)."""
    width = height = 0
    try:
        with default_storage.open(path) as stored, PILImage.open(stored) as opened:
            width, height = opened.size
    except (OSError, ValueError):
        pass
    # Created without its file, then pointed at it: a model's ImageField would otherwise open a missing
    # file to measure it.
    image = image_model.objects.create(**text)
    image_model.objects.filter(pk=image.pk).update(file=path, width=width, height=height)
    return image
