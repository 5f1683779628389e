"""Revisions: a kept copy of a piece's or an author's values at each save, with who and when.

Built on django-simple-history's historical models, with two changes of rule:
- a revision is recorded by the write's service, after the related rows (a byline, a bio's positions) are
  written, never by simple-history's own `post_save`: one save is one revision holding the row and a
  snapshot of its related rows (`related`), so a reordered byline is in the revision it belongs to;
- an autosave (`is_autosave`) is a revision of values typed in a form and never saved to the live row.

Internal fields (timestamps, the search vector, word counts) are left out of the historical models
(`excluded_fields`), so they can never appear in a diff. This module knows no app: each app says which
fields are internal and what its snapshot holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

# A revision: an instance of a historical model simple-history builds at run time (the package is untyped),
# with the row's values, `history_id`, `history_date`, `history_user`, `related`, `is_autosave`, `instance`
# and `tracked_fields`.
Revision = Any


class RevisionFields(models.Model):
    """What a revision holds besides the row's values (the base of every historical model here)."""

    related = models.JSONField(
        default=dict, blank=True, help_text="The related rows, as the diff shows them."
    )
    is_autosave = models.BooleanField(default=False)

    class Meta:
        abstract = True


class RevisionRecords(HistoricalRecords):
    """simple-history's historical model, recorded only by `record_revision()` (see the module docstring)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(bases=[RevisionFields], **kwargs)

    def post_save(
        self, instance: models.Model, created: bool, using: str | None = None, **kwargs: Any
    ) -> None:
        """Nothing: the service records the revision once its related rows are written."""

    def m2m_changed(
        self, instance: models.Model, action: str, attr: Any, pk_set: Any, reverse: bool, **_: Any
    ) -> None:
        """Nothing: topic links are part of the service's revision snapshot."""


def new_revision(
    instance: models.Model,
    *,
    by: AbstractUser | None,
    related: dict[str, Any],
    reason: str = "",
    autosave: bool = False,
) -> Revision:
    """A revision (unsaved) of `instance`'s values as they are in memory, saved to the database or not."""
    # `history` is set on the model class by simple-history's HistoricalRecords at run time.
    history_model = type(instance).history.model  # type: ignore[attr-defined]
    revision = history_model(
        history_date=timezone.now(),
        history_type="~",
        history_user=by if by is not None and by.pk else None,
        history_change_reason=reason or None,
        related=related,
        is_autosave=autosave,
        **{field.attname: getattr(instance, field.attname) for field in history_model.tracked_fields},
    )
    return revision


@dataclass(frozen=True)
class FieldChange:
    """One changed value between two revisions, as an editor reads it."""

    name: str
    label: str
    old: Any
    new: Any
    # A long text's diff: lines of ("-"|"+"|" ", text).
    lines: list[tuple[str, str]] | None = None

    @property
    def listed(self) -> bool:
        """Whether the values are lists (a byline, topics), shown as ordered lists."""
        return isinstance(self.old, list) or isinstance(self.new, list)


def revision_values(revision: Revision, related_parts: tuple[str, ...]) -> dict[str, Any]:
    """A revision's comparable values: its kept fields by attribute name, then its related parts."""
    values = {}
    for field in revision.tracked_fields:
        if field.primary_key or field.name == "uuid":
            continue
        value = getattr(revision, field.attname)
        # A file field reads back as a FieldFile; its name is what was stored.
        values[field.attname] = str(value or "") if isinstance(field, models.FileField) else value
    related = revision.related or {}
    values.update({part: related.get(part, []) for part in related_parts})
    return values


def changed_fields(
    old: Revision | None,
    new: Revision,
    *,
    related_parts: tuple[str, ...],
    describe: Callable[[str, Any, Any], FieldChange],
) -> list[FieldChange]:
    """What differs between two revisions (`old` None: everything `new` holds that is not empty)."""
    before = revision_values(old, related_parts) if old is not None else {}
    after = revision_values(new, related_parts)
    return [
        describe(name, before.get(name), value)
        for name, value in after.items()
        if before.get(name) != value and not (old is None and value in ("", None, [], False))
    ]


def history_entries(
    saved: list[Revision], changed: Callable[[Revision | None, Revision], list], *, shown: int = 50
) -> list[dict[str, Any]]:
    """The newest `shown` of `saved` (newest first, one more than shown when there are), each with what it
    changed from the revision before it: the rows of an admin Revisions page."""
    return [
        {"revision": revision, "changes": changed(saved[i + 1] if i + 1 < len(saved) else None, revision)}
        for i, revision in enumerate(saved[:shown])
    ]
