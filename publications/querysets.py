"""Read rules for publications: the one definition of what the public may see."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Prefetch, Q
from django.utils import timezone

if TYPE_CHECKING:
    from datetime import datetime


class PublicationQuerySet(models.QuerySet):
    def published(self, at: datetime | None = None) -> PublicationQuerySet:
        """Publications visible to the public: status published and `published_at` not in the future."""
        # Python's clock, not the database's now(): a scheduled piece goes live by itself at its time,
        # and tests can move time forward without a job.
        return self.filter(published_q(at))

    def unpublished(self, at: datetime | None = None) -> PublicationQuerySet:
        """Drafts, items in review and items scheduled for later."""
        return self.exclude(published_q(at))

    def scheduled(self, at: datetime | None = None) -> PublicationQuerySet:
        """Publications set to go live at a future time."""
        return self.filter(status="published", published_at__gt=at or timezone.now())

    def with_related(self) -> PublicationQuerySet:
        """Everything a detail page shows, fetched in a fixed number of queries."""
        from publications.models import CrossPost, PublicationAuthor

        return self.select_related("series").prefetch_related(
            Prefetch(
                "authorships",
                queryset=PublicationAuthor.objects.select_related("author").order_by("position"),
            ),
            "topics",
            Prefetch("cross_posts", queryset=CrossPost.objects.select_related("outlet").order_by("id")),
        )

    def by_author(self, author_id: int) -> PublicationQuerySet:
        """Publications an author wrote in any role (co-authored pieces included)."""
        return self.filter(authorships__author_id=author_id)


def published_q(at: datetime | None = None) -> Q:
    """The published rule as a Q object, for filtering related querysets (counts, author pages)."""
    return Q(status="published", published_at__lte=at or timezone.now())


def published_q_via(prefix: str, at: datetime | None = None) -> Q:
    """The published rule seen through a relation, e.g. `published_q_via("publications")`."""
    return Q(**{f"{prefix}__status": "published", f"{prefix}__published_at__lte": at or timezone.now()})


class PublicationChangeQuerySet(models.QuerySet):
    def effective(self, at: datetime | None = None) -> PublicationChangeQuerySet:
        """Changes already public: their effective time is not in the future."""
        return self.filter(effective_at__lte=at or timezone.now())

    def pending(self, at: datetime | None = None) -> PublicationChangeQuerySet:
        """Changes waiting for their time (scheduled go-lives); no reader has seen them."""
        return self.filter(effective_at__gt=at or timezone.now())

    def after(self, effective_at: datetime, pk: int) -> PublicationChangeQuerySet:
        """Changes that come after the cursor (effective_at, pk) in the change feed's order."""
        return self.filter(
            Q(effective_at__gt=effective_at) | Q(effective_at=effective_at, pk__gt=pk)
        ).order_by("effective_at", "pk")
