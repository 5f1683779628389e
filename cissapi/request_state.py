"""Django's session and message middleware, building a request's session and message store only when
something uses them.

Optimization (issue 16): Django builds both for every request (a session store, a cookie signer and the
message backends: some 40 microseconds), and for an anonymous read of the API, a feed or a sitemap nothing
ever reads them. Built on first use instead, and left alone at the end when never built: an unused store
has nothing to save or clear, so the response is the same byte for byte. A request that carries a session
cookie gets Django's session at once (its end-of-request rules for a stale or emptied cookie apply).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty


def _unused(value: Any) -> bool:
    """Whether `value` is a lazy object nothing has used yet."""
    return isinstance(value, SimpleLazyObject) and value._wrapped is empty


class LazySessionMiddleware(SessionMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            super().process_request(request)
            return
        # An attribute Django's auth and messages expect; the stubs type it as the session class.
        request.session = SimpleLazyObject(lambda: self.SessionStore(None))  # type: ignore[assignment]

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if _unused(getattr(request, "session", None)):
            return response  # no cookie came, and nothing was stored to send one
        return super().process_response(request, response)


class LazyMessageMiddleware(MessageMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        # Read by django.contrib.messages' API (add_message, get_messages) as Django's middleware sets it.
        request._messages = SimpleLazyObject(lambda: default_storage(request))  # type: ignore[attr-defined]

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if _unused(getattr(request, "_messages", None)):
            return response  # nothing added, nothing read: nothing to store or clear
        return super().process_response(request, response)
