"""Refuse a NUL character in the admin's query parameters.

The admin's list filters and search put what the address says into the query (`?language=`, `?q=`), and
Postgres text cannot hold NUL: a crafted `?type=%00` ended a changelist in a 500. Django's forms refuse NUL
in what is posted (ProhibitNullCharactersValidator); nothing in the admin does for the query string. The
search box's `q` is left to the lists' searches, which answer any input (tests/test_admin_search.py). The
API, feeds and site check their own parameters and name them in their answers.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.urls import reverse


class AdminQueryMiddleware:
    """Answer 400 (Django's bad-request page) to an admin request whose query string holds a NUL outside
    the search box."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The raw query string first: nearly every request (the site's pages, feeds) has no NUL, and is not
        # worth a reverse() or a parsed QueryDict. request.path, as reverse() includes any script prefix.
        raw = request.META.get("QUERY_STRING", "")
        if (
            ("%00" in raw or "\x00" in raw)
            and request.path.startswith(reverse("admin:index"))
            and any(
                "\x00" in name or "\x00" in value
                for name, values in request.GET.lists()
                if name != SEARCH_VAR
                for value in values
            )
        ):
            raise BadRequest("A query parameter holds a NUL character (%00).")
        return self.get_response(request)
