"""The editor of the edit-mix scenario: `python -m bench.edits SECONDS INTERVAL` edits one live piece every
INTERVAL seconds for SECONDS seconds, through the services as the admin does (publications.services).

Each edit changes the summary of one of the newest pieces (the ones the read mix asks for most), so it
ends whatever cache entries show that piece, and prints one line per edit.
"""

from __future__ import annotations

import random
import sys
import time

import django


def main(seconds: float, interval: float) -> None:
    django.setup()
    from publications.models import Publication
    from publications.services import publication_update

    rng = random.Random(16)
    newest = list(
        Publication.objects.published().order_by("-published_at", "-id").values_list("pk", flat=True)[:200]
    )
    deadline = time.monotonic() + seconds
    edits = 0
    while time.monotonic() + interval <= deadline:
        time.sleep(interval)
        publication = Publication.objects.get(pk=rng.choice(newest))
        publication.summary = f"{publication.summary.split(' (revised')[0]} (revised {edits + 1})"
        publication_update(publication=publication)
        edits += 1
        print(f"edit {edits}: {publication.slug}", flush=True)


if __name__ == "__main__":
    main(float(sys.argv[1]), float(sys.argv[2]))
