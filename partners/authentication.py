"""DRF authentication by partner API key: `Authorization: Api-Key <key>`."""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass

from django.utils import timezone
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.request import Request

from cissapi.api.throttling import authentication_failures_wait, record_authentication_failure
from partners.models import ApiKey, Partner
from partners.services import KEY_PREFIX_BYTES, KEY_SECRET_BYTES, api_key_record_use, hash_key

KEYWORD = "Api-Key"
# A proxy in front (a staging site's password) may pass its own `Basic` credentials on: not ours to judge.
PROXY_SCHEME = "basic"
# What api_key_issue() hands out: the prefix in hex, a dot, the secret in unpadded URL-safe base64.
KEY_FORMAT = re.compile(
    rf"[0-9a-f]{{{2 * KEY_PREFIX_BYTES}}}\.[A-Za-z0-9_-]{{{-(-KEY_SECRET_BYTES * 4 // 3)}}}", re.ASCII
)


@dataclass(frozen=True)
class PartnerPrincipal:
    """`request.user` for a partner's request (a partner is not a login account)."""

    partner: Partner

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False

    @property
    def pk(self) -> None:
        return None

    def __str__(self) -> str:
        return f"partner {self.partner.name}"


class ApiKeyAuthentication(BaseAuthentication):
    """A request naming the Api-Key scheme gets in with a usable key, or a 401: never anonymous access. So
    does one with any other Authorization header (`Bearer x`, a bare key) but a proxy's `Basic`: only no
    header and `Basic` are anonymous.

        Failures count against the client's address (cissapi.api.throttling); past API_AUTH_FAILURE_RATE
        every Api-Key request from it is a 429 until the window ends, before any key is looked up.
    """

    def authenticate(self, request: Request) -> tuple[PartnerPrincipal, ApiKey] | None:
        # Django gives headers as str (latin-1 decoded by the WSGI server), whatever bytes were sent.
        parts = request.headers.get("authorization", "").split()
        if not parts:
            return None
        if parts[0].lower() == PROXY_SCHEME:
            return None
        if parts[0].lower() != KEYWORD.lower():
            # A partner who sends `Bearer <key>` or a bare key would otherwise be served anonymously, on the
            # anonymous rate limit, without a word; the 401's WWW-Authenticate names the scheme to use.
            raise AuthenticationFailed(
                f"The API's only scheme is {KEYWORD}: send 'Authorization: {KEYWORD} <key>'."
            )
        wait = authentication_failures_wait(request)
        if wait is not None:
            raise Throttled(wait, detail="Too many requests with a bad API key from this address.")
        try:
            return self._check_key(parts)
        except AuthenticationFailed:
            record_authentication_failure(request)
            raise

    def _check_key(self, parts: list[str]) -> tuple[PartnerPrincipal, ApiKey]:
        if len(parts) != 2:
            raise AuthenticationFailed("Send the key as 'Authorization: Api-Key <key>'.")
        key = parts[1]
        # Checked before any lookup: junk (a NUL, non-ASCII) never reaches the database.
        if not KEY_FORMAT.fullmatch(key):
            raise AuthenticationFailed("Malformed API key: a key is its prefix, a dot and its secret.")
        prefix = key.split(".", 1)[0]
        api_key = ApiKey.objects.select_related("partner").filter(prefix=prefix).first()
        if api_key is None or not hmac.compare_digest(api_key.hashed_key, hash_key(key)):
            raise AuthenticationFailed("Unknown API key.")
        if api_key.revoked_at is not None:
            raise AuthenticationFailed("This API key has been revoked.")
        if api_key.expires_at is not None and api_key.expires_at <= timezone.now():
            raise AuthenticationFailed("This API key has expired.")
        api_key_record_use(api_key=api_key)
        return PartnerPrincipal(api_key.partner), api_key

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (with WWW-Authenticate) rather than 403.
        return KEYWORD
