"""What a committed change makes stale, by surrogate keys: the app's response cache drops those entries
(cissapi.api.generation.mark_changed) and `surrogate_keys_changed` tells the caches in front of the app.

Each app whose models the public sees connects all of them from its AppConfig.ready() with connect(), saying
for each model what a save or delete of one changes (its `keys_of`): by default the keys the base viewset
gives it (`topic-3`) and its list's (`topics`); None when the app's services name the keys themselves
(publications, through keys_changed()). A model an app does not describe, a many-to-many link changed from
its far side, or too many rows at once, cannot be attributed: that ends the whole catalogue generation, as
every change did before (everything_changed()).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.apps import AppConfig
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal

from cissapi.api.generation import end_generation, mark_changed
from cissapi.api.http_caching import CATALOGUE_KEY

# Sent after commit with `keys` (a frozenset of str): the surrogate keys (the Surrogate-Key header's words)
# of every response a committed change may have altered. The app's own response cache drops those entries;
# caches in front of the app (Varnish's xkey, a CDN's purge API) are purged by receivers of this signal.
surrogate_keys_changed = Signal()

# What a write of one row changes, as surrogate keys; None: it cannot say (everything changed).
KeysOf = Callable[[Any], Iterable[str] | None]

# More keys than this in one change are cheaper to drop all at once (and a bulk change is rare).
MAX_KEYS = 1000

# The keys gathered by the changes_collected() block the code runs in, if any.
_collected: ContextVar[set[str] | None] = ContextVar("collected_changes", default=None)


@contextmanager
def changes_collected() -> Iterator[None]:
    """Within it, keys_changed() and everything_changed() only gather what changed; at its end (whether it
    ends well or not), one change of all of it, unless the transaction it ends in is to roll back (a dry
    run, a failed statement), which commits none of it. For a writer of many rows in one transaction (an
    import): its readers see none of them before the commit, so one mark inside the transaction and one
    after commit are what a mark per row would have been, without a few cache writes per row.

    Optimization (issue 16): a WordPress import of 2,000 posts marked changes 296 times (each mark a few
    statements on the database cache), 1.8 s of 17. A block within a block adds to the outer one.
    """
    if _collected.get() is not None:
        yield
        return
    gathered: set[str] = set()
    token = _collected.set(gathered)
    try:
        yield
    finally:
        _collected.reset(token)
        connection = transaction.get_connection()
        if not (connection.in_atomic_block and connection.needs_rollback):
            keys_changed(gathered)


def keys_changed(keys: Iterable[str]) -> None:
    """Drop every cached response showing one of `keys`: now (inside the writer's transaction, which with
    the database cache commits with the change) and again after commit, when the caches in front are told.

    After commit too, since a reader that read the rows before the commit is born before that mark.
    """
    changed = frozenset(keys)
    if not changed:
        return
    gathered = _collected.get()
    if gathered is not None:
        gathered.update(changed)
        return
    if CATALOGUE_KEY in changed or len(changed) > MAX_KEYS:
        everything_changed()
        return
    mark_changed(changed)

    def after_commit() -> None:
        mark_changed(changed)
        surrogate_keys_changed.send(sender=None, keys=changed)

    transaction.on_commit(after_commit)


def everything_changed() -> None:
    """Drop every cached response and count (the catalogue generation ends) and purge the caches in front
    (the `catalogue` key every response carries)."""
    gathered = _collected.get()
    if gathered is not None:
        gathered.add(CATALOGUE_KEY)
        return
    end_generation()
    transaction.on_commit(lambda: surrogate_keys_changed.send(sender=None, keys=frozenset({CATALOGUE_KEY})))


def own_keys(instance: Model) -> list[str]:
    """The keys of `instance` as the base viewset names them (cissapi.api.viewsets' keys_of: `topic-3`) and
    of its list (`topics`)."""
    meta = instance._meta
    return [f"{meta.model_name}-{instance.pk}", str(meta.verbose_name_plural)]


def owner_keys(field: str) -> KeysOf:
    """For rows shown only inside another's document (an author's positions): the key of the row that
    `field` points at (`author-3`)."""

    def keys(instance: Model) -> list[str]:
        owner = instance._meta.get_field(field).related_model
        return [f"{owner._meta.model_name}-{getattr(instance, f'{field}_id')}"]  # type: ignore[union-attr]  # a relation has a model

    return keys


def connect(app_config: AppConfig, keys_of: Mapping[type[Model], KeysOf | None]) -> None:
    """Connect a receiver to every model (and many-to-many link) of `app_config` that drops what
    `keys_of[model]` names; a model missing from `keys_of` ends the generation, and one mapped to None is
    left to the app's services."""
    for model in app_config.get_models():
        uid = f"api-cache-{model._meta}"
        if model not in keys_of:
            post_save.connect(_unattributed, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(_unattributed, sender=model, dispatch_uid=f"{uid}-del")
        elif (resolve := keys_of[model]) is not None:
            receiver = _row_receiver(resolve)
            post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}-save", weak=False)
            post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}-del", weak=False)
        for field in model._meta.local_many_to_many:
            link = field.remote_field.through
            if model in keys_of and keys_of[model] is None:
                continue  # the app's services handle the link as they handle the model
            receiver = _link_receiver(keys_of.get(model))
            m2m_changed.connect(receiver, sender=link, dispatch_uid=f"api-cache-m2m-{field}", weak=False)


def _unattributed(sender: Any, raw: bool = False, **kwargs: Any) -> None:
    # A fixture load (`raw`) changes nothing anyone has been served yet.
    if not raw:
        everything_changed()


def _row_receiver(resolve: KeysOf) -> Callable[..., None]:
    def receiver(sender: Any, instance: Model, raw: bool = False, **kwargs: Any) -> None:
        if raw:
            return
        keys = resolve(instance)
        if keys is None:
            everything_changed()
        else:
            keys_changed(keys)

    return receiver


def _link_receiver(resolve: KeysOf | None) -> Callable[..., None]:
    def receiver(sender: Any, instance: Model, action: str, reverse: bool, **kwargs: Any) -> None:
        if not action.startswith("post_"):
            return
        # Changed from the far side (a topic's authors), `instance` is not the model the keys describe.
        keys = None if reverse or resolve is None else resolve(instance)
        if keys is None:
            everything_changed()
        else:
            keys_changed(keys)

    return receiver
