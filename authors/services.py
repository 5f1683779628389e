"""Writes of authors, the one door for the admin, commands and importers.

An author's name is in the byline of every piece they wrote, but authors know nothing of publications:
each write tells the layers above through `author_changed`, the decoupled hook publications listens to (as
the change log tells partners). A bare `save()` is routed into the same hook by authors.signals.
Positions, education, works and links are plain rows of the bio and need no service.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Model
from django.dispatch import Signal

from authors.models import Author
from authors.revisions import changed_fields, revisions_of, stored_related
from cissapi.revisions import new_revision
from cissapi.writes import service_write

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


def author_update(
    *, author: Author, by: AbstractBaseUser | None = None, revision: bool = True, **changes: Any
) -> Author:
    """Change an author: `changes` are set first; an instance changed already (by a form) is saved as is.

    `revision=False` leaves the revision to the caller, who saves the bio's rows next and then calls
    author_revision_record (the admin), so one save is one revision.
    """
    return _save(author, changes, by=by, revision=revision)


def author_revision_record(*, author: Author, by: AbstractBaseUser | None = None) -> Model | None:
    """Keep a revision of the author and their bio's rows as stored now; None (nothing kept) when it
    equals the last revision."""
    stored = Author.objects.get(pk=author.pk)
    revision = new_revision(stored, by=by, related=stored_related(stored))
    latest = revisions_of(stored).first()
    if latest is not None and not changed_fields(latest, revision):
        return None
    revision.save()
    return revision


@transaction.atomic
def author_delete(*, author: Author) -> None:
    """Delete an author who is on no byline (bylines protect their authors)."""
    with service_write():
        author.delete()


@transaction.atomic
def _save(
    author: Author,
    changes: dict[str, Any] | None = None,
    *,
    by: AbstractBaseUser | None = None,
    revision: bool = True,
) -> Author:
    for name, value in (changes or {}).items():
        setattr(author, name, value)
    before = stored_values(author)
    author.full_clean()
    with service_write():
        author.save()
    author_changed.send(sender=Author, author=author, before=before)
    if revision:
        author_revision_record(author=author, by=by)
    return author
