"""Ending the catalogue generation (cissapi.api.caching) whenever something public may have changed.

Deliberately coarse: any save or delete of a publications, authors or taxonomy model, and any change to their
many-to-many links, ends the generation, so a cached response can never show an edit's old state, a
withdrawn piece or an old name. Edits are rare next to reads; a finer scheme would save little and risk a
missed dependency (a renamed outlet shows in every cross-post of every detail).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save

from cissapi.api.caching import end_generation

APPS = ("publications", "authors", "taxonomy")


def catalogue_changed(sender: Any, raw: bool = False, **kwargs: Any) -> None:
    """A signal receiver: a fixture load (`raw`) changes nothing anyone has been served yet."""
    if not raw:
        end_generation()


def connect() -> None:
    """Connect the receiver to every model (and many-to-many link) of the catalogue's apps."""
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            post_save.connect(catalogue_changed, sender=model, dispatch_uid=f"api-cache-save-{model._meta}")
            post_delete.connect(catalogue_changed, sender=model, dispatch_uid=f"api-cache-del-{model._meta}")
            for field in model._meta.local_many_to_many:
                link = field.remote_field.through
                m2m_changed.connect(catalogue_changed, sender=link, dispatch_uid=f"api-cache-m2m-{field}")
