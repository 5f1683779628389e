"""An author's revisions: the bio's own fields and, in `related`, its positions, education, works, links,
areas of interest and outlets, each row as its values (to compare) and as an editor reads it."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import Field, QuerySet
from django.forms.models import model_to_dict

from authors.models import Author
from cissapi import revisions
from cissapi.revisions import FieldChange, Revision

RELATED_LABELS = {
    "positions": "Positions",
    "education": "Education",
    "works": "Books and other works",
    "links": "Links",
    "interests": "Areas of interest",
    "outlets": "Outlets",
}


def revisions_of(author: Author) -> QuerySet:
    """The author's revisions, newest first."""
    return author.history.select_related("history_user").order_by("-history_id")


def stored_related(author: Author) -> dict[str, Any]:
    """The bio's rows as stored now, in their order."""
    snapshot: dict[str, Any] = {}
    for part in ("positions", "education", "works", "links"):
        rows = getattr(author, part).order_by("position", "pk")
        snapshot[part] = [{"text": str(row), **model_to_dict(row, exclude=["id", "author"])} for row in rows]
    for part in ("interests", "outlets"):
        snapshot[part] = [
            {"id": pk, "text": name}
            for pk, name in getattr(author, part).order_by("name").values_list("pk", "name")
        ]
    return snapshot


def changed_fields(old: Revision | None, new: Revision) -> list[FieldChange]:
    """What differs between two revisions of an author."""
    return revisions.changed_fields(old, new, related_parts=tuple(RELATED_LABELS), describe=_change)


def _change(name: str, old: Any, new: Any) -> FieldChange:
    if name in RELATED_LABELS:
        return FieldChange(name, RELATED_LABELS[name], _rows_text(old), _rows_text(new))
    # A revision's own fields are the model's concrete fields, never a reverse relation.
    field = cast(Field, Author._meta.get_field(name))
    label = str(field.verbose_name)
    return FieldChange(name, label[0].upper() + label[1:], old or "—", new or "—")


def _rows_text(rows: list[dict[str, Any]] | None) -> list[str]:
    return [row["text"] for row in rows or []]
