"""The bare app of the warm table: the same bytes as the API, from memory, under the same gunicorn.

`make bench` stores each benchmarked URL's answer in a JSON file (BENCH_BARE_BODIES) and serves this app
the same way as the API; a cache hit is compared with it. Nothing is computed per request: a dict lookup.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable

StartResponse = Callable[[str, list[tuple[str, str]]], object]


def load(path: str) -> dict[str, bytes]:
    with open(path) as file:
        return {url: body.encode() for url, body in json.load(file).items()}


class Bare:
    def __init__(self, bodies: dict[str, bytes]) -> None:
        self.bodies = bodies

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        query = environ.get("QUERY_STRING", "")
        url = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
        body = self.bodies.get(url)
        if body is None:
            start_response("404 Not Found", [("Content-Length", "0")])
            return [b""]
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


# The bench's own process configuration (the file it wrote), not an application setting.
application = Bare(load(os.environ["BENCH_BARE_BODIES"])) if os.environ.get("BENCH_BARE_BODIES") else None
