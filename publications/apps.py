from __future__ import annotations

from datetime import datetime

from django.apps import AppConfig

from cissapi.api import generation, invalidation


class PublicationsConfig(AppConfig):
    name = "publications"

    def ready(self) -> None:
        from publications import signals  # noqa: F401
        from publications.models import (
            Correction,
            CrossPost,
            Publication,
            PublicationAuthor,
            PublicationChange,
            PublicationSlug,
            PublicationTransition,
        )

        # Writes of a piece, its byline, topics and cross-posts name what they change themselves
        # (publications.services, for bare writes too through publications.signals); old slugs answer with
        # redirects, never cached; transitions, revisions and the change log are not in cached answers.
        invalidation.connect(
            self,
            {
                Publication: None,
                PublicationAuthor: None,
                CrossPost: None,
                Correction: invalidation.owner_keys("publication"),
                PublicationSlug: None,
                PublicationTransition: None,
                PublicationChange: None,
                Publication.history.model: None,
            },
        )
        generation.register_expiry(next_go_live)


def next_go_live() -> datetime | None:
    """When the next scheduled piece goes live: the cached catalogue is stale from then on."""
    from publications.models import Publication

    scheduled = Publication.objects.scheduled().order_by("published_at")
    return scheduled.values_list("published_at", flat=True).first()
