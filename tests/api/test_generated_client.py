"""A client generated from the served schema type-checks a frontend's use of it (issue 14).

openapi-python-client generates the client from /api/v1/schema/ as the package `cissapi_client` (cached under
var/generated-client/ by the schema's hash: generating takes seconds); mypy --strict then checks
tests/api/client_consumer.py against it. Fields typed `str | Unset` where the server always sends them, a
nullable image typed as always present, or a key demanded for anonymous reads all fail here.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

CONSUMER = Path(__file__).with_name("client_consumer.py")
CACHE = Path(settings.BASE_DIR) / "var" / "generated-client"
# No post hooks: the generator's default runs ruff, which is a formatting nicety and need not be on PATH.
GENERATOR_CONFIG = (
    "package_name_override: cissapi_client\nproject_name_override: cissapi-client\npost_hooks: []\n"
)


def generated_client(schema: dict) -> Path:
    """The directory holding the generated `cissapi_client` package for `schema`."""
    text = json.dumps(schema, sort_keys=True)
    digest = hashlib.sha256((text + GENERATOR_CONFIG).encode()).hexdigest()[:16]
    root = CACHE / digest
    if (root / "cissapi_client" / "__init__.py").exists():
        return root
    root.mkdir(parents=True, exist_ok=True)
    (root / "schema.json").write_text(text)
    (root / "config.yml").write_text(GENERATOR_CONFIG)
    generator = Path(sys.executable).with_name("openapi-python-client")
    result = subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(root / "schema.json"),
            "--meta",
            "none",
            "--output-path",
            str(root / "cissapi_client"),
            "--config",
            str(root / "config.yml"),
            "--overwrite",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"openapi-python-client failed:\n{result.stdout}\n{result.stderr}"
    return root


def test_a_generated_client_type_checks_the_consumer_script(client):
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    root = generated_client(response.json())

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--follow-imports=silent",
            "--no-error-summary",
            "--cache-dir",
            str(CACHE / "mypy-cache"),
            "--config-file",
            os.devnull,
            str(CONSUMER),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "MYPYPATH": str(root)},
    )

    assert result.returncode == 0, f"mypy on {CONSUMER.name} with the generated client:\n{result.stdout}"
