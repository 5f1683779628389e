"""`manage.py clean_media [--dry-run]`: delete stored files that no row points at.

Referenced files are every FileField/ImageField value of every model (found through the app registry, so
this bottom-layer app needs to know no app above it) and each library image's renditions and thumbnail.
Files younger than --min-age minutes are kept: an upload is stored before its row is committed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.core.files.storage import Storage, default_storage
from django.core.management.base import BaseCommand
from django.db.models import FileField
from django.utils import timezone

from media.models import Image


def referenced_paths() -> set[str]:
    """Every stored file some row points at."""
    paths: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, FileField):
                paths.update(
                    model._default_manager.exclude(**{field.attname: ""}).values_list(
                        field.attname, flat=True
                    )
                )
    for renditions, thumbnail in Image.objects.values_list("renditions", "thumbnail"):
        paths.update(rendition["path"] for rendition in renditions)
        paths.add(thumbnail)
    paths.discard("")
    return paths


def stored_paths(storage: Storage, directory: str = "") -> Iterator[str]:
    """Every file in storage under `directory`, recursively."""
    directories, files = storage.listdir(directory)
    for name in files:
        yield f"{directory}/{name}" if directory else name
    for name in directories:
        yield from stored_paths(storage, f"{directory}/{name}" if directory else name)


class Command(BaseCommand):
    help = "Delete media files that no record points at (--dry-run only lists them)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List the orphans; delete nothing.")
        parser.add_argument(
            "--min-age", type=int, default=60, help="Keep files younger than this many minutes (default 60)."
        )

    def handle(self, *args: Any, dry_run: bool, min_age: int, **options: Any) -> None:
        storage = default_storage
        if not storage.exists(""):
            return
        keep = referenced_paths()
        cutoff = timezone.now() - dt.timedelta(minutes=min_age)
        orphans = [
            path
            for path in sorted(stored_paths(storage))
            if path not in keep and storage.get_modified_time(path) < cutoff
        ]
        for path in orphans:
            self.stdout.write(path)
            if not dry_run:
                storage.delete(path)
        verb = "would be deleted" if dry_run else "deleted"
        self.stderr.write(f"{len(orphans)} orphan file(s) {verb}.")
