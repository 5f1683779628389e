"""gzip for what machines read in bulk (the API, the feeds, the sitemaps and robots.txt) and the public
site's pages.

Django's GZipMiddleware, limited to those paths. The admin is left alone: its pages carry CSRF tokens next
to text an attacker can choose, the mix that compression-ratio attacks (BREACH) read secrets from; the
public answers hold no secret. Static files are compressed ahead of time by whitenoise.

The ETag stays the hash of the uncompressed body (cissapi.api.http_caching), made weak (`W/"..."`) on a
compressed answer as RFC 9110 8.8.1 asks; If-None-Match compares weakly, so the client's copy, compressed
or not, still gets a 304, and the 304 names the ETag in the form the client holds.
"""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.utils.cache import patch_vary_headers

COMPRESSED_PATHS = re.compile(
    r"^/(api/|feeds/|sitemap[-a-z]*\.xml$|robots\.txt$"
    # The public site's pages (issue #15): public text and no form tokens, so nothing for BREACH to read.
    r"|$|publications/|authors/|topics/|series/|search/)"
)


class PublicGZipMiddleware(GZipMiddleware):
    """GZipMiddleware on the API, feeds, sitemaps, robots.txt and the public site's pages only."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if not COMPRESSED_PATHS.match(request.path_info):
            return response
        if response.status_code == 304:
            return self.not_modified(request, response)
        return super().process_response(request, response)

    def not_modified(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        """A 304 has no body to compress, but names the ETag the 200 would have: weak for a gzip client."""
        patch_vary_headers(response, ("Accept-Encoding",))
        etag = response.get("ETag")
        if (
            etag
            and etag.startswith('"')
            and re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", ""))
        ):
            response.headers["ETag"] = "W/" + etag
        return response
