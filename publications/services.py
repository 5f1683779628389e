"""Writes of publications, the one door for the admin, commands and importers; and what writes below
(authors, taxonomy) change in publications.

Each service validates, writes and then runs every side effect in its own body, once per write:
the stored search vector (publications.search), the change log (publications.changelog, whose
`changes_recorded` hook wakes partners' webhook scan after commit) and, for a public change of the
publication itself, `updated_at`, and what it makes stale in cached answers (publications.invalidation,
by surrogate keys; the caches in front hear of it through cissapi.api.invalidation's signal). A bare
`save()` or `delete()` is routed into the same functions by publications.signals, which stands aside while
a service writes (cissapi.writes).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date as date_type
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F, Model
from django.urls import reverse
from django.utils import timezone

from authors.models import Author
from cissapi.revisions import Revision, new_revision
from cissapi.writes import service_write
from media.files import delete_files_on_commit
from media.pdf import pdf_page_count
from publications.changelog import changelog_delete, changelog_sync, changelog_sync_many
from publications.invalidation import (
    links_column,
    publication_removed,
    publication_written,
    publications_relinked,
)
from publications.models import (
    Correction,
    CrossPost,
    Publication,
    PublicationAuthor,
    PublicationSlug,
    PublicationTransition,
)
from publications.querysets import is_live_at
from publications.readiness import PublicationNotReady, publication_readiness
from publications.revisions import (
    STATE_FIELDS,
    changed_fields,
    revisions_of,
    stored_related,
    tracked_fields,
)
from publications.search import refresh_search_vectors
from publications.tasks import request_related_rebuild
from publications.workflow import (
    PUBLISH_PERMISSION,
    REVIEW_PERMISSION,
    TRANSITIONS,
    Action,
    Transition,
    may_edit,
    permission_refusal,
    state_refusal,
    transition_between,
)
from taxonomy.models import Outlet, Series, Topic

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

# Declared in Publication.Meta.permissions (PUBLISH_PERMISSION and REVIEW_PERMISSION live with the workflow's
# table); superusers have them implicitly.
EMPTY_TRASH_PERMISSION = "publications.empty_trash"
# Django's own; what editors have. Moving to the trash is what the admin's "delete" now does; editing is
# what a preview shows.
TRASH_PERMISSION = "publications.delete_publication"
CHANGE_PERMISSION = "publications.change_publication"

# A publication's own fields that never reach the API (internal notes) or follow from every save (the
# timestamps, the search vector): saving only these is no public change. Everything else is public, so a
# new field counts as public until it is listed here (an extra `updated` row, never a missed one).
PRIVATE_PUBLICATION_FIELDS = frozenset(
    {
        "internal_notes",
        "created_by",
        "created_at",
        "updated_at",
        "search_vector",
        "trashed_by",
        "preview_version",
    }
)

# The fields of related objects that appear in a publication's public representation; saving anything
# else (an author's bio, a topic's description) changes no publication.
RELATED_PUBLIC_FIELDS: dict[type[Model], tuple[str, ...]] = {
    # An author's trash takes them out of bylines (PublicationQuerySet.with_listing), a restore back in.
    Author: ("slug", "name", "honorific", "headline", "trashed_at"),
    Topic: ("slug", "name"),
    Series: ("slug", "name"),
    Outlet: ("slug", "name", "domain", "homepage"),
}


def can_publish(user: AbstractUser | AnonymousUser) -> bool:
    """Whether `user` may publish, schedule and unpublish pieces (change permission alone is not enough)."""
    return user.has_perm(PUBLISH_PERMISSION)


# --- Publications --------------------------------------------------------------------------------------


@transaction.atomic
def publication_create(
    *,
    publication: Publication,
    by: AbstractUser | None = None,
    byline: Sequence[PublicationAuthor] = (),
    topics: Iterable[Topic] = (),
    cross_posts: Sequence[CrossPost] = (),
) -> Publication:
    """Save a new (unsaved) `publication` with its byline (in order), topics and cross-posts.

    `by` is the user asking; going live or being scheduled needs the publish permission. None means the
    system itself (a command).
    """
    _write(publication, by=by, byline=byline, topics=list(topics), cross_posts=cross_posts)
    return publication


@transaction.atomic
def publication_update(
    *,
    publication: Publication,
    by: AbstractUser | None = None,
    byline: Sequence[PublicationAuthor] = (),
    byline_removed: Sequence[PublicationAuthor] = (),
    topics: Iterable[Topic] | None = None,
    cross_posts: Sequence[CrossPost] = (),
    cross_posts_removed: Sequence[CrossPost] = (),
    imported: bool = False,
) -> Publication:
    """Save the edits made to `publication`, and the byline rows, topics and cross-posts that changed.

    `byline` and `cross_posts` are the rows to save (new or changed), the `_removed` ones the rows to
    delete, as an admin formset yields them; `topics`, when given, replaces the topics. A change of state
    or publication time needs the publish permission. A clash of byline positions with a concurrent edit
    is an IntegrityError here, not at commit. `imported`: see _write.
    """
    _write(
        publication,
        by=by,
        byline=byline,
        byline_removed=byline_removed,
        topics=None if topics is None else list(topics),
        cross_posts=cross_posts,
        cross_posts_removed=cross_posts_removed,
        imported=imported,
    )
    return publication


# --- The workflow (publications.workflow): one service per transition, each recorded --------------------


@transaction.atomic
def publication_submit(*, publication: Publication, by: AbstractUser | None) -> Publication:
    """Submit a draft (or a piece sent back) for review, and tell the editors by email after commit."""
    _transition(publication, by=by, action=Action.SUBMIT)
    transaction.on_commit(lambda: _notify_reviewers(publication, by))
    return publication


@transaction.atomic
def publication_send_back(*, publication: Publication, by: AbstractUser | None, comment: str) -> Publication:
    """Return a piece in review (or approved) to its writer, saying what to change."""
    return _transition(publication, by=by, action=Action.SEND_BACK, comment=comment)


@transaction.atomic
def publication_approve(
    *, publication: Publication, by: AbstractUser | None, comment: str = ""
) -> Publication:
    """Mark a piece in review as ready for a publisher."""
    return _transition(publication, by=by, action=Action.APPROVE, comment=comment)


@transaction.atomic
def publication_publish(
    *, publication: Publication, by: AbstractUser | None = None, at: datetime | None = None
) -> Publication:
    """Publish now, or schedule for `at`; a piece already dated keeps its date unless `at` is given. A
    piece already live is refused (publications.workflow.state_refusal): this would re-date or hide it.

    `by` is the user asking, who needs the publish permission; None means the system itself (a command).
    A piece with blocking problems (publications.readiness) is refused with PublicationNotReady; its
    warnings are the caller's to have accepted.
    """
    moment = at or publication.published_at or timezone.now()
    action = Action.SCHEDULE if moment > timezone.now() else Action.PUBLISH
    return _transition(publication, by=by, action=action, at=at)


@transaction.atomic
def publication_schedule(*, publication: Publication, by: AbstractUser | None, at: datetime) -> Publication:
    """Set a piece to go live by itself at `at` (a future time)."""
    if at <= timezone.now():
        raise ValidationError({"published_at": "A scheduled time must be in the future."})
    return _transition(publication, by=by, action=Action.SCHEDULE, at=at)


@transaction.atomic
def publication_unpublish(*, publication: Publication, by: AbstractUser | None = None) -> Publication:
    """Take a live or scheduled piece off every public surface by returning it to draft; its dates are kept.

    `published_at` stays, so publishing again without a new time brings the piece back under its old
    date (not as new); `first_published_at` stays as the record of when it first went live.
    `by` needs the publish permission, as for publication_publish.
    """
    return _transition(publication, by=by, action=Action.UNPUBLISH)


@transaction.atomic
def publication_withdraw(*, publication: Publication, by: AbstractUser | None, notice: str) -> Publication:
    """Take a live piece down for good with a public `notice`: the API answers 410 Gone with it, and the
    change feed and webhooks report `withdrawn`."""
    return _transition(
        publication,
        by=by,
        action=Action.WITHDRAW,
        comment=notice,
        fields={"withdrawn_at": timezone.now(), "withdrawal_notice": notice.strip()},
    )


@transaction.atomic
def publication_restore_withdrawn(
    *, publication: Publication, by: AbstractUser | None, comment: str = ""
) -> Publication:
    """Put a withdrawn piece back live (its dates kept); the change feed reports it `published` again."""
    return _transition(publication, by=by, action=Action.RESTORE, comment=comment)


@transaction.atomic
def publication_correct(
    *, publication: Publication, by: AbstractUser | None, text: str, date: date_type | None = None
) -> Correction:
    """Attach a dated correction note to a live piece: it shows in the API detail, and the piece is
    `updated` (updated_at, change feed, webhooks, feeds). Publishers only: it goes public at once."""
    _require_publish_permission(by)
    if not publication.is_live:
        raise ValidationError("Only a live piece can be corrected; edit a draft instead.")
    if not text.strip():
        # Checked here rather than by the model's blank check, whose "This field cannot be blank." names
        # no field on the workflow panel.
        raise ValidationError(
            {"text": "A correction needs its note: say what was wrong and what the piece now says."}
        )
    before = stored_publication(publication.pk)
    correction = Correction(
        publication=publication,
        text=text.strip(),
        # The acting user is an instance of AUTH_USER_MODEL, which the field's type names.
        by=cast("User | None", by),
        date=date or timezone.localdate(),
    )
    correction.full_clean()
    correction.save()
    _log(publication, by, f"Correction of {correction.date:%Y-%m-%d} added")
    publication_changed(publication=publication, before=before, related_changed=True)
    return correction


@transaction.atomic
def publication_trash(*, publication: Publication, by: AbstractUser | None = None) -> Publication:
    """Move a piece to the trash: off every public surface (a `deleted` tombstone in the change log), its
    byline, topics, cross-posts and slug kept for a restore. `by` needs the delete permission."""
    _require(by, TRASH_PERMISSION, "move publications to the trash")
    if publication.trashed_at is None:
        publication.trashed_at = timezone.now()
        # The acting user is an instance of AUTH_USER_MODEL, which the field's type names.
        publication.trashed_by = cast("User | None", by if by is not None and by.pk else None)
        _write(publication, by=by, edit_checked=True)
        _log(publication, by, "Moved to the trash")
    return publication


@transaction.atomic
def publication_restore(*, publication: Publication, by: AbstractUser | None = None) -> Publication:
    """Take a piece out of the trash in the state it had; a live piece is `published` again.

    `by` needs the delete permission, and the publish permission for a piece that comes back live or
    scheduled (it goes before the public again).
    """
    _require(by, TRASH_PERMISSION, "restore publications from the trash")
    if publication.status == Publication.Status.PUBLISHED:
        _require_publish_permission(by)
    if publication.trashed_at is not None:
        publication.trashed_at = None
        publication.trashed_by = None
        _write(publication, by=by, edit_checked=True)
        _log(publication, by, "Restored from the trash")
    return publication


@transaction.atomic
def publication_revoke_previews(*, publication: Publication, by: AbstractUser | None = None) -> Publication:
    """Make every preview link of the piece given so far stop working (publications.preview)."""
    _require(by, CHANGE_PERMISSION, "revoke preview links")
    # F(): two editors revoking at once both move the version on.
    Publication.objects.filter(pk=publication.pk).update(preview_version=F("preview_version") + 1)
    publication.refresh_from_db(fields=["preview_version"])
    _log(publication, by, "Revoked its preview links")
    return publication


@transaction.atomic
def publication_delete(*, publication: Publication, by: AbstractUser | None = None) -> None:
    """Delete a publication for good with its byline and cross-posts (emptying the trash); the change log
    keeps a tombstone. `by` needs the empty-trash permission (publishers)."""
    _require(by, EMPTY_TRASH_PERMISSION, "empty the trash")
    publication_id, uuid, slug = publication.pk, publication.uuid, publication.slug
    before = stored_publication(publication_id)
    with service_write():
        publication.delete()
    # Its PDF is its own; a lead image belongs to the library and stays there for other pieces.
    delete_files_on_commit([publication.pdf.name], publication.pdf.storage)
    publication_deleted(publication_id=publication_id, uuid=uuid, slug=slug, before=before)


@transaction.atomic
def publication_restore_revision(
    *, publication: Publication, revision: Revision, by: AbstractUser | None = None
) -> Publication:
    """Bring back a revision's (or an autosave's) text, fields, byline in its order, topics and
    cross-posts; the restore is itself a revision. The piece's state and publication time stay as they
    are: restoring words never publishes or unpublishes. Authors, topics and outlets deleted since are
    left out (they cannot be linked again).
    """
    _require_change_permission(by)
    if revision.id != publication.pk:
        raise ValueError("That revision belongs to another publication.")
    for field in tracked_fields():
        if field.name not in STATE_FIELDS:
            value = getattr(revision, field.attname)
            setattr(publication, field.attname, str(value or "") if field.name in {"image", "pdf"} else value)
    related = revision.related or {}
    authors = set(
        Author.objects.filter(pk__in=[row["author"] for row in related.get("byline", [])]).values_list(
            "pk", flat=True
        )
    )
    byline = [
        PublicationAuthor(author_id=row["author"], role=row["role"], position=rank)
        for rank, row in enumerate(row for row in related.get("byline", []) if row["author"] in authors)
    ]
    outlets = set(
        Outlet.objects.filter(pk__in=[row["outlet"] for row in related.get("cross_posts", [])]).values_list(
            "pk", flat=True
        )
    )
    cross_posts = [
        CrossPost(
            outlet_id=row["outlet"],
            url=row["url"],
            relation=row["relation"],
            published_on=row["published_on"],
            is_canonical=row["is_canonical"],
        )
        for row in related.get("cross_posts", [])
        if row["outlet"] in outlets
    ]
    when = timezone.localtime(revision.history_date)
    _write(
        publication,
        by=by,
        reason=f"Restored the revision of {when:%Y-%m-%d %H:%M}",
        byline=byline,
        byline_removed=list(publication.authorships.all()),
        topics=list(Topic.objects.filter(pk__in=[row["id"] for row in related.get("topics", [])])),
        cross_posts=cross_posts,
        cross_posts_removed=list(publication.cross_posts.all()),
    )
    return publication


@transaction.atomic
def publication_autosave(*, publication: Publication, by: AbstractUser, related: dict[str, Any]) -> Revision:
    """Keep what `by` is typing into `publication` (changed in memory, never saved) as an autosave.

    Never writes the publication's row, its byline or anything public: the live version stays as it
    is until the editor saves. Only the newest autosave of each editor is kept.
    """
    _require_change_permission(by)
    if publication.pk is None:
        raise ValueError("Only a saved publication is autosaved.")
    publication.history.filter(is_autosave=True, history_user_id=by.pk).delete()
    revision = new_revision(publication, by=by, related=related, reason="Autosave", autosave=True)
    revision.save()
    return revision


def as_published(publication: Publication) -> Publication:
    """`publication`, in memory only, as publishing it now would make it (its dates): what a preview shows.
    Nothing is saved."""
    publication.status = Publication.Status.PUBLISHED
    publication.published_at = publication.published_at or timezone.now()
    _apply_publishing_rules(publication)
    return publication


# --- The side effects, shared by the services and the routing of bare writes --------------------------


@dataclass(frozen=True)
class StoredPublication:
    """A publication's stored row, as a write is compared against it: its public fields and `updated_at`;
    and the surrogate keys of its authors, topics, series and outlets (publications.invalidation)."""

    public: dict[str, Any]
    updated_at: datetime
    links: frozenset[str] = frozenset()


def public_publication_fields() -> list[str]:
    """The concrete fields of Publication that the API shows, directly or through what they derive."""
    return [
        field.attname
        for field in Publication._meta.concrete_fields
        if field.name not in PRIVATE_PUBLICATION_FIELDS
    ]


def stored_publication(publication_id: int | None) -> StoredPublication | None:
    """The publication's row as stored now (None when it has none yet)."""
    if publication_id is None:
        return None
    # Values as the database returns them: a date given as a string, say, compares as stored.
    row = (
        Publication.objects.filter(pk=publication_id)
        .values("updated_at", *public_publication_fields(), stored_links=links_column())
        .first()
    )
    if row is None:
        return None
    updated_at, links = row.pop("updated_at"), row.pop("stored_links")
    return StoredPublication(public=row, updated_at=updated_at, links=frozenset(links))


def publication_changed(
    *,
    publication: Publication,
    before: StoredPublication | None,
    related_changed: bool = False,
    by: AbstractUser | None = None,
    reason: str = "",
) -> None:
    """Every side effect of one write of `publication` (its row, and its byline, topics or cross-posts).

    `before` is its row before the write (None when the write created it). A public change is a new
    piece, a changed public field, or `related_changed`; `updated_at` moves only with a public change, so
    the API shows a new `updated_at` only with an `updated` change row (and a partner syncing by
    `updated_since` sees a reordered byline). Called once per write: by the service that made it, or by
    publications.signals for a bare save, never both.
    """
    refresh_search_vectors([publication.pk])
    public_change = before is None or related_changed
    after = stored_publication(publication.pk)
    if before is not None:
        _keep_old_slug(publication, before)
        public_change = public_change or (after is not None and after.public != before.public)
        _keep_updated_at(publication, before, after, public_change)
    if after is not None and public_change:
        publication_written(
            publication_id=publication.pk,
            before=None if before is None else before.public,
            after=after.public,
            before_links=() if before is None else before.links,
            related=related_changed,
        )
    changelog_sync(publication=publication, public_change=public_change)
    publication_revision_record(publication=publication, by=by, reason=reason)
    # Its links or state may have staled related candidates (deleted by the database's triggers).
    request_related_rebuild()


def publication_revision_record(
    *, publication: Publication, by: AbstractUser | None = None, reason: str = ""
) -> Revision | None:
    """Keep a revision of the piece as stored now, with its byline, topics and cross-posts; None (nothing
    kept) when it equals the last revision, so a save that changed nothing leaves no empty revision."""
    stored = Publication.objects.get(pk=publication.pk)
    revision = new_revision(stored, by=by, related=stored_related(stored), reason=reason)
    latest = revisions_of(stored).first()
    if latest is not None and not changed_fields(latest, revision):
        return None
    revision.save()
    return revision


def publications_changed(
    *, publication_ids: Iterable[int], search: bool, unlinked: Iterable[str] = ()
) -> None:
    """Side effects for publications whose public document changed through a related row.

    `search`: whether what changed is searched (a byline or an author's name), so the vectors are stale.
    `unlinked`: surrogate keys of what they were linked to and no longer are (a removed author's `author-3`).
    """
    publication_ids = set(publication_ids)
    if search:
        refresh_search_vectors(publication_ids)
    changelog_sync_many(publication_ids=publication_ids)
    publications_relinked(publication_ids=publication_ids, also=unlinked)
    request_related_rebuild()


def publication_deleted(
    *, publication_id: int, uuid: Any, slug: str, before: StoredPublication | None = None
) -> None:
    """The side effects of deleting a publication: its tombstone in the change log, and what showed it
    dropped from cached answers (everything, without its stored row `before`)."""
    changelog_delete(publication_id=publication_id, publication_uuid=uuid, slug=slug)
    request_related_rebuild()
    publication_removed(
        publication_id=publication_id,
        before=None if before is None else before.public,
        before_links=() if before is None else before.links,
    )


def related_public_change(instance: Model, before: dict[str, Any] | None) -> bool:
    """Whether saving an author, topic, series or outlet changed what publications show of it."""
    if before is None:
        # New: no publication points at it yet.
        return False
    return any(before[field] != getattr(instance, field) for field in RELATED_PUBLIC_FIELDS[type(instance)])


def author_bylines_changed(*, author: Author, before: dict[str, Any] | None) -> None:
    """What an author write changes in the pieces they wrote: the searched names and the change log."""
    if related_public_change(author, before):
        publications_changed(
            publication_ids=author.authorships.values_list("publication_id", flat=True), search=True
        )


def taxonomy_item_changed(*, instance: Topic | Series | Outlet, before: dict[str, Any] | None) -> None:
    """What saving a topic, series or outlet changes in the publications filed under it."""
    if related_public_change(instance, before):
        publications_changed(publication_ids=_filed_under(instance), search=False)


def taxonomy_item_deleting(*, instance: Topic | Series | Outlet) -> None:
    """What deleting a topic or series changes in the live pieces filed under it (an outlet in use is
    protected by its cross-posts). Run before the delete: the rows say `updated` and are rendered when read,
    and after the delete nothing points at the topic to find them."""
    if isinstance(instance, Topic | Series):
        publications_changed(publication_ids=_filed_under(instance), search=False)


# --- Helpers -------------------------------------------------------------------------------------------


def _write(
    publication: Publication,
    *,
    by: AbstractUser | None,
    reason: str = "",
    byline: Sequence[PublicationAuthor] = (),
    byline_removed: Sequence[PublicationAuthor] = (),
    topics: list[Topic] | None = None,
    cross_posts: Sequence[CrossPost] = (),
    cross_posts_removed: Sequence[CrossPost] = (),
    transition: Transition | None = None,
    comment: str = "",
    edit_checked: bool = False,
    imported: bool = False,
) -> None:
    """`edit_checked`: the caller checked a permission of its own (trash, restore), which is not an edit.

    `imported`: the system moving a catalogue in from another platform (tooling.wordpress), which keeps
    the state the piece has there (in review to published, say, which the workflow's table has no
    transition for), and a piece live there goes live here without the pre-publish check (a migration
    must not unpublish the site; the importer reports what the check would have refused). Only the
    system itself (`by` None) imports.
    """
    if imported and by is not None:
        raise PermissionDenied("Only the system itself imports publications.")
    before = stored_publication(publication.pk)
    source = before.public["status"] if before is not None else Publication.Status.DRAFT
    if transition is None:
        # An edit (the admin form, an importer): its content needs the right to edit, and a change of
        # state is the transition it stands for, checked and recorded as if its service had been called.
        if (
            by is not None
            and not edit_checked
            and not may_edit(
                by, status=None if before is None else source, owner_id=publication.created_by_id
            )
        ):
            raise PermissionDenied(f"{by} may not edit this publication.")
        transition = _implied_transition(publication, before, source, by, imported=imported)
    if transition is not None:
        _check_transition(publication, transition, by=by, before=before)
    elif _state_changed(publication, before):
        _require_publish_permission(by)
    if before is None and by is not None and by.pk and publication.created_by_id is None:
        publication.created_by = cast("User", by)  # the acting user is an AUTH_USER_MODEL instance
    _apply_publishing_rules(publication)
    publication.full_clean()
    _note_pdf(publication, before)
    with service_write():
        publication.save()
        related_changed = _save_rows(publication, byline, byline_removed)
        related_changed |= _save_rows(publication, cross_posts, cross_posts_removed)
        if topics is not None:
            related_changed |= _set_topics(publication, topics)
    if byline or byline_removed:
        # The byline order constraint is deferred to commit (so authors can swap places); checked here, a
        # clash with a concurrent edit is still the caller's to report rather than a failure at commit.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS publicationauthor_unique_position IMMEDIATE")
            cursor.execute("SET CONSTRAINTS publicationauthor_unique_position DEFERRED")
    if _goes_live(publication, before) and not imported:
        # Checked on the rows just written (the byline and topics of this very save), inside the
        # transaction, so a refusal rolls the whole write back, whichever door it came through.
        readiness = publication_readiness(publication)
        if readiness.blocking:
            raise PublicationNotReady(readiness)
    if transition is not None:
        PublicationTransition.objects.create(
            publication=publication,
            action=transition.action,
            from_status=source,
            to_status=transition.target,
            # The acting user is an instance of AUTH_USER_MODEL, which the field's type names.
            by=cast("User | None", by if by is not None and by.pk else None),
            comment=comment.strip(),
        )
    publication_changed(
        publication=publication, before=before, related_changed=related_changed, by=by, reason=reason
    )


def _goes_live(publication: Publication, before: StoredPublication | None) -> bool:
    """Whether this write publishes or schedules a piece that was not (a live piece edited is not)."""
    was_published = before is not None and before.public["status"] == Publication.Status.PUBLISHED
    return publication.status == Publication.Status.PUBLISHED and not was_published


def _note_pdf(publication: Publication, before: StoredPublication | None) -> None:
    """A newly stored PDF's size and page count; a replaced or removed one's file goes after commit."""
    old = before.public["pdf"] if before is not None else ""
    if publication.pdf.name == old and (publication.pdf_size is not None or not publication.pdf):
        return
    if old and old != publication.pdf.name:
        delete_files_on_commit([old], publication.pdf.storage)
    if publication.pdf:
        try:
            publication.pdf_size = publication.pdf.size
        except OSError:
            # A stored file gone missing (storage restored without it, rows imported without their files)
            # must not block editing the piece's text: it stays unmeasured, and a new upload measures it.
            logger.warning(
                "PDF %s of publication %s is missing from storage", publication.pdf.name, publication.pk
            )
            return
        # The FieldFile itself: a new upload must stay open for the save that stores it.
        publication.pdf_pages = pdf_page_count(publication.pdf)
    else:
        publication.pdf_size = publication.pdf_pages = None


def _transition(
    publication: Publication,
    *,
    by: AbstractUser | None,
    action: Action,
    comment: str = "",
    at: datetime | None = None,
    fields: dict[str, Any] | None = None,
) -> Publication:
    """Move `publication` by one transition of the workflow table: checked, written, recorded, logged.

    Checked before the instance is touched, so a refused call leaves the caller's object as it was.
    """
    transition = TRANSITIONS[action]
    if transition.needs_comment and not comment.strip():
        raise ValidationError({"comment": transition.comment_prompt or f"“{action.label}” needs a comment."})
    _check_transition(publication, transition, by=by, before=stored_publication(publication.pk))
    for name, value in (fields or {}).items():
        setattr(publication, name, value)
    publication.status = transition.target
    if transition.target == Publication.Status.PUBLISHED:
        if at is not None:
            publication.published_at = at
        elif publication.published_at is None:
            publication.published_at = timezone.now()
    _write(publication, by=by, transition=transition, comment=comment)
    if action == Action.SCHEDULE:
        _log(publication, by, f"Scheduled for {publication.published_at:%Y-%m-%d %H:%M %Z}")
    else:
        _log(
            publication,
            by,
            {Action.PUBLISH: "Published", Action.UNPUBLISH: "Unpublished"}.get(action, action.label),
        )
    return publication


def _implied_transition(
    publication: Publication,
    before: StoredPublication | None,
    source: str,
    by: AbstractUser | None,
    *,
    imported: bool = False,
) -> Transition | None:
    if publication.status == source:
        return None
    scheduled = publication.published_at is not None and publication.published_at > timezone.now()
    transition = transition_between(source, publication.status, scheduled=scheduled)
    if transition is not None and transition.needs_comment:
        # A send-back's comment or a withdrawal's public notice has no place in the form: its service says it.
        raise ValidationError({"status": f"Use the “{transition.action.label}” button, which asks why."})
    if transition is None and not ((before is None or imported) and by is None):
        # The system may create a piece in any state, and an import follow the state the piece has on the
        # platform it comes from; everyone else follows the table.
        raise ValidationError(
            {
                "status": f"A piece cannot go from {Publication.Status(source).label} to "
                f"{Publication.Status(publication.status).label} here."
            }
        )
    return transition


def _check_transition(
    publication: Publication,
    transition: Transition,
    *,
    by: AbstractUser | None,
    before: StoredPublication | None,
) -> None:
    # The state as stored, not as the caller's instance says: a crafted request cannot claim another state.
    source = before.public["status"] if before is not None else Publication.Status.DRAFT
    published_at = before.public["published_at"] if before is not None else None
    if refusal := permission_refusal(transition, user=by, owner_id=publication.created_by_id, status=source):
        raise PermissionDenied(refusal)
    if refusal := state_refusal(transition, status=source, published_at=published_at, now=timezone.now()):
        raise ValidationError(refusal)


def _notify_reviewers(publication: Publication, by: AbstractUser | None) -> None:
    """Email everyone who may review (editors, not superusers by default) that a piece waits for them."""
    reviewers = get_user_model().objects.with_perm(
        REVIEW_PERMISSION, include_superusers=False, backend="django.contrib.auth.backends.ModelBackend"
    )
    addresses = sorted({user.email for user in reviewers.filter(is_active=True) if user.email})
    if not addresses:
        return
    path = reverse("admin:publications_publication_change", args=[publication.pk])
    send_mail(
        subject=f"In review: {publication.title}",
        message=(
            f"{by or 'Someone'} submitted “{publication.title}” for review.\n\n"
            f"Review it in the admin: {settings.ADMIN_BASE_URL}{path}\n"
        ),
        from_email=None,
        recipient_list=addresses,
    )


def _state_changed(publication: Publication, before: StoredPublication | None) -> bool:
    if before is None:
        return publication.status == Publication.Status.PUBLISHED
    return (publication.status, publication.published_at) != (
        before.public["status"],
        before.public["published_at"],
    )


def _apply_publishing_rules(publication: Publication) -> None:
    """A piece that goes live keeps the time it first did; one that was only scheduled and goes back to
    draft never went live; only a withdrawn piece has a withdrawal."""
    now = timezone.now()
    if publication.status != Publication.Status.WITHDRAWN:
        # The notice belongs to the withdrawal only; a restored piece carries none.
        publication.withdrawn_at, publication.withdrawal_notice = None, ""
    if publication.status == Publication.Status.PUBLISHED:
        if publication.first_published_at is None:
            publication.first_published_at = publication.published_at or now
    elif publication.first_published_at and publication.first_published_at > now:
        publication.first_published_at = None


def _save_rows(
    publication: Publication,
    saved: Sequence[PublicationAuthor | CrossPost],
    removed: Sequence[PublicationAuthor | CrossPost],
) -> bool:
    for row in removed:
        row.delete()
    for row in saved:
        row.publication = publication
        # Uniqueness is the database's to check (the byline order constraint is deferred); a clash is an
        # IntegrityError the caller reports.
        row.full_clean(exclude=["publication", "position"], validate_unique=False, validate_constraints=False)
        row.save()
    return bool(saved or removed)


def _set_topics(publication: Publication, topics: list[Topic]) -> bool:
    before = set(publication.topics.values_list("pk", flat=True))
    publication.topics.set(topics)
    return before != {topic.pk for topic in topics}


def _keep_updated_at(
    publication: Publication, before: StoredPublication, after: StoredPublication | None, public: bool
) -> None:
    # The save wrote the instance's time as loaded: right when nothing public changed, unless another
    # writer moved it since (then it is put back, so it never goes backwards).
    moment = timezone.now() if public else before.updated_at
    if after is not None and after.updated_at != moment:
        Publication.objects.filter(pk=publication.pk).update(updated_at=moment)
        publication.updated_at = moment


def _filed_under(instance: Topic | Series | Outlet) -> Iterable[int]:
    if isinstance(instance, Outlet):
        return instance.cross_posts.values_list("publication_id", flat=True)
    return instance.publications.values_list("pk", flat=True)


def _keep_old_slug(publication: Publication, before: StoredPublication) -> None:
    """Keep the slug a piece was live at, so its old links redirect; a piece taking back one of its own
    old slugs makes it current again."""
    old_slug = before.public["slug"]
    if old_slug == publication.slug:
        return
    PublicationSlug.objects.filter(publication=publication, slug=publication.slug).delete()
    was_live = is_live_at(
        before.public["status"],
        before.public["published_at"],
        timezone.now(),
        trashed_at=before.public["trashed_at"],
    )
    if was_live:
        PublicationSlug.objects.get_or_create(slug=old_slug, defaults={"publication": publication})


def _require(by: AbstractUser | None, permission: str, what: str) -> None:
    if by is not None and not by.has_perm(permission):
        raise PermissionDenied(f"{by} may not {what}.")


def _require_change_permission(by: AbstractUser | None) -> None:
    _require(by, CHANGE_PERMISSION, "change publications")


def _require_publish_permission(by: AbstractUser | None) -> None:
    if by is not None and not can_publish(by):
        raise PermissionDenied(f"{by} may not publish or unpublish publications.")


def _log(publication: Publication, by: AbstractUser | None, message: str) -> None:
    if by is None or not by.pk:
        return
    LogEntry.objects.log_actions(
        user_id=by.pk,
        queryset=[publication],
        action_flag=CHANGE,
        change_message=message,
        single_object=True,
    )
