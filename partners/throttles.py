"""Per-partner request rates, counted where every server process sees the same number."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from cissapi.api.rate_limits import RateLimit, note_rate_limit
from cissapi.api.throttling import parse_rate
from partners.models import ApiKey, PartnerRateWindow

_UPSERT_SQL = f"""
INSERT INTO {PartnerRateWindow._meta.db_table} AS w (partner_id, "window", hits) VALUES (%s, %s, 1)
ON CONFLICT (partner_id) DO UPDATE
    SET hits = CASE WHEN w."window" = EXCLUDED."window" THEN w.hits + 1 ELSE 1 END,
        "window" = EXCLUDED."window"
RETURNING hits
"""


class PartnerRateThrottle(BaseThrottle):
    """Limits each partner (all its keys together) to its own `throttle_rate` in fixed windows.

    Anonymous requests pass untouched (the anonymous throttle handles them). Counting is one atomic
    statement: Redis INCR when REDIS_URL is set, otherwise one UPSERT on a one-row-per-partner table.
    DRF's history-list throttle would instead rewrite a list of up to `rate` timestamps through several
    non-atomic statements of the database cache on every request.
    """

    def __init__(self) -> None:
        self.retry_after: float | None = None

    def allow_request(self, request: Request, view) -> bool:
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            return True
        limit, duration = parse_rate(api_key.partner.throttle_rate)
        now = time.time()
        window = int(now // duration)
        hits = partner_window_hit(partner_id=api_key.partner_id, window=window, duration=duration)
        window_end = (window + 1) * duration - now
        note_rate_limit(
            request,
            RateLimit(
                policy="partner", quota=limit, window=duration, remaining=limit - hits, reset=window_end
            ),
        )
        if hits <= limit:
            return True
        self.retry_after = window_end
        return False

    def wait(self) -> float | None:
        return self.retry_after


def partner_window_hit(*, partner_id: int, window: int, duration: int) -> int:
    """Count one request in the partner's window and return the window's total so far."""
    if settings.REDIS_URL:
        key = f"throttle:partner:{partner_id}:{duration}:{window}"
        cache.add(key, 0, timeout=duration + 1)
        return cache.incr(key)
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT_SQL, [partner_id, window])
        return cursor.fetchone()[0]
