"""Writes of authors, the one door for the admin, commands and importers.

An author's name is in the byline of every piece they wrote, but authors know nothing of publications:
each write tells the layers above through `author_changed`, the decoupled hook publications listens to (as
the change log tells partners). A bare `save()` is routed into the same hook by authors.signals.
Positions, education, works and links are plain rows of the bio and need no service.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from authors.models import Author, AuthorLink, Education, Position, Work
from authors.revisions import changed_fields, revisions_of, stored_related
from cissapi.revisions import Revision, new_revision
from cissapi.writes import service_write
from taxonomy.models import Outlet, Topic

if TYPE_CHECKING:
    from django.contrib.auth.models import User

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
    # A values() row is a plain dict; the plugin types it as a TypedDict of the model's fields.
    return cast(dict[str, Any] | None, Author.objects.filter(pk=author.pk).values().first())


def author_create(**fields: Any) -> Author:
    """A new author."""
    return _save(Author(**fields))


def author_update(
    *, author: Author, by: AbstractUser | None = None, revision: bool = True, **changes: Any
) -> Author:
    """Change an author: `changes` are set first; an instance changed already (by a form) is saved as is.

    `revision=False` leaves the revision to the caller, who saves the bio's rows next and then calls
    author_revision_record (the admin), so one save is one revision.
    """
    return _save(author, changes, by=by, revision=revision)


def author_revision_record(
    *, author: Author, by: AbstractUser | None = None, reason: str = ""
) -> Revision | None:
    """Keep a revision of the author and their bio's rows as stored now; None (nothing kept) when it
    equals the last revision."""
    stored = Author.objects.get(pk=author.pk)
    revision = new_revision(stored, by=by, related=stored_related(stored), reason=reason)
    latest = revisions_of(stored).first()
    if latest is not None and not changed_fields(latest, revision):
        return None
    revision.save()
    return revision


@transaction.atomic
def author_trash(*, author: Author, by: AbstractUser | None = None) -> Author:
    """Move an author to the trash: gone from the API, feeds, sitemaps and the bylines of live pieces until
    restored; their bio and bylines are kept. `by` needs the delete permission."""
    _require(by, "authors.delete_author", "move authors to the trash")
    if author.trashed_at is None:
        author.trashed_at = timezone.now()
        # The acting user is an instance of AUTH_USER_MODEL, which the field's type names.
        author.trashed_by = cast("User | None", by if by is not None and by.pk else None)
        _save(author)
    return author


@transaction.atomic
def author_restore(*, author: Author, by: AbstractUser | None = None) -> Author:
    """Take an author out of the trash, back on their bio page and in their bylines."""
    _require(by, "authors.delete_author", "restore authors from the trash")
    if author.trashed_at is not None:
        author.trashed_at = None
        author.trashed_by = None
        _save(author)
    return author


@transaction.atomic
def author_delete(*, author: Author, by: AbstractUser | None = None) -> None:
    """Delete an author for good (emptying the trash): one who is on no byline (bylines protect their
    authors). `by` needs the publishers' empty-trash permission."""
    _require(by, EMPTY_TRASH_PERMISSION, "empty the trash")
    with service_write():
        author.delete()


@transaction.atomic
def author_restore_revision(*, author: Author, revision: Revision, by: AbstractUser | None = None) -> Author:
    """Bring back a revision's bio fields, positions, education, works, links, areas of interest and
    outlets (topics and outlets deleted since are left out); the restore is itself a revision."""
    if by is not None and not by.has_perm("authors.change_author"):
        raise PermissionDenied(f"{by} may not change authors.")
    if revision.id != author.pk:
        raise ValueError("That revision belongs to another author.")
    for field in type(revision).tracked_fields:
        if not field.primary_key:
            value = getattr(revision, field.attname)
            setattr(author, field.attname, str(value or "") if field.name == "photo" else value)
    related = revision.related or {}
    _save(author, by=by, revision=False)
    for part, model in (
        ("positions", Position),
        ("education", Education),
        ("works", Work),
        ("links", AuthorLink),
    ):
        getattr(author, part).all().delete()
        # One model per part: the list is of that model, which the loop's union cannot say.
        rows: list[Any] = [
            model(author=author, **{k: v for k, v in row.items() if k != "text"})
            for row in related.get(part, [])
        ]
        model.objects.bulk_create(rows)
    author.interests.set(Topic.objects.filter(pk__in=[row["id"] for row in related.get("interests", [])]))
    author.outlets.set(Outlet.objects.filter(pk__in=[row["id"] for row in related.get("outlets", [])]))
    when = timezone.localtime(revision.history_date)
    author_revision_record(author=author, by=by, reason=f"Restored the revision of {when:%Y-%m-%d %H:%M}")
    return author


@transaction.atomic
def _save(
    author: Author,
    changes: dict[str, Any] | None = None,
    *,
    by: AbstractUser | None = None,
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


def _require(by: AbstractUser | None, permission: str, what: str) -> None:
    if by is not None and not by.has_perm(permission):
        raise PermissionDenied(f"{by} may not {what}.")
