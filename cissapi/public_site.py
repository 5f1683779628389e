"""Whether SITE_URL's pages exist, so the admin links only to addresses that answer.

SITE_URL names the public site for the API, feeds and sitemaps. Until one is deployed (issue #15 adds one
served by this project), SITE_URL is left at its local default and its pages answer 404; the admin's
"View site" and "View on site" links then go to the API instead, which answers.
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
