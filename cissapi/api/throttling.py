"""Anonymous throttling. Rates come from settings (API_THROTTLE_ANON_RATE in the environment)."""

from __future__ import annotations

from django.core.cache import caches
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle


class AnonymousRateThrottle(AnonRateThrottle):
    """Per client address, counted in the "throttle" cache (Redis in production, see settings)."""

    def __init__(self) -> None:
        # Optimization: a separate cache, so counting requests costs no SQL when the shared cache is the
        # database table.
        self.cache = caches["throttle"]
        super().__init__()

    def get_rate(self) -> str | None:
        # Read per request rather than at import, so a changed setting (or a test) takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
