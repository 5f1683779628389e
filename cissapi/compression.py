"""gzip for what machines read in bulk (the API, the feeds, the sitemaps and robots.txt) and the public
site's pages.

Django's GZipMiddleware, limited to those paths. The admin is left alone: its pages carry CSRF tokens next
to text an attacker can choose, the mix that compression-ratio attacks (BREACH) read secrets from; the
public answers hold no secret. Static files are compressed ahead of time by whitenoise.

The ETag stays the hash of the uncompressed body (cissapi.api.http_caching), made weak (`W/"..."`) on a
compressed answer as RFC 9110 8.8.1 asks; If-None-Match compares weakly, so the client's copy, compressed
or not, still gets a 304, and the 304 names the ETag in the form the client holds.

A body served many times (an early cache hit's kept bytes, cissapi.early_hits) is compressed once: its
response carries a CompressedOnce, and each answer gets the stream compressed the first time with the random
padding Django's BREACH mitigation gives every compressed answer (its length differs from one answer to the
next, as from the whole stack).
"""

from __future__ import annotations

import gzip
import re
import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.http.response import ResponseHeaders
from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.utils.cache import patch_vary_headers

COMPRESSED_PATHS = re.compile(
    r"^/(api/|feeds/|sitemap[-a-z]*\.xml$|robots\.txt$"
    # The public site's pages (issue #15): public text and no form tokens, so nothing for BREACH to read.
    r"|$|publications/|authors/|topics/|series/|search/)"
)


# Below this many bytes GZipMiddleware leaves a body as it is (not worth compressing).
SMALLEST_COMPRESSED = 200


class CompressedOnce:
    """A body and its gzip stream, compressed the first time a client accepts gzip and kept with it."""

    __slots__ = ("compressed", "content", "gzip")

    def __init__(self, content: bytes) -> None:
        self.content = content
        self.gzip: bytes | None = None
        # Told the stream's size once it is compressed (whoever keeps it counts the memory it takes).
        self.compressed: Callable[[int], None] | None = None

    def gzipped(self) -> bytes:
        """The stream django.utils.text.compress_string writes before it pads the header."""
        if self.gzip is None:
            # Two threads may both compress it the first time: the same bytes, either kept (and counted
            # twice by the keeper: an over-count, which only evicts sooner).
            self.gzip = gzip.compress(self.content, compresslevel=6, mtime=0)
            if self.compressed is not None:
                self.compressed(len(self.gzip))
        return self.gzip


class CompressedOnceResponse(HttpResponse):
    """A response whose body is `once.content`: PublicGZipMiddleware sends its stream compressed once."""

    def __init__(self, once: CompressedOnce, headers: dict[str, str] | ResponseHeaders) -> None:
        if not isinstance(headers, ResponseHeaders):
            super().__init__(once.content, headers=headers)
        else:
            super().__init__(once.content)
            default = self.headers["Content-Type"]
            # Headers checked and encoded once, when kept (an early hit's): copying their entries skips
            # doing that again on every answer. A copy: middleware above changes this response's own.
            self.headers._store = dict(headers._store)
            self.headers.setdefault("Content-Type", default)
        self.once = once


class PublicGZipMiddleware(GZipMiddleware):
    """GZipMiddleware on the API, feeds, sitemaps, robots.txt and the public site's pages only."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if not COMPRESSED_PATHS.match(request.path_info):
            return response
        if response.status_code == 304:
            return self.not_modified(request, response)
        # Unless a middleware in between replaced the body (then it is compressed as any other).
        if isinstance(response, CompressedOnceResponse) and response.content == response.once.content:
            return self.compressed_once(request, response)
        return super().process_response(request, response)

    def compressed_once(self, request: HttpRequest, response: CompressedOnceResponse) -> HttpResponseBase:
        """GZipMiddleware.process_response for a body that is not streamed, with the stream compressed once;
        tests/test_compression.py checks that both give the same bytes and headers."""
        content = response.once.content
        if len(content) < SMALLEST_COMPRESSED or response.has_header("Content-Encoding"):
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        if not re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            return response
        compressed = compressed_once_body(response.once, self.max_random_bytes)
        if compressed is None:
            return response
        response.content = compressed
        response.headers["Content-Length"] = str(len(compressed))
        etag = response.get("ETag")
        if etag and etag.startswith('"'):
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = "gzip"
        return response

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


def compressed_once_body(once: CompressedOnce, max_random_bytes: int) -> bytes | None:
    """The body PublicGZipMiddleware sends a gzip client for `once` (padded anew), or None when it sends it
    as is (too short, or longer compressed with this padding). Shared with cissapi.early_hits.EarlyHitApp,
    which must take the same decision."""
    if len(once.content) < SMALLEST_COMPRESSED:
        return None
    compressed = padded(once.gzipped(), max_random_bytes)
    return compressed if len(compressed) < len(once.content) else None


def padded(stream: bytes, max_random_bytes: int) -> bytes:
    """A gzip stream with Django's BREACH padding (django.utils.text.compress_string): a file name field of
    0 to max_random_bytes - 1 bytes, chosen anew for each answer."""
    if not max_random_bytes:
        return stream
    header = bytearray(stream[:10])
    header[3] = gzip.FNAME
    return b"".join((header, b"a" * secrets.randbelow(max_random_bytes), b"\x00", memoryview(stream)[10:]))
