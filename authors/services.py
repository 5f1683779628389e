"""Writes of authors, the one door for the admin, commands and importers.

An author's name is in the byline of every piece they wrote, but authors know nothing of publications:
each write tells the layers above through `author_changed`, the decoupled hook publications listens to (as
the change log tells partners). A bare `save()` is routed into the same hook by authors.signals.
Positions, education, works and links are plain rows of the bio and need no service.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from authors.models import Author
from cissapi.writes import service_write

# One trash for the catalogue: the publishers' permission, declared on Publication (a permission is a name,
# so no import of the layer above).
EMPTY_TRASH_PERMISSION = "publications.empty_trash"

# Sent once per saved author, with `author` and `before` (the author's stored values before the save, as
# `values()` gives them; None when the author is new).
author_changed = Signal()


def stored_values(author: Author) -> dict[str, Any] | None:
    """The author's row as stored now (None when it has none yet): the `before` of `author_changed`."""
    if author.pk is None:
        return None
    return Author.objects.filter(pk=author.pk).values().first()


def author_create(**fields: Any) -> Author:
    """A new author."""
    return _save(Author(**fields))


def author_update(*, author: Author, **changes: Any) -> Author:
    """Change an author: `changes` are set first; an instance changed already (by a form) is saved as is."""
    return _save(author, changes)


@transaction.atomic
def author_trash(*, author: Author, by: AbstractBaseUser | None = None) -> Author:
    """Move an author to the trash: gone from the API, feeds, sitemaps and the bylines of live pieces until
    restored; their bio and bylines are kept. `by` needs the delete permission."""
    _require(by, "authors.delete_author", "move authors to the trash")
    if author.trashed_at is None:
        author.trashed_at = timezone.now()
        author.trashed_by = by if by is not None and by.pk else None
        _save(author)
    return author


@transaction.atomic
def author_restore(*, author: Author, by: AbstractBaseUser | None = None) -> Author:
    """Take an author out of the trash, back on their bio page and in their bylines."""
    _require(by, "authors.delete_author", "restore authors from the trash")
    if author.trashed_at is not None:
        author.trashed_at = None
        author.trashed_by = None
        _save(author)
    return author


@transaction.atomic
def author_delete(*, author: Author, by: AbstractBaseUser | None = None) -> None:
    """Delete an author for good (emptying the trash): one who is on no byline (bylines protect their
    authors). `by` needs the publishers' empty-trash permission."""
    _require(by, EMPTY_TRASH_PERMISSION, "empty the trash")
    with service_write():
        author.delete()


@transaction.atomic
def _save(author: Author, changes: dict[str, Any] | None = None) -> Author:
    for name, value in (changes or {}).items():
        setattr(author, name, value)
    before = stored_values(author)
    author.full_clean()
    with service_write():
        author.save()
    author_changed.send(sender=Author, author=author, before=before)
    return author


def _require(by: AbstractBaseUser | None, permission: str, what: str) -> None:
    if by is not None and not by.has_perm(permission):
        raise PermissionDenied(f"{by} may not {what}.")
