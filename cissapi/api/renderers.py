"""JSON rendering with orjson: several times faster than the standard library on large list pages."""

from __future__ import annotations

from typing import Any

import orjson
from rest_framework.renderers import BaseRenderer
from rest_framework.utils.encoders import JSONEncoder

_fallback = JSONEncoder()


class ORJSONRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None  # JSON is UTF-8 by definition (RFC 8259); a charset parameter means nothing.

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        # DRF's encoder covers what orjson does not know (Decimal, lazy translation strings, ...).
        return orjson.dumps(data, default=_fallback.default, option=orjson.OPT_PASSTHROUGH_DATETIME)
