"""Writes with side effects on publications: publishing and unpublishing."""

from __future__ import annotations

from datetime import datetime

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from publications.models import Publication

# Declared in Publication.Meta.permissions; superusers have it implicitly.
PUBLISH_PERMISSION = "publications.publish_publication"


def can_publish(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether `user` may publish, schedule and unpublish pieces (change permission alone is not enough)."""
    return user.has_perm(PUBLISH_PERMISSION)


@transaction.atomic
def publication_publish(
    *, publication: Publication, by: AbstractBaseUser | None = None, at: datetime | None = None
) -> Publication:
    """Publish now, or schedule for `at`; a piece already dated keeps its date unless `at` is given.

    `by` is the user asking, who needs the publish permission; None means the system itself (a command).
    """
    _require_publish_permission(by)
    now = timezone.now()
    publication.status = Publication.Status.PUBLISHED
    if at is not None:
        publication.published_at = at
    elif publication.published_at is None:
        publication.published_at = now
    if publication.first_published_at is None:
        publication.first_published_at = publication.published_at
    publication.full_clean()
    publication.save()
    scheduled = publication.published_at > now
    _log(
        publication,
        by,
        f"Scheduled for {publication.published_at:%Y-%m-%d %H:%M %Z}" if scheduled else "Published",
    )
    return publication


@transaction.atomic
def publication_unpublish(*, publication: Publication, by: AbstractBaseUser | None = None) -> Publication:
    """Take a piece off every public surface by returning it to draft; its dates are kept.

    `by` needs the publish permission, as for publication_publish.
    """
    _require_publish_permission(by)
    publication.status = Publication.Status.DRAFT
    if publication.first_published_at and publication.first_published_at > timezone.now():
        # It was only scheduled and never went live.
        publication.first_published_at = None
    publication.full_clean()
    publication.save()
    _log(publication, by, "Unpublished")
    return publication


def _require_publish_permission(by: AbstractBaseUser | None) -> None:
    if by is not None and not can_publish(by):
        raise PermissionDenied(f"{by} may not publish or unpublish publications.")


def _log(publication: Publication, by: AbstractBaseUser | None, message: str) -> None:
    if by is None or not by.pk:
        return
    LogEntry.objects.log_actions(
        user_id=by.pk,
        queryset=[publication],
        action_flag=CHANGE,
        change_message=message,
        single_object=True,
    )
