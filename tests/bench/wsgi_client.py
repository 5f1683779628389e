"""A minimal in-process WSGI client, enough to call the floor as the test client calls Django."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import orjson


@dataclass
class Response:
    status_code: int
    content: bytes
    headers: dict[str, str]

    def json(self):
        return orjson.loads(self.content)


class WSGIClient:
    def __init__(self, app: Callable, host: str = "testserver") -> None:
        self.app, self.host = app, host

    def get(self, url: str) -> Response:
        parts = urlsplit(url)
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": parts.path,
            "QUERY_STRING": parts.query,
            "HTTP_HOST": self.host,
            "SERVER_NAME": self.host,
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
        }
        captured: dict = {}

        def start_response(status: str, headers: list[tuple[str, str]]) -> None:
            captured["status"], captured["headers"] = status, dict(headers)

        content = b"".join(self.app(environ, start_response))
        return Response(int(captured["status"].split()[0]), content, captured["headers"])
