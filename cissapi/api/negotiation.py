"""Content negotiation for the API: DRF's, its choices remembered per process."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

# Distinct choices remembered per process, and the longest Accept header remembered: client input held in
# memory stays within 256 x 512 bytes; other requests are negotiated every time, as DRF does.
REMEMBERED_CHOICES = 256
REMEMBERED_ACCEPT_LENGTH = 512

# (renderer classes, format suffix, ?format=, Accept) -> (index of the chosen renderer, media type).
_choices: dict[tuple[Any, ...], tuple[int, str]] = {}


class RememberingContentNegotiation(DefaultContentNegotiation):
    """DRF's DefaultContentNegotiation, its choice remembered for each combination of a view's renderers, the
    format asked for (a suffix or ?format=) and the Accept header: all it depends on.

    Optimization (issue 16): negotiating parses the Accept header (building `request.headers` on the way) on
    every request, some 50 microseconds of an author's bio; nearly every client sends one of a few headers.
    Refusals (an unknown format's 404, a 406) are not remembered: they are negotiated again, and raised.
    """

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderers = list(renderers)
        accept = request.META.get("HTTP_ACCEPT")
        key = (
            tuple(type(renderer) for renderer in renderers),
            format_suffix,
            request.query_params.get(self.settings.URL_FORMAT_OVERRIDE),
            accept,
        )
        choice = _choices.get(key)
        if choice is not None:
            index, media_type = choice
            return renderers[index], media_type
        renderer, media_type = super().select_renderer(request, renderers, format_suffix)
        if len(_choices) < REMEMBERED_CHOICES and len(accept or "") <= REMEMBERED_ACCEPT_LENGTH:
            # The chosen renderer is one of the view's own instances, so its place in their list names it.
            _choices[key] = (renderers.index(renderer), media_type)
        return renderer, media_type
