"""Bound request bodies before anything parses them.

Editors upload images and PDFs in the admin, so a signed-in staff user there may send up to
MAX_REQUEST_BODY_BYTES. Everyone else, and every path outside the admin (the API and feeds are read-only),
gets MAX_ANONYMOUS_REQUEST_BODY_BYTES: enough for a login form, far too little to tie up a worker.

A declared Content-Length over the bound is refused without reading a byte. A chunked body (no
Content-Length) is read up to the bound and refused as soon as it passes it; one within the bound is kept
in a spooled file and handed on with its length, so Django can parse it (it reads no body without one).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import IO

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from cissapi.api.errorpages import MACHINE_PREFIXES
from cissapi.api.exceptions import problem_response

READ_CHUNK_BYTES = 64 * 1024


class RequestSizeMiddleware:
    """Answer 413 to a request body over its bound: problem+json under /api/ and /feeds/, plain text
    elsewhere."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        declared = (request.META.get("CONTENT_LENGTH") or "").strip()
        if declared:
            if not (declared.isascii() and declared.isdigit()):
                return self.refuse(request, 400, "The Content-Length header is not a byte count.")
            if self.is_too_large(request, int(declared)):
                return self.too_large(request)
        elif "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            # The buffer lives as long as the view that parses it.
            with tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE) as body:
                if not self.buffer_chunked_body(request, body):
                    return self.too_large(request)
                return self.get_response(request)
        return self.get_response(request)

    def is_too_large(self, request: HttpRequest, size: int) -> bool:
        """Whether a body of `size` bytes is over `request`'s bound.

        Optimization: a body within the small bound is fine for anyone, so only a larger one costs the
        session lookup that tells a staff user in the admin from anyone else.
        """
        if size <= settings.MAX_ANONYMOUS_REQUEST_BODY_BYTES:
            return False
        user = getattr(request, "user", None)
        is_editor = user is not None and user.is_active and user.is_staff
        in_admin = request.path.startswith(reverse("admin:index"))
        return size > (settings.MAX_REQUEST_BODY_BYTES if is_editor and in_admin else 0)

    def buffer_chunked_body(self, request: HttpRequest, body: IO[bytes]) -> bool:
        """Copy a chunked body into `body` up to its bound, and hand it on; False when it passes the bound."""
        stream = request.META["wsgi.input"]
        size = 0
        while chunk := stream.read(READ_CHUNK_BYTES):
            size += len(chunk)
            if self.is_too_large(request, size):
                return False
            body.write(chunk)
        body.seek(0)
        # Django reads a WSGI body only as far as CONTENT_LENGTH says; give it the length and the buffer.
        request.META["CONTENT_LENGTH"] = str(size)
        # Django reads any file-like body through LimitedStream; the stubs say BytesIO and BinaryIO only.
        request._stream = LimitedStream(body, size)  # type: ignore[assignment, arg-type]
        return True

    def too_large(self, request: HttpRequest) -> HttpResponse:
        return self.refuse(request, 413, "The request body is larger than this server accepts here.")

    def refuse(self, request: HttpRequest, status: int, detail: str) -> HttpResponse:
        if request.path.startswith(MACHINE_PREFIXES):
            return problem_response(request, status, detail)
        return HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")
