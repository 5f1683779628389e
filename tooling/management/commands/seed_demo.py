"""Load the demo catalogue: the CISS commentary with its four authors and a few more publications."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from authors.models import Author
from publications.models import Publication
from tooling.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo catalogue. Safe to run again: it updates rows in place and duplicates nothing."

    def handle(self, *args, **options) -> None:
        written = load_demo()
        self.stdout.write(
            f"Demo content: {Publication.objects.count()} publications, {Author.objects.count()} authors "
            f"({written} rows written)."
        )
