"""What a PDF's readers are told before they download it: its size and number of pages."""

from __future__ import annotations

import logging
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PyPdfError

logger = logging.getLogger(__name__)


def pdf_page_count(file: Any) -> int | None:
    """The number of pages of the PDF in `file`, or None when pypdf cannot read it (it stays downloadable)."""
    try:
        file.seek(0)
        return len(PdfReader(file).pages)
    except (PyPdfError, ValueError, OSError):
        logger.warning("Could not count the pages of %s", getattr(file, "name", file), exc_info=True)
        return None
    finally:
        file.seek(0)
