"""Writes with side effects on partners: issuing, revoking and counting the use of API keys."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import connection, transaction
from django.utils import timezone

from partners.models import ApiKey, ApiKeyUsage, Partner

KEY_PREFIX_BYTES = 6
KEY_SECRET_BYTES = 32


def hash_key(key: str) -> str:
    """SHA-256 of a key: keys carry 256 random bits, so a slow password hash would add nothing."""
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_key_issue(
    *, partner: Partner, name: str, expires_at: dt.datetime | None = None, api_key: ApiKey | None = None
) -> tuple[ApiKey, str]:
    """Create a key for `partner`; returns it with the clear key, which is shown once and never stored.

    `api_key` may be an unsaved instance (the admin's form) whose fields are kept.
    """
    prefix = secrets.token_hex(KEY_PREFIX_BYTES)
    key = f"{prefix}.{secrets.token_urlsafe(KEY_SECRET_BYTES)}"
    api_key = api_key or ApiKey()
    api_key.partner, api_key.name, api_key.prefix, api_key.hashed_key = partner, name, prefix, hash_key(key)
    if expires_at is not None:
        api_key.expires_at = expires_at
    api_key.full_clean()
    api_key.save()
    return api_key, key


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Stop a key from working, at once and for good; its usage history stays."""
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


def api_key_record_use(*, api_key: ApiKey) -> None:
    """Count one request for today in a single statement (no read, no lost updates under concurrency)."""
    table = ApiKeyUsage._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (api_key_id, day, requests) VALUES (%s, %s, 1) "
            "ON CONFLICT (api_key_id, day) DO UPDATE SET requests = " + f"{table}.requests + 1",
            [api_key.pk, timezone.now().astimezone(dt.UTC).date()],
        )
