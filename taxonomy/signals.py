"""Route a bare `save()` or `delete()` of a topic, series or outlet (a shell, a script) into the hooks its
services send (taxonomy.services), so no write escapes them; a service's own writes are left to it."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.db.models.signals import post_save, pre_delete, pre_save
from django.dispatch import receiver

from cissapi.writes import is_bare_write
from taxonomy.models import Outlet, Series, Topic
from taxonomy.services import stored_values, taxonomy_changed, taxonomy_deleting

MODELS = (Topic, Series, Outlet)


def _bare(raw: bool) -> bool:
    # A fixture load (`raw`) restores rows; it changes nothing anyone was told.
    return not raw and is_bare_write()


@receiver(pre_save, sender=Topic)
@receiver(pre_save, sender=Series)
@receiver(pre_save, sender=Outlet)
def remember_stored_values(
    sender: type[Model], instance: Topic | Series | Outlet, raw: bool = False, **kwargs: Any
) -> None:
    if _bare(raw):
        instance._stored_before = stored_values(instance)


@receiver(post_save, sender=Topic)
@receiver(post_save, sender=Series)
@receiver(post_save, sender=Outlet)
def route_bare_save(sender: type[Model], instance: Model, raw: bool = False, **kwargs) -> None:
    if _bare(raw):
        taxonomy_changed.send(
            sender=sender, instance=instance, before=getattr(instance, "_stored_before", None)
        )


@receiver(pre_delete, sender=Topic)
@receiver(pre_delete, sender=Series)
@receiver(pre_delete, sender=Outlet)
def route_bare_delete(sender: type[Model], instance: Model, **kwargs) -> None:
    if is_bare_write():
        taxonomy_deleting.send(sender=sender, instance=instance)
