"""Per-partner request rates, counted in the shared cache so every server process agrees."""

from __future__ import annotations

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from partners.models import ApiKey


class PartnerRateThrottle(SimpleRateThrottle):
    """Limits each partner (all its keys together) to its own `throttle_rate`; other requests pass."""

    scope = "partner"
    rate = settings.PARTNER_DEFAULT_THROTTLE_RATE

    def allow_request(self, request: Request, view) -> bool:
        if isinstance(request.auth, ApiKey):
            self.rate = request.auth.partner.throttle_rate
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view) -> str | None:
        if not isinstance(request.auth, ApiKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.partner_id}
