"""`manage.py rebuild_related [--missing]`: work out every publication's related candidates again."""

from __future__ import annotations

import os
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

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
        parser.add_argument(
            "--processes",
            type=int,
            default=os.cpu_count() or 1,
            help="Processes ranking a large rebuild (default: one per CPU).",
        )

    def handle(self, *args, missing: bool, processes: int, **options) -> None:
        if processes < 1:
            raise CommandError("--processes must be at least 1.")
        started = time.monotonic()
        if missing:
            stored = related_candidates_rebuild_missing(processes=processes)
        else:
            stored = related_candidates_rebuild(
                publication_ids=Publication.objects.values_list("pk", flat=True), processes=processes
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Stored related candidates of {stored:,} publications in {time.monotonic() - started:.1f} s."
            )
        )
