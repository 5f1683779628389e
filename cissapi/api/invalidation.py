"""Ending the catalogue generation (cissapi.api.generation) whenever something public may have changed.

Deliberately coarse: each app whose models the public sees connects all of them from its AppConfig.ready(),
so any save or delete of one, and any change to their many-to-many links, ends the generation, and a cached
response can never show an edit's old state, a withdrawn piece or an old name. Edits are rare next to
reads; a finer scheme would save little and risk a missed dependency (a renamed outlet shows in every
cross-post of every detail).
"""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal

from cissapi.api.generation import end_generation
from cissapi.api.http_caching import CATALOGUE_KEY

# Sent after commit with `keys` (a frozenset of str): the surrogate keys (the Surrogate-Key header's words)
# of every response a committed change may have altered. The app's own response cache drops those entries;
# caches in front of the app (Varnish's xkey, a CDN's purge API) are purged by receivers of this signal.
surrogate_keys_changed = Signal()


def catalogue_changed(sender: Any, raw: bool = False, **kwargs: Any) -> None:
    """A signal receiver: a fixture load (`raw`) changes nothing anyone has been served yet."""
    if not raw:
        end_generation()
        # PROVISIONAL (h16-engines, until h16-cache's precise senders land): the coarse keys of a change,
        # so caches in front are purged; the whole catalogue, as the generation above ends it all.
        instance = kwargs.get("instance")
        keys = {CATALOGUE_KEY, "publications", "feeds", "sitemaps"}
        if instance is not None and getattr(instance, "pk", None) is not None:
            keys.add(f"{sender._meta.model_name}-{instance.pk}")
        transaction.on_commit(lambda: surrogate_keys_changed.send(sender=sender, keys=frozenset(keys)))


def connect(app_config: AppConfig) -> None:
    """Connect the receiver to every model (and many-to-many link) of `app_config`."""
    for model in app_config.get_models():
        post_save.connect(catalogue_changed, sender=model, dispatch_uid=f"api-cache-save-{model._meta}")
        post_delete.connect(catalogue_changed, sender=model, dispatch_uid=f"api-cache-del-{model._meta}")
        for field in model._meta.local_many_to_many:
            link = field.remote_field.through
            m2m_changed.connect(catalogue_changed, sender=link, dispatch_uid=f"api-cache-m2m-{field}")
