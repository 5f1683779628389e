"""`manage.py generate_corpus --publications N --authors M [--seed S] [--append]`: a benchmark catalogue."""

from __future__ import annotations

import os
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from authors.models import Author
from publications.models import Publication
from publications.related import related_candidates_rebuild_missing
from tooling.corpus import generate_corpus


class Command(BaseCommand):
    help = "Generate a large, realistic, deterministic catalogue in bulk (for benchmarks, not the demo site)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--publications", type=int, required=True, help="How many publications.")
        parser.add_argument("--authors", type=int, required=True, help="How many authors.")
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same catalogue (default 1).")
        parser.add_argument(
            "--append",
            action="store_true",
            help="Add to a catalogue that already has content (otherwise the command refuses to run).",
        )

    def handle(self, *args, publications: int, authors: int, seed: int, append: bool, **options) -> None:
        if publications < 0 or authors < 1:
            raise CommandError("--publications must be 0 or more and --authors at least 1.")
        # Mixing generated pieces into an editor's real catalogue by accident would be hard to undo.
        if not append and (Publication.objects.exists() or Author.objects.exists()):
            raise CommandError(
                "The catalogue is not empty; use a separate database (EMBEDDED_DB_NAME or DATABASE_URL) "
                "or pass --append to add to it."
            )
        started = time.monotonic()

        def progress(done: int) -> None:
            self.stdout.write(f"  {done:,} publications ({time.monotonic() - started:.0f} s)")

        stats = generate_corpus(publications=publications, authors=authors, seed=seed, progress=progress)
        # What the worker would do after an import: every piece's related candidates (publications.related).
        related_started = time.monotonic()
        related = related_candidates_rebuild_missing(processes=os.cpu_count() or 1)
        self.stdout.write(
            f"  related candidates of {related:,} publications ({time.monotonic() - related_started:.0f} s)"
        )
        states = ", ".join(f"{count:,} {state}" for state, count in sorted(stats.states.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {stats.publications:,} publications ({states}), {stats.authors:,} authors, "
                f"{stats.authorships:,} bylines, {stats.topic_links:,} topic links and "
                f"{stats.cross_posts:,} cross-posts in {time.monotonic() - started:.1f} s."
            )
        )
