"""The admin index's "Waiting for me" link (publications/templates/admin/index.html)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from publications.admin import waiting_for_q
from publications.models import Publication

register = template.Library()


@register.simple_tag
def waiting_for_me(user: Any) -> dict[str, Any]:
    """How many pieces wait for `user`'s role, and the changelist that lists them."""
    url = reverse("admin:publications_publication_changelist") + "?waiting=me"
    return {"count": Publication.objects.filter(waiting_for_q(user)).count(), "url": url}
