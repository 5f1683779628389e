"""Removing stored files once the database no longer points at them."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.files.storage import Storage, default_storage
from django.db import transaction

logger = logging.getLogger(__name__)


def delete_files_on_commit(paths: Iterable[str | None], storage: Storage = default_storage) -> None:
    """Delete the files after the transaction commits: a rollback keeps the rows, so it keeps their files.
    An empty name (a file field left empty) is skipped."""
    doomed = [path for path in paths if path]
    if doomed:
        transaction.on_commit(lambda: delete_files(doomed, storage))


def delete_files(paths: Iterable[str], storage: Storage = default_storage) -> None:
    """Delete files now; one that cannot be deleted is logged (clean_media finds it later), not raised."""
    for path in paths:
        try:
            storage.delete(path)
        except OSError:
            logger.warning("Could not delete %s; manage.py clean_media will find it", path, exc_info=True)
