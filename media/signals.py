"""A deleted image's files go with it, after commit, however it was deleted (service, cascade, shell)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete
from django.dispatch import receiver

from media.files import delete_files_on_commit
from media.models import Image


@receiver(post_delete, sender=Image, dispatch_uid="media_image_files")
def delete_image_files(sender: type[Image], instance: Image, **kwargs: Any) -> None:
    delete_files_on_commit(instance.stored_paths(), instance.file.storage)
