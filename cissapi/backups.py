"""Backups of the whole site: the database (pg_dump's custom format) and the uploaded media files.

A backup is one uncompressed tar holding `database.dump` (compressed by pg_dump; pg_restore reads it
selectively) and `media/` (images and PDFs, already compressed). It works the same for the embedded server
and a real one (DATABASE_URL): the connection comes from Django's settings, the password through the
environment, never the command line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import connections

from cissapi import embedded_postgres

DATABASE_MEMBER = "database.dump"
MEDIA_MEMBER = "media"


class BackupError(Exception):
    """pg_dump or pg_restore failed, or an archive is not a backup."""


def backup_write(*, output: IO[bytes], database: str = "default") -> None:
    """Write a backup of `database` and MEDIA_ROOT to `output`, as a tar stream."""
    with tempfile.TemporaryDirectory() as scratch:
        dump = Path(scratch) / DATABASE_MEMBER
        _run(
            "pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}", database=database
        )
        with tarfile.open(fileobj=output, mode="w|") as archive:
            archive.add(dump, arcname=DATABASE_MEMBER)
            media = Path(settings.MEDIA_ROOT)
            if media.is_dir():
                archive.add(media, arcname=MEDIA_MEMBER)


def backup_restore(*, archive: IO[bytes], database: str = "default") -> None:
    """Restore a backup from `archive` into `database` (its tables are replaced) and MEDIA_ROOT.

    Media files from the backup are added to MEDIA_ROOT, replacing files of the same name; other files
    there are kept (an upload made since the backup may still be wanted).
    """
    with tempfile.TemporaryDirectory() as scratch:
        with tarfile.open(fileobj=archive, mode="r|") as members:
            # The "data" filter refuses absolute paths, links out of the folder and device files.
            members.extractall(scratch, filter="data")
        dump = Path(scratch) / DATABASE_MEMBER
        if not dump.is_file():
            raise BackupError(f"Not a backup: no {DATABASE_MEMBER} in the archive.")
        _run(
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            # Without a database pg_restore writes a script instead (it ignores PGDATABASE).
            f"--dbname={connections[database].settings_dict['NAME']}",
            str(dump),
            database=database,
        )
        media = Path(scratch) / MEDIA_MEMBER
        if media.is_dir():
            shutil.copytree(media, settings.MEDIA_ROOT, dirs_exist_ok=True)


def _run(program: str, *args: str, database: str) -> None:
    db = connections[database].settings_dict
    environment = {
        **os.environ,
        "PGHOST": db["HOST"] or "",
        "PGPORT": str(db["PORT"] or ""),
        "PGUSER": db["USER"] or "",
        "PGPASSWORD": db["PASSWORD"] or "",
        "PGDATABASE": db["NAME"],
    }
    if "sslmode" in db.get("OPTIONS", {}):
        environment["PGSSLMODE"] = db["OPTIONS"]["sslmode"]
    executable = Path(settings.PG_BIN_DIR or embedded_postgres.bin_dir()) / program
    result = subprocess.run([str(executable), *args], env=environment, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{program} failed: {result.stderr.strip()}")
