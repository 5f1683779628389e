from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from pypdf import PdfWriter

from publications.models import Publication
from publications.readiness import PublicationNotReady
from publications.services import publication_delete, publication_publish, publication_update
from tests.factories import ImageFactory, PublicationFactory

pytestmark = pytest.mark.django_db


def pdf_bytes(pages: int) -> bytes:
    from io import BytesIO

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_publishing_a_piece_whose_lead_image_lacks_alt_text_is_refused():
    piece = PublicationFactory(ready=True, lead_image=ImageFactory(alt=""))

    # The pre-publish check (publications.readiness) blocks on the media library's alt-text rule.
    with pytest.raises(PublicationNotReady) as refused:
        publication_publish(publication=piece)

    (problem,) = refused.value.messages
    assert "The lead image" in problem
    assert "has no alt text" in problem


def test_publishing_a_piece_with_a_body_image_without_alt_text_is_refused():
    piece = PublicationFactory(ready=True, body='<p>Text</p><img src="/media/images/2026/a.jpg" alt="">')

    with pytest.raises(PublicationNotReady) as refused:
        publication_publish(publication=piece)

    assert refused.value.messages == ["An image in the body (/media/images/2026/a.jpg) has no alt text."]


def test_a_piece_whose_images_all_have_alt_text_is_published():
    piece = PublicationFactory(
        ready=True,
        lead_image=ImageFactory(alt="A rocket"),
        body='<p>The launch.</p><img src="/media/a.jpg" alt="A launch pad">',
    )

    publication_publish(publication=piece)

    assert piece.is_live


def test_a_stored_pdf_keeps_its_size_and_page_count(_media_root):
    piece = PublicationFactory()
    content = pdf_bytes(3)

    piece.pdf = ContentFile(content, name="paper.pdf")
    publication_update(publication=piece)

    piece.refresh_from_db()
    assert (piece.pdf_size, piece.pdf_pages) == (len(content), 3)


def test_a_drafts_pdf_is_stored_at_an_address_no_one_can_guess_from_its_name(_media_root):
    # The file is served as soon as it is stored, while its piece may be a draft under embargo: an address
    # made of the year and the name the editor gave it ("annual-report.pdf") would be found by guessing.
    first, second = PublicationFactory(), PublicationFactory()
    for piece in (first, second):
        piece.pdf = ContentFile(pdf_bytes(1), name="annual-report.pdf")
        publication_update(publication=piece)

    names = [Publication.objects.get(pk=piece.pk).pdf.name for piece in (first, second)]
    year = f"{timezone.now():%Y}"
    for name in names:
        directory, _, filename = name.rpartition("/")
        assert filename == "annual-report.pdf"  # readers still download it under its name
        assert directory.startswith(f"publications/pdf/{year}/")
        assert len(directory.removeprefix(f"publications/pdf/{year}/")) >= 16
        assert (_media_root / name).is_file()
    assert names[0].rpartition("/")[0] != names[1].rpartition("/")[0]


def test_a_deleted_piece_leaves_no_pdf_behind(_media_root, django_capture_on_commit_callbacks):
    piece = PublicationFactory()
    piece.pdf = ContentFile(pdf_bytes(1), name="paper.pdf")
    publication_update(publication=piece)
    stored = _media_root / piece.pdf.name
    assert stored.exists()

    with django_capture_on_commit_callbacks(execute=True):
        publication_delete(publication=piece)

    assert not stored.exists()


def test_a_piece_whose_stored_pdf_went_missing_can_still_be_edited(_media_root):
    # Rows restored or imported without their files: the name is stored, the file is not.
    piece = PublicationFactory(pdf="publications/pdf/2026/gone.pdf", pdf_size=None)

    piece.summary = "A corrected summary."
    publication_update(publication=piece)

    piece.refresh_from_db()
    assert (piece.summary, piece.pdf.name, piece.pdf_size) == (
        "A corrected summary.",
        "publications/pdf/2026/gone.pdf",
        None,
    )
