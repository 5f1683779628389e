"""The partner key in the OpenAPI document, so clients and generated SDKs know how to send it."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from partners.authentication import KEYWORD


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "partners.authentication.ApiKeyAuthentication"
    name = "PartnerApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": f"Optional. Partners send `Authorization: {KEYWORD} <key>` for their own rate "
            "limit; a malformed, unknown, revoked or expired key is a 401, never anonymous access; too "
            "many bad keys from one address are a 429.",
        }
