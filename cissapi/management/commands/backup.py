"""Back up the database and the uploaded media files into one tar file (`make backup`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cissapi.backups import BackupError, backup_write


class Command(BaseCommand):
    help = "Write a backup (pg_dump -Fc of the database, plus MEDIA_ROOT) to a tar file, or to stdout with -."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output", help="The tar file to write, or - for stdout. Default: BACKUP_DIR/cissapi-<time>.tar."
        )

    def handle(self, *args, **options) -> None:
        output = options["output"]
        try:
            if output == "-":
                backup_write(output=sys.stdout.buffer)
                return
            path = Path(output or settings.BACKUP_DIR / f"cissapi-{timezone.now():%Y%m%d-%H%M%S}.tar")
            path.parent.mkdir(parents=True, exist_ok=True)
            # Readable by its owner only, from its creation: it holds the whole database (editors' sessions,
            # webhook secrets, authors' emails, drafts). O_EXCL: an existing file is never overwritten.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as file:
                backup_write(output=file)
        except (BackupError, FileExistsError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Backup written to {path}")
