"""A publication's revisions: what one holds, how two compare, and the latest autosave.

A revision (`Publication.history`, cissapi.revisions) holds the piece's own fields and, in `related`, its
byline in order, its topics and its cross-posts, each with the names an editor reads. They are recorded by
publications.services, never here: this module only reads and compares.
"""

from __future__ import annotations

import difflib
from typing import Any, cast

from django.contrib.auth.models import AbstractUser
from django.db.models import Field, QuerySet
from django.utils.html import strip_tags

from cissapi import revisions
from cissapi.revisions import FieldChange, Revision
from publications.models import CrossPost, Publication, PublicationAuthor
from taxonomy.models import Series, Topic

# The related parts of a revision, in the order the diff shows them, with their labels.
RELATED_LABELS = {"byline": "Authors (byline order)", "topics": "Topics", "cross_posts": "Cross-posts"}

# Fields that say where a piece is in its workflow rather than what it says: shown in the diff, but a
# restore leaves them as they are (restoring text never publishes or unpublishes a piece).
STATE_FIELDS = frozenset({"status", "published_at"})


def revisions_of(publication: Publication) -> QuerySet:
    """The piece's saved revisions, newest first (autosaves left out)."""
    return (
        publication.history.filter(is_autosave=False).select_related("history_user").order_by("-history_id")
    )


def related_snapshot(
    *,
    byline: list[PublicationAuthor],
    topics: list[Topic],
    cross_posts: list[CrossPost],
) -> dict[str, Any]:
    """The byline (in order), topics and cross-posts as a revision keeps them: ids and names."""
    return {
        "byline": [
            {"author": row.author_id, "name": row.author.display_name, "role": row.role} for row in byline
        ],
        "topics": sorted(({"id": topic.pk, "name": topic.name} for topic in topics), key=lambda t: t["name"]),
        "cross_posts": [
            {
                "outlet": row.outlet_id,
                "outlet_name": row.outlet.name,
                "url": row.url,
                "relation": row.relation,
                "published_on": row.published_on.isoformat() if row.published_on else None,
                "is_canonical": row.is_canonical,
            }
            for row in cross_posts
        ],
    }


def stored_related(publication: Publication) -> dict[str, Any]:
    """The piece's byline, topics and cross-posts as stored now."""
    return related_snapshot(
        byline=list(publication.authorships.select_related("author").order_by("position", "pk")),
        topics=list(publication.topics.all()),
        cross_posts=list(publication.cross_posts.select_related("outlet").order_by("pk")),
    )


def tracked_fields() -> list[Any]:
    """The publication's fields a revision keeps (the id and uuid aside), in the model's order."""
    return [field for field in Publication.history.model.tracked_fields if field.name not in {"id", "uuid"}]


def changed_fields(old: Revision | None, new: Revision) -> list[FieldChange]:
    """What differs between two revisions of a piece (`old` None: what the first one holds)."""
    return revisions.changed_fields(old, new, related_parts=tuple(RELATED_LABELS), describe=_change)


def changed_labels(old: Revision | None, new: Revision) -> list[str]:
    """The labels of what changed, for Django's change message ("Changed Title and Authors")."""
    return [change.label for change in changed_fields(old, new)]


def autosave_latest(publication: Publication, *, by: AbstractUser | None = None) -> Publication | None:
    """The newest autosave of `publication` (by `by`, when given) newer than its last saved revision, as an
    unsaved Publication carrying the autosaved values; its `revision` attribute is the autosave itself and
    `related_snapshot` its byline, topics and cross-posts. None when there is none.

    For previews of what an editor typed but did not save: the instance must never be saved.
    """
    autosave = newest_autosave(publication, by)
    if autosave is None:
        return None
    preview = autosave.instance
    # The fields the history leaves out are the live row's (dates, the stored word count).
    for name in ("created_at", "updated_at", "first_published_at", "word_count"):
        setattr(preview, name, getattr(publication, name))
    preview.revision = autosave
    preview.related_snapshot = autosave.related
    return preview


def newest_autosave(publication: Publication, by: AbstractUser | None = None) -> Revision | None:
    """The newest autosave newer than the piece's last saved revision (by `by`, when given)."""
    saved = revisions_of(publication).values_list("history_id", flat=True).first()
    autosaves = publication.history.filter(is_autosave=True)
    if saved is not None:
        autosaves = autosaves.filter(history_id__gt=saved)
    if by is not None:
        autosaves = autosaves.filter(history_user_id=by.pk)
    return autosaves.order_by("-history_id").first()


def _change(name: str, old: Any, new: Any) -> FieldChange:
    if name in RELATED_LABELS:
        return FieldChange(name, RELATED_LABELS[name], _related_text(name, old), _related_text(name, new))
    # A revision's own fields are the model's concrete fields, never a reverse relation.
    field = cast(Field, Publication._meta.get_field(name.removesuffix("_id")))
    label = str(field.verbose_name)
    label = label[0].upper() + label[1:]
    if name == "body":
        return FieldChange(name, label, _text(old), _text(new), lines=_text_diff(old or "", new or ""))
    return FieldChange(name, label, _display(field, old), _display(field, new))


def _display(field: Any, value: Any) -> str:
    if value in (None, ""):
        return "—"
    if field.name == "series":
        series = Series.objects.filter(pk=value).first()
        return series.name if series else f"(deleted series {value})"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _related_text(name: str, rows: list[dict[str, Any]] | None) -> list[str]:
    rows = rows or []
    if name == "byline":
        roles = dict(PublicationAuthor.Role.choices)
        return [
            row["name"]
            if row["role"] == PublicationAuthor.Role.AUTHOR
            else f"{row['name']} ({roles.get(row['role'], row['role'])})"
            for row in rows
        ]
    if name == "topics":
        return [row["name"] for row in rows]
    relations = dict(CrossPost.Relation.choices)
    return [
        f"{row['outlet_name']}: {row['url']} ({relations.get(row['relation'], row['relation'])}"
        + (", canonical" if row["is_canonical"] else "")
        + ")"
        for row in rows
    ]


def _text(html: str | None) -> str:
    return strip_tags((html or "").replace("</p>", "</p>\n")).strip()


def _text_diff(old: str, new: str) -> list[tuple[str, str]]:
    # Compared as the words an editor reads, paragraph by paragraph: markup changes alone show no line.
    lines = difflib.ndiff(_text(old).splitlines(), _text(new).splitlines())
    return [(line[0], line[2:]) for line in lines if line[0] in "-+ "]
