from __future__ import annotations

from datetime import datetime

from django.apps import AppConfig

from cissapi.api import generation, invalidation


class PublicationsConfig(AppConfig):
    name = "publications"

    def ready(self) -> None:
        from publications import signals  # noqa: F401

        invalidation.connect(self)
        generation.register_expiry(next_go_live)


def next_go_live() -> datetime | None:
    """When the next scheduled piece goes live: the cached catalogue is stale from then on."""
    from publications.models import Publication

    scheduled = Publication.objects.scheduled().order_by("published_at")
    return scheduled.values_list("published_at", flat=True).first()
