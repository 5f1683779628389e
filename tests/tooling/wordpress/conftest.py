"""Test exports: the small WordPress site in files/site.xml, and variants of it written per test."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image as PILImage

FILES = Path(__file__).resolve().parent / "files"
SITE = FILES / "site.xml"


@pytest.fixture
def site_xml() -> str:
    """The text of the test site's export (WXR 1.2, `http` namespace, UTF-8)."""
    return SITE.read_text(encoding="utf-8")


@pytest.fixture
def write_export(tmp_path):
    """Write an export's text (or bytes) to a file and return its path."""

    def write(content: str | bytes, name: str = "export.xml") -> Path:
        path = tmp_path / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        return path

    return write


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def uploads(tmp_path):
    """A copy of the site's wp-content/uploads with the one image the export names."""
    folder = tmp_path / "uploads"
    (folder / "2021" / "03").mkdir(parents=True)
    PILImage.new("RGB", (60, 40), "navy").save(folder / "2021" / "03" / "ship.jpg")
    return folder
