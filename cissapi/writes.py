"""Whether a service is making the current write, so the receivers that route bare saves stand aside.

A service (`publication_update`, `author_update`, ...) runs every side effect of its write in its own body.
The `post_save`/`post_delete` receivers exist only so that a bare `save()` or `delete()` (a shell, a
factory, a script) is not missed; while a service writes, they must not run the same side effects again.
A context variable rather than a flag on the instance, because a service also saves related rows (a
byline, topic links) whose receivers must stand aside too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_service_writing: ContextVar[bool] = ContextVar("service_writing", default=False)


@contextmanager
def service_write() -> Iterator[None]:
    """Mark the writes made inside the block as a service's: it runs their side effects itself."""
    token = _service_writing.set(True)
    try:
        yield
    finally:
        _service_writing.reset(token)


def is_bare_write() -> bool:
    """Whether the write a signal reports was made outside every service (its side effects are yet to run)."""
    return not _service_writing.get()
