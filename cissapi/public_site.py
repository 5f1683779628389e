"""Whether SITE_URL's pages exist, so the admin links only to addresses that answer.

SITE_URL names the public site for the API, feeds and sitemaps. Its local default is this project, which
serves the public reference site (the `website` app, issue #15) at the addresses every `public_url` names,
so "View site" and "View on site" open those pages. Another host is trusted to serve them; on this machine,
an address this project does not route (the `website` app left out of INSTALLED_APPS and the URLconf, for a
deployment where a separate frontend serves the pages elsewhere) falls back to the API, which answers.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.urls import Resolver404, resolve

# The addresses of this machine: a SITE_URL on one of them is this project or nothing.
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0"})


def is_served(url: str) -> bool:
    """Whether `url` leads to a page: another host is trusted; on this machine, this project must route it."""
    parts = urlsplit(url)
    if parts.hostname not in LOCAL_HOSTS:
        return True
    try:
        resolve(parts.path or "/")
    except Resolver404:
        return False
    return True


def public_or_api(public_url: str, api_url: str) -> str:
    """The public page when it is served, else the API's address of the same thing."""
    return public_url if is_served(public_url) else api_url
