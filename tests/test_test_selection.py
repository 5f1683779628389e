"""`make test` and `make e2e` split the suite by the `e2e` marker: every test runs in exactly one of them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def collected(marker_expression: str, folder: str = "tests/e2e") -> set[str]:
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", marker_expression, folder],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    # Exit code 5 is "no tests collected", a legitimate answer for the expression that selects none.
    assert run.returncode in (0, 5), run.stdout + run.stderr
    return {line for line in run.stdout.splitlines() if "::" in line}


def test_every_browser_test_is_marked_e2e_and_left_out_of_make_test():
    marked = collected("e2e")

    assert len(marked) >= 10
    assert all(test.startswith("tests/e2e/") for test in marked)
    assert collected("not e2e") == set()


def test_every_engine_test_is_marked_scale_and_left_out_of_make_test():
    marked = collected("scale", "tests/scale")

    assert len(marked) >= 10
    assert all(test.startswith("tests/scale/") for test in marked)
    assert collected("not e2e and not scale", "tests/scale") == set()
