"""The admin's "view on site" redirect (`admin:view_on_site`, /admin/r/<content type>/<id>/), for the rows
the person may see in the admin only.

Django's own (django.contrib.contenttypes.views.shortcut) asks nothing but that the person is staff, and
redirects to any row's get_absolute_url(): a contributor, who sees only their own pieces, could walk the
ids and read the slug (the title, in effect) of every draft, piece in review and trashed piece. This one
asks the row's ModelAdmin first, as its change page would: the row must be in the admin's queryset for the
person and theirs to view or change; anything else is a 404, whether or not the row exists.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.http import Http404, HttpRequest, HttpResponse


def view_on_site(request: HttpRequest, content_type_id: str, object_id: str) -> HttpResponse:
    """Django's redirect to a row's public address, once the row's admin says the person may see it."""
    try:
        model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
    except (ContentType.DoesNotExist, ValueError) as error:
        raise Http404("No such object.") from error
    model_admin = admin.site._registry.get(model) if model is not None else None
    if model_admin is None:
        raise Http404("No such object.")
    found = model_admin.get_object(request, object_id)
    if found is None or not model_admin.has_view_or_change_permission(request, found):
        raise Http404("No such object.")
    return shortcut(request, content_type_id, object_id)
