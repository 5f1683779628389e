"""DRF's dispatch of an anonymous read, without the steps that only shape other answers.

The lane for anonymous reads (cissapi.anonymous_reads) hands a v1 viewset's GET or HEAD without credentials
here when the viewset lists the action in `lean_actions`. The view is built, its request wrapped, checked
(negotiation, the throttles, the query parameters: `initial()`) and handled exactly as DRF's view function
and `dispatch()` do, and any error it raises is answered by its own `handle_exception()` and
`finalize_response()`. What is left out is how a successful document becomes bytes: DRF builds a
TemplateResponse, finalizes it through three `finalize_response()`s, each reading and rewriting headers, then
renders it, hashing its body in a callback. Here the JSON is rendered first and the final response is built
with the same headers in the same order (`finalize_success`); tests/test_anonymous_reads.py compares both
ways header for header.

Optimization (issue 16): about a tenth of an author's bio. It applies only to views whose finalizing is the
one it reproduces (`KNOWN_FINALIZERS`) and to answers it knows (a 200 `Response` of JSON, nothing else
set); any other answer takes DRF's own steps, as does every view that adds a `finalize_response()`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import patch_vary_headers
from rest_framework.compat import split_header_value  # type: ignore[attr-defined]  # DRF's, not in the stubs
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cissapi.api.feed_links import FeedLinksMixin, link_header
from cissapi.api.http_caching import VARY, ConditionalGetMixin, finalize
from cissapi.api.renderers import ORJSONRenderer

# The classes whose finalize_response() finalize_success() reproduces, outermost first.
KNOWN_FINALIZERS = (FeedLinksMixin, ConditionalGetMixin, APIView)
# Renderers whose output depends on the data alone (finalize_success renders without a renderer context).
KNOWN_RENDERERS = (ORJSONRenderer,)


def lean_action(view: Callable[..., Any], method: str) -> str | None:
    """The action a GET or HEAD (`method`) of the viewset view function `view` runs, when its viewset has it
    dispatched leanly; None when it goes through DRF's view function."""
    actions = getattr(view, "actions", None)
    view_class = getattr(view, "cls", None)
    if not actions or view_class is None:
        return None
    # DRF answers a HEAD with the GET's action when the route names none of its own.
    action = actions.get(method.lower()) or (actions.get("get") if method == "HEAD" else None)
    if action is None or action not in getattr(view_class, "lean_actions", ()):
        return None
    return action if finalizes_as_known(view_class) else None


@functools.cache
def finalizes_as_known(view_class: type) -> bool:
    """Whether `view_class` finalizes its responses exactly as KNOWN_FINALIZERS do (no other class of its
    MRO overrides finalize_response)."""
    own = tuple(cls for cls in view_class.__mro__ if "finalize_response" in vars(cls))
    return own == KNOWN_FINALIZERS


def lean_dispatch(
    view: Callable[..., Any], request: HttpRequest, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> HttpResponseBase:
    """What `view` (a viewset's view function, for which lean_action() named an action) answers to the
    anonymous GET or HEAD `request`: as DRF's view function and dispatch() do, a success finalized by
    finalize_success(). An answer that is a TemplateResponse still is rendered by the caller, as Django's
    handler would."""
    # Any: DRF's view function carries the viewset class and its arguments as attributes.
    function: Any = view
    actions: dict[str, str] = function.actions
    # As DRF's view function: a fresh view per request, its HTTP methods bound to their actions.
    self: Any = function.cls(**function.initkwargs)
    if "get" in actions and "head" not in actions:
        actions["head"] = actions["get"]
    self.action_map = actions
    for method, action in actions.items():
        setattr(self, method, getattr(self, action))
    self.request = request
    self.args = args
    self.kwargs = kwargs
    # As APIView.dispatch.
    drf_request = self.initialize_request(request, *args, **kwargs)
    self.request = drf_request
    self.headers = self.default_response_headers
    try:
        self.initial(drf_request, *args, **kwargs)
        response = getattr(self, drf_request.method.lower())(drf_request, *args, **kwargs)
    except Exception as exception:
        response = self.handle_exception(exception)
    lean = finalize_success(self, drf_request, response)
    if lean is not None:
        return lean
    self.response = self.finalize_response(drf_request, response, *args, **kwargs)
    return self.response


def finalize_success(view: Any, request: Request, response: HttpResponseBase) -> HttpResponse | None:
    """The final answer for `response` when it is a plain successful document (a 200 Response of data that
    a KNOWN_RENDERERS renderer makes into bytes, with no header or content type of its own): rendered, then
    finalized as FeedLinksMixin's, APIView's and ConditionalGetMixin's finalize_response() and the render
    callback of the latter would. None for any other answer (DRF's own steps then apply)."""
    renderer = getattr(request, "accepted_renderer", None)
    if (
        type(response) is not Response
        or response.status_code != 200
        or response.exception
        or response.content_type is not None
        or list(response.headers) != ["Content-Type"]  # only the one every response starts with
        or type(renderer) not in KNOWN_RENDERERS
    ):
        return None
    # As Response.rendered_content.
    assert renderer is not None  # a KNOWN_RENDERERS instance
    body = renderer.render(response.data, request.accepted_media_type)
    if not body or not isinstance(body, bytes):
        return None  # an empty body loses its Content-Type in DRF's rendering: left to it
    media_type = renderer.media_type
    content_type = f"{media_type}; charset={renderer.charset}" if renderer.charset is not None else media_type
    final = HttpResponse(body, content_type=content_type)
    # FeedLinksMixin.finalize_response.
    feeds = view.matching_feeds()
    if feeds:
        final.headers["Link"] = link_header(feeds)
    # APIView.finalize_response.
    headers: dict[str, str] = view.headers
    vary = headers.pop("Vary", None)
    if vary is not None:
        patch_vary_headers(final, list(split_header_value(vary)))
    for name, value in headers.items():
        final[name] = value
    # ConditionalGetMixin.finalize_response; the response has its body already, so the validators and a 304
    # come at once rather than after rendering.
    return finalize(request, final, view.response_meta, vary=VARY)
