"""PDFs readers download: refused when readers could not open them or opening them runs code; measured
(size and number of pages) so readers know what they get before they download it."""

from __future__ import annotations

import logging
import re
from typing import Any

from django.core.exceptions import ValidationError
from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, PyPdfError
from pypdf.generic import PdfObject

logger = logging.getLogger(__name__)

# What pypdf raises on a file it cannot read. DependencyError: an AES-encrypted file without the
# `cryptography` package (a dependency, so only if it goes missing): nothing can be said of it, and it stays
# downloadable. NotImplementedError: encryption other than by password (certificates, DRM servers).
UNREADABLE = (PyPdfError, DependencyError, NotImplementedError, ValueError, OSError, KeyError, TypeError)
# Actions that run something: scripts, or another program (/Launch). Written as names in the file; only
# objects outside compressed object streams are seen this way, and the catalog is read with pypdf too.
_RUNS_CODE = re.compile(rb"/(?:JavaScript|JS|Launch)(?=[\s()<>\[\]{}/%])")
_CODE_ACTIONS = {"/JavaScript", "/Launch"}

NEEDS_PASSWORD = (
    "This PDF needs a password to open, so readers could not open it. Upload a copy without an open "
    "password (restrictions on editing or printing may stay)."
)
NEEDS_CERTIFICATE = (
    "This PDF is encrypted for its recipients (with certificates or a rights server), so readers could "
    "not open it. Upload a copy saved without that security."
)
RUNS_CODE = (
    "This PDF runs JavaScript or starts a program when it is opened or clicked, which readers' browsers "
    "warn about or block. Export it again without form scripts or actions (or print it to PDF)."
)


def check_pdf(file: Any) -> None:
    """Refuse (ValidationError) a PDF that needs a password to open or that runs code. A file pypdf cannot
    read passes: it stays downloadable, unmeasured (pdf_page_count)."""
    try:
        file.seek(0)
        content = file.read()
        if _RUNS_CODE.search(content):
            raise ValidationError(RUNS_CODE, code="pdf_runs_code")
        file.seek(0)
        try:
            reader = PdfReader(file)
        except NotImplementedError as error:
            # pypdf knows only the standard (password) security handler; the others need what readers
            # do not have.
            raise ValidationError(NEEDS_CERTIFICATE, code="pdf_needs_certificate") from error
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise ValidationError(NEEDS_PASSWORD, code="pdf_needs_password")
        if _catalog_runs_code(reader):
            raise ValidationError(RUNS_CODE, code="pdf_runs_code")
    except UNREADABLE:
        logger.info("Could not check %s", getattr(file, "name", file), exc_info=True)
    finally:
        file.seek(0)


def pdf_page_count(file: Any) -> int | None:
    """The number of pages of the PDF in `file`, or None when pypdf cannot read it (it stays downloadable)."""
    try:
        file.seek(0)
        reader = PdfReader(file)
        # Optimization: the page tree's root says how many pages it holds. Counting them walks the whole
        # tree (4 s for 20,000 pages), so a long document would run past the request's time limit.
        pages = reader.root_object.get("/Pages")
        count = _dictionary(pages).get("/Count")
        if isinstance(count, int) and count >= 0:
            return count
        return len(reader.pages)
    except UNREADABLE:
        logger.warning("Could not count the pages of %s", getattr(file, "name", file), exc_info=True)
        return None
    finally:
        file.seek(0)


def _catalog_runs_code(reader: PdfReader) -> bool:
    """Whether the document runs a script or program on its own: when opened (/OpenAction), on a document
    event (/AA), or from its name tree of scripts."""
    catalog = reader.root_object
    names = _dictionary(catalog.get("/Names"))
    if "/JavaScript" in names:
        return True
    actions = [catalog.get("/OpenAction"), *_dictionary(catalog.get("/AA")).values()]
    return any(_dictionary(action).get("/S") in _CODE_ACTIONS for action in actions)


def _dictionary(value: Any) -> dict:
    """`value` (an object of the file, or a reference to one) if it is a dictionary, else an empty one."""
    value = value.get_object() if isinstance(value, PdfObject) else value
    return value if isinstance(value, dict) else {}
