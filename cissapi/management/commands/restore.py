"""Restore a backup made by `manage.py backup` (`make restore FILE=...`)."""

from __future__ import annotations

import sys
import tarfile

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from cissapi.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = "Replace the database's content with a backup's, and add its media files to MEDIA_ROOT."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="A tar file written by `manage.py backup`, or - for stdin.")
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help="Do not ask first."
        )

    def handle(self, *args, **options) -> None:
        db = connection.settings_dict
        if options["interactive"]:
            if options["file"] == "-":
                raise CommandError("Reading the backup from stdin needs --noinput.")
            answer = input(
                f"This replaces everything in database {db['NAME']!r} on {db['HOST'] or 'localhost'} "
                f"and adds files to {settings.MEDIA_ROOT}. Type 'yes' to continue: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            if options["file"] == "-":
                backup_restore(archive=sys.stdin.buffer)
            else:
                with open(options["file"], "rb") as file:
                    backup_restore(archive=file)
        except (BackupError, OSError, tarfile.TarError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored {options['file']} into database {db['NAME']!r}.")
