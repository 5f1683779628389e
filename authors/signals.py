"""Route a bare `save()` of an author (a shell, a script) into the hook its services send
(authors.services), so no write escapes it; a service's own writes are left to it."""

from __future__ import annotations

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from authors.models import Author
from authors.services import author_changed, author_revision_record, stored_values
from cissapi.writes import is_bare_write


@receiver(pre_save, sender=Author)
def remember_stored_values(sender: type[Author], instance: Author, raw: bool = False, **kwargs) -> None:
    if not raw and is_bare_write():
        instance._stored_before = stored_values(instance)


@receiver(post_save, sender=Author)
def route_bare_save(sender: type[Author], instance: Author, raw: bool = False, **kwargs) -> None:
    # A fixture load (`raw`) restores rows; it changes nothing anyone was told.
    if not raw and is_bare_write():
        author_changed.send(sender=Author, author=instance, before=getattr(instance, "_stored_before", None))
        author_revision_record(author=instance)
