"""Writes of topics, series and outlets, the one door for the admin, commands and importers.

What a write here changes above this layer (the public documents of the publications filed under it) is
not this app's to know: each service tells the layers above through `taxonomy_changed` and
`taxonomy_deleting`, the decoupled hooks publications listens to, as the change log tells partners. A bare
`save()` or `delete()` is routed into the same hooks by taxonomy.signals.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Model
from django.dispatch import Signal

from cissapi.writes import service_write
from taxonomy.models import Outlet, Series, Topic

# Sent once per saved topic, series or outlet, with `instance` and `before` (its stored values before the
# save, as `values()` gives them; None when it is new).
taxonomy_changed = Signal()
# Sent once per deleted topic, series or outlet with `instance`, before the delete, while what is filed
# under it still points at it.
taxonomy_deleting = Signal()

Item = TypeVar("Item", Topic, Series, Outlet)


def stored_values(instance: Model) -> dict[str, Any] | None:
    """The row of `instance` as stored now (None when it has none yet): the `before` of the hooks."""
    if instance.pk is None:
        return None
    return type(instance)._default_manager.filter(pk=instance.pk).values().first()


def topic_create(**fields: Any) -> Topic:
    """A new topic."""
    return _save(Topic(**fields))


def topic_update(*, topic: Topic, **changes: Any) -> Topic:
    """Change a topic (a rename shows in every publication filed under it)."""
    return _save(topic, changes)


def topic_delete(*, topic: Topic) -> None:
    """Delete a topic; the publications filed under it lose it."""
    _delete(topic)


def series_create(**fields: Any) -> Series:
    """A new series."""
    return _save(Series(**fields))


def series_update(*, series: Series, **changes: Any) -> Series:
    """Change a series (a rename shows in every publication in it)."""
    return _save(series, changes)


def series_delete(*, series: Series) -> None:
    """Delete a series; its publications keep their volume and issue but no series."""
    _delete(series)


def outlet_create(**fields: Any) -> Outlet:
    """A new outlet."""
    return _save(Outlet(**fields))


def outlet_update(*, outlet: Outlet, **changes: Any) -> Outlet:
    """Change an outlet (its name and address show in every cross-post to it)."""
    return _save(outlet, changes)


def outlet_delete(*, outlet: Outlet) -> None:
    """Delete an outlet no cross-post uses (the cross-posts protect it)."""
    _delete(outlet)


@transaction.atomic
def _save(instance: Item, changes: dict[str, Any] | None = None) -> Item:
    for name, value in (changes or {}).items():
        setattr(instance, name, value)
    before = stored_values(instance)
    instance.full_clean()
    with service_write():
        instance.save()
    taxonomy_changed.send(sender=type(instance), instance=instance, before=before)
    return instance


@transaction.atomic
def _delete(instance: Model) -> None:
    taxonomy_deleting.send(sender=type(instance), instance=instance)
    with service_write():
        instance.delete()
