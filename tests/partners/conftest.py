import datetime as dt

import pytest
import time_machine


@pytest.fixture
def mid_window():
    """Stop the clock 10 s into a minute and an hour, so fixed rate windows cannot roll over mid-test."""
    with time_machine.travel(dt.datetime(2026, 3, 2, 12, 0, 10, tzinfo=dt.UTC), tick=False) as traveller:
        yield traveller
