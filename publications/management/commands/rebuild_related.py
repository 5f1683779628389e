"""`manage.py rebuild_related [--missing]`: work out every publication's related candidates again."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser

from publications.models import Publication
from publications.related import related_candidates_rebuild, related_candidates_rebuild_missing


class Command(BaseCommand):
    help = "Rebuild the stored related candidates of every publication (or only of those without any)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--missing",
            action="store_true",
            help="Only publications with none stored (what the worker does).",
        )

    def handle(self, *args, missing: bool, **options) -> None:
        started = time.monotonic()
        if missing:
            stored = related_candidates_rebuild_missing()
        else:
            stored = related_candidates_rebuild(
                publication_ids=Publication.objects.values_list("pk", flat=True)
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Stored related candidates of {stored:,} publications in {time.monotonic() - started:.1f} s."
            )
        )
