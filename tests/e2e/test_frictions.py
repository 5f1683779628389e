"""The admin's small frictions of issue #11, seen in the browser."""

from __future__ import annotations

import pytest

from tests.e2e.admin_pages import save
from tests.factories import AuthorFactory, PublicationFactory

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n%%EOF\n"


def test_deleting_a_live_piece_warns_and_counts_byline_entries(admin_page, step):
    publication = PublicationFactory(published=True, authors=[AuthorFactory() for _ in range(4)])
    page = admin_page

    page.goto(f"/admin/publications/publication/{publication.pk}/change/")
    page.get_by_role("link", name="Delete").first.click()
    step(page, "delete confirmation")

    assert page.locator(".live-warning").inner_text().startswith(f"“{publication.title}” is live.")
    assert "4 byline entries" in page.locator(".delete-summary").inner_text()


def test_a_chosen_pdf_is_named_when_the_form_comes_back_with_errors(admin_page, step, tmp_path):
    pdf = tmp_path / "brief.pdf"
    pdf.write_bytes(PDF)
    page = admin_page

    page.goto("/admin/publications/publication/add/")
    page.locator("#id_title").fill("Brief with a PDF")
    # Published without a time is a form error.
    page.locator("#id_status").select_option(label="Published")
    page.get_by_text("Identifiers and files").click()
    page.locator("#id_pdf").set_input_files(str(pdf))
    save(page)
    step(page, "form with errors")

    assert "Set when it goes live" in page.locator(".field-published_at .errorlist").inner_text()
    assert page.locator("ul.messagelist li.warning").inner_text().startswith("Not saved: brief.pdf.")
    # The browser did empty the file input, as the message says.
    assert page.locator("#id_pdf").evaluate("input => input.files.length") == 0


def test_view_site_opens_something_that_answers(admin_page, live_server, settings):
    # SITE_URL names this project, as its default does; here the project answers at the live server's port.
    settings.SITE_URL = live_server.url
    page = admin_page
    page.reload()  # the index the fixture opened was rendered with the default SITE_URL

    page.get_by_role("link", name="View site").click()
    page.wait_for_load_state()

    assert page.url == f"{live_server.url}/"
    assert page.get_by_role("heading", level=1).inner_text() == "Center for International Strategic Studies"
