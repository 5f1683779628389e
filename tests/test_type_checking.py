"""The type-checking policy `make lint` enforces: mypy with the Django and DRF plugins over every app, and no
error silenced wholesale. (mypy itself runs in `make lint`; these checks keep its configuration honest.)"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
MYPY = PYPROJECT["tool"]["mypy"]
# A `# type: ignore` with its error codes, then its reason on the same line or on the comment line above.
IGNORE = re.compile(r"#\s*type:\s*ignore(?P<codes>\[[a-z-]+(?:,\s*[a-z-]+)*\])?(?P<rest>.*)$")


def _lint_recipe() -> list[str]:
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = lines.index("lint: install") + 1
    recipe = []
    for line in lines[start:]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return recipe


def test_make_lint_runs_mypy_with_its_configuration():
    assert "$(PY) -m mypy" in _lint_recipe()


def test_mypy_checks_every_app_with_the_django_and_drf_plugins():
    assert set(MYPY["files"]) == set(PYPROJECT["tool"]["importlinter"]["root_packages"])
    assert MYPY["plugins"] == ["mypy_django_plugin.main", "mypy_drf_plugin.main"]
    assert PYPROJECT["tool"]["django-stubs"]["django_settings_module"] == "cissapi.settings"
    assert MYPY["check_untyped_defs"] is True
    assert MYPY["warn_unused_ignores"] is True


def test_no_error_is_silenced_wholesale():
    assert "disable_error_code" not in MYPY
    assert "ignore_errors" not in MYPY
    for override in MYPY.get("overrides", []):
        # Only libraries without type information may be skipped, never a module of ours.
        assert set(override) == {"module", "ignore_missing_imports"}, override
        assert not any(module.split(".")[0] in MYPY["files"] for module in override["module"]), override


def test_every_type_ignore_names_its_codes_and_says_why():
    unexplained = []
    for package in MYPY["files"]:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            lines = path.read_text().splitlines()
            for number, line in enumerate(lines, start=1):
                match = IGNORE.search(line)
                if match is None:
                    continue
                reason_beside = match["rest"].strip().startswith("#")
                reason_above = number > 1 and lines[number - 2].strip().startswith("#")
                if not match["codes"] or not (reason_beside or reason_above):
                    unexplained.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not unexplained, "\n".join(unexplained)
