"""Where webhooks may be sent: the URL rules and the address checks that stop server-side request forgery.

A subscription's URL is checked when it is saved and again by every attempt: the host is resolved once,
every address it resolves to must be public, and the attempt connects to that checked address (the name
still goes in `Host`, in TLS's SNI and in the certificate check). A DNS answer that changes between the
check and the connection ("DNS rebinding") therefore cannot send a delivery to an internal service.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

# Well-known IPv6 prefix that embeds an IPv4 address (RFC 6052): judged by the address it embeds.
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UnsafeTarget(Exception):
    """A URL or address webhooks must never be sent to; the message says why, for editors."""


@dataclass(frozen=True)
class Target:
    """A webhook URL taken apart for http.client."""

    scheme: str
    host: str
    port: int
    path: str


def parse_target(url: str) -> Target:
    """Split a webhook URL, refusing other schemes than https (http only if allowed) and credentials."""
    parts = urlsplit(url)
    schemes = ("https", "http") if settings.WEBHOOK_ALLOW_HTTP else ("https",)
    if parts.scheme not in schemes:
        raise UnsafeTarget(f"Use an {' or '.join(f'{s}://' for s in schemes)} URL.")
    if parts.username is not None or parts.password is not None:
        # Credentials in a URL end up in logs and the admin; receivers authenticate us by the signature.
        raise UnsafeTarget("A URL with a user name or password is refused; receivers check the signature.")
    try:
        port = parts.port
    except ValueError as error:
        raise UnsafeTarget("The URL's port is not a number from 0 to 65535.") from error
    if not parts.hostname:
        raise UnsafeTarget("The URL has no host.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(
        scheme=parts.scheme,
        host=parts.hostname,
        port=port or (443 if parts.scheme == "https" else 80),
        path=path,
    )


def resolve_public(target: Target) -> str:
    """Resolve the host once; the address to connect to, or UnsafeTarget if any address is not public.

    Raises socket.gaierror (an OSError: worth retrying) when the name does not resolve.
    """
    infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    # Every answer must be acceptable, not just the first: the name is the partner's to point anywhere.
    # An IP socket address starts with the address text (typeshed allows other families' int forms).
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for address in addresses:
        check_address(address)
    return addresses[0]


def check_address(address: str) -> None:
    """Refuse loopback, private, link-local (cloud metadata), multicast, reserved and unspecified ones."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        elif ip in NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.is_unspecified or ip.is_multicast:
        raise UnsafeTarget(f"{address} cannot receive webhooks.")
    if settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS:
        return
    # is_global is False for loopback, private, link-local (169.254.169.254), shared and documentation ranges.
    if not ip.is_global or ip.is_reserved:
        raise UnsafeTarget(f"{address} is not a public internet address; webhooks go only to public ones.")
