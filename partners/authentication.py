"""DRF authentication by partner API key: `Authorization: Api-Key <key>`."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from django.utils import timezone
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from partners.models import ApiKey, Partner
from partners.services import api_key_record_use, hash_key

KEYWORD = "Api-Key"


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
    """A request naming the Api-Key scheme gets in with a usable key, or a 401: never anonymous access."""

    def authenticate(self, request: Request) -> tuple[PartnerPrincipal, ApiKey] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].decode(errors="replace").lower() != KEYWORD.lower():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Send the key as 'Authorization: Api-Key <key>'.")
        key = parts[1].decode(errors="replace")
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
