"""Django's handler404/handler500: problem+json under /api/, Django's usual pages elsewhere."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from cissapi.api.exceptions import problem_response

API_PREFIX = "/api/"


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return problem_response(request, 404, "No resource at this address.")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return problem_response(request, 500, "The server could not answer this request.")
    return defaults.server_error(request)
