"""The change log: what partners replaying `/api/v1/changes/` learn, written from the signals in one place.

How it stays exact for a replaying client:

* The log itself is the record of what clients were told. On every save, `changelog_sync` compares the
  publication's real public state with the state its last *effective* change announced and records the
  difference: `published`, `updated` (or `slug_changed`, naming the slug the log last announced),
  `unpublished`, `withdrawn` (a live piece taken down with a public notice, which the row carries),
  `deleted` (a delete, or a move to the trash).
* A scheduled go-live is a `published` row whose `effective_at` is the scheduled time. Readers only see rows
  with `effective_at <= now`, so it appears by itself at that time, with no job. Until then it is
  *pending*: any later save deletes pending rows and writes them anew, so an edit, an unscheduling or a
  new date before the time never leaks and never leaves a stale go-live behind.
* Ordering is (effective_at, id). Writers serialise on a transaction-level advisory lock and take their
  clock after getting it; readers take the same lock in shared mode before reading their clock. A reader
  therefore never sees a row while an earlier-ordered row is still uncommitted, and a cursor never skips.
  (All processes are assumed to share one clock, as they do on one host or with NTP.)
* Upserts carry the item's *current* public representation, rendered when read: a replaying client that
  applies events in order ends with the current catalogue. An upsert whose item is no longer public is
  always followed by an `unpublished` or `deleted` row for it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone

from publications.models import UPSERT_KINDS, Publication, PublicationChange

if TYPE_CHECKING:
    import uuid
    from collections.abc import Iterable

    from publications.querysets import ItemAddresses

# Any fixed 64-bit number, unique among the project's advisory locks.
CHANGELOG_LOCK = 0x43495353_4C4F47  # "CISSLOG"
Kind = PublicationChange.Kind

# Sent after rows are written (inside the writer's transaction); webhooks listen to wake their scanner.
changes_recorded = Signal()


@transaction.atomic
def changelog_sync(*, publication: Publication, public_change: bool = True) -> list[PublicationChange]:
    """Record what changed in `publication`'s public state since the log last announced it.

    `public_change=False` says the save changed nothing the API shows (only internal notes, say): going
    live, leaving and slug changes are still recorded, but no `updated` row.
    """
    _lock(shared=False)
    now = timezone.now()
    PublicationChange.objects.filter(publication_id=publication.pk).pending(now).delete()
    last = _last_effective(publication.pk, now)
    announced_live = last is not None and last.kind in UPSERT_KINDS
    changes: list[tuple[str, dt.datetime, str, str]] = []
    # Liveness by the same clock as the rows' effective times (is_live would read the clock again).
    if publication.trashed_at is not None:
        # The trash is a deletion to the public: a tombstone if the piece was ever announced (a restore
        # of a live piece is then a new `published`), and no pending go-live.
        if last is not None and last.kind != Kind.DELETED:
            changes.append((Kind.DELETED, now, "", ""))
    elif publication.is_live_at(now):
        if not announced_live:
            changes.append((Kind.PUBLISHED, now, "", ""))
        elif last is not None and last.slug != publication.slug:  # announced_live: there is a last row
            changes.append((Kind.SLUG_CHANGED, now, last.slug, ""))
        elif public_change:
            changes.append((Kind.UPDATED, now, "", ""))
    else:
        if announced_live and publication.status == Publication.Status.WITHDRAWN:
            changes.append((Kind.WITHDRAWN, now, "", publication.withdrawal_notice))
        elif announced_live:
            changes.append((Kind.UNPUBLISHED, now, "", ""))
        # Read only for a published piece, which always has its time (a check constraint on Publication).
        go_live = cast(dt.datetime, publication.published_at)
        if publication.status == Publication.Status.PUBLISHED and go_live > now:
            changes.append((Kind.PUBLISHED, go_live, "", ""))
    created = PublicationChange.objects.bulk_create(
        PublicationChange(
            publication_id=publication.pk,
            publication_uuid=publication.uuid,
            kind=kind,
            slug=publication.slug,
            old_slug=old_slug,
            notice=notice,
            effective_at=effective_at,
        )
        for kind, effective_at, old_slug, notice in changes
    )
    if created:
        changes_recorded.send(sender=PublicationChange, changes=created)
    return created


@transaction.atomic
@transaction.atomic
def changelog_sync_created(*, publications: Iterable[Publication]) -> list[PublicationChange]:
    """`changelog_sync` for pieces just created together (a bulk import): nothing was announced of them
    yet, so a live piece is `published` now and a scheduled one at its time; one lock and one insert."""
    _lock(shared=False)
    now = timezone.now()
    created = PublicationChange.objects.bulk_create(
        PublicationChange(
            publication_id=publication.pk,
            publication_uuid=publication.uuid,
            kind=Kind.PUBLISHED,
            slug=publication.slug,
            effective_at=max(now, cast(dt.datetime, publication.published_at)),
        )
        for publication in publications
        if publication.status == Publication.Status.PUBLISHED and publication.trashed_at is None
    )
    if created:
        changes_recorded.send(sender=PublicationChange, changes=created)
    return created


def changelog_sync_many(*, publication_ids: Iterable[int]) -> None:
    """`changelog_sync` for publications whose public representation changed through a related object."""
    for publication in Publication.objects.filter(pk__in=set(publication_ids)).order_by("pk"):
        changelog_sync(publication=publication)


@transaction.atomic
def changelog_delete(*, publication_id: int, publication_uuid: uuid.UUID, slug: str) -> None:
    """Record a deletion: a tombstone if the publication was ever announced, and no pending go-live."""
    _lock(shared=False)
    now = timezone.now()
    PublicationChange.objects.filter(publication_id=publication_id).pending(now).delete()
    last = _last_effective(publication_id, now)
    if last is not None and last.kind != Kind.DELETED:
        tombstone = PublicationChange.objects.create(
            publication_id=publication_id,
            publication_uuid=publication_uuid,
            kind=Kind.DELETED,
            slug=slug,
            effective_at=now,
        )
        changes_recorded.send(sender=PublicationChange, changes=[tombstone])


def changelog_read_barrier() -> dt.datetime:
    """Wait for writers in flight, then return the time up to which the log may be read.

    Call inside a transaction and read with `.effective(at=<the returned time>)`.
    """
    _lock(shared=True)
    return timezone.now()


def changelog_position() -> str | None:
    """The change feed's cursor just after every change readable now (None while the log is empty).

    Taken under the read barrier: no writer is left in flight before it, and every later write is ordered
    after it. A reader that reads the catalogue *after* this returns sees at least that state, so following
    the change feed from the cursor misses nothing (it may replay a change already seen: upserts by uuid
    are idempotent).
    """
    with transaction.atomic():
        now = changelog_read_barrier()
        last = PublicationChange.objects.effective(now).order_by("-effective_at", "-pk").first()
    return encode_cursor(last) if last else None


def encode_cursor(change: PublicationChange) -> str:
    """An opaque cursor for the position just after `change`."""
    micros = int(change.effective_at.timestamp() * 1_000_000)
    return base64.urlsafe_b64encode(f"{micros}:{change.pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    """The (effective_at, id) a cursor stands for; ValueError if it is not one of ours."""
    try:
        # validate=True: characters outside the alphabet are an error, not silently skipped.
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.b64decode(padded, altchars=b"-_", validate=True).decode("ascii")
        micros, pk = (int(part) for part in raw.split(":"))
        moment = dt.datetime.fromtimestamp(0, tz=dt.UTC) + dt.timedelta(microseconds=micros)
    except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError) as error:
        raise ValueError("not a change feed cursor") from error
    if pk < 0:
        raise ValueError("not a change feed cursor")
    return moment, pk


def _lock(*, shared: bool) -> None:
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [CHANGELOG_LOCK])


def _last_effective(publication_id: int, now: dt.datetime) -> PublicationChange | None:
    return (
        PublicationChange.objects.filter(publication_id=publication_id)
        .effective(now)
        .order_by("-effective_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class ChangesPage:
    """One page of the change feed with the current public state of the upserted items."""

    changes: list[PublicationChange]
    # By pk, only items public now, as the API's publication lists give them (as_items: `item` is the JSON).
    publications: dict[int, Publication]
    has_more: bool


def changes_page(
    *, since: tuple[dt.datetime, int] | None, limit: int, addresses: ItemAddresses
) -> ChangesPage:
    """The effective changes after `since` (a decoded cursor), oldest first, and their items (their URLs and
    dates as `addresses` says)."""
    with transaction.atomic():
        now = changelog_read_barrier()
        changes = PublicationChange.objects.effective(now)
        changes = changes.after(*since) if since else changes.order_by("effective_at", "pk")
        page = list(changes[: limit + 1])
        upserted = {change.publication_id for change in page[:limit] if change.is_upsert}
        publications = (
            {p.pk: p for p in Publication.objects.published(now).filter(pk__in=upserted).as_items(addresses)}
            if upserted
            else {}
        )
    return ChangesPage(changes=page[:limit], publications=publications, has_more=len(page) > limit)
