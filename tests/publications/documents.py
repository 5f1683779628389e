"""Helpers for comparing API detail documents across a write that moves only `updated_at`."""

from __future__ import annotations


def without_update_times(document: dict) -> dict:
    """`document` without what follows from `updated_at`: the field, and the metadata's modified times."""
    return {
        **document,
        "updated_at": None,
        "meta": [tag for tag in document["meta"] if tag.get("property") != "article:modified_time"],
        "jsonld": {**document["jsonld"], "dateModified": None},
    }
