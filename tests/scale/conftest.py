"""Tests on real engines (Redis, a streaming replica, Varnish): marked `scale`, run by `make test-scale`
(which .ci/run calls) rather than `make test`, since starting the engines takes minutes, not seconds."""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.scale)
