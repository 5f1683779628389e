"""Wake the webhook scanner when the change log grows (after the writer's transaction commits)."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from publications.changelog import changes_recorded


@receiver(changes_recorded)
def changes_were_recorded(sender, changes: list, **kwargs) -> None:
    from partners.tasks import request_scan

    # Only changes effective now matter at once; scheduled ones are caught by the minute scan.
    transaction.on_commit(request_scan)
