"""Calls recorded on their way through: for tests of work done once per process rather than per request."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock


@contextmanager
def recorded_calls(
    owner: object, name: str, record: Callable[..., Any] = lambda *args, **kwargs: args
) -> Iterator[list[Any]]:
    """What `record` makes of each call to `owner.name` inside the block (a method's arguments start with its
    instance), in order; every call goes on to the original."""
    calls: list[Any] = []
    original = getattr(owner, name)

    def recording(*args: Any, **kwargs: Any) -> Any:
        calls.append(record(*args, **kwargs))
        return original(*args, **kwargs)

    with mock.patch.object(owner, name, recording):
        yield calls
