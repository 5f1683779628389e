"""A preview link in a real browser: the admin's Preview button shows the draft's JSON, and the same link
stops working once it has expired."""

from __future__ import annotations

import json
import time

import pytest

from tests.factories import AuthorFactory, PublicationFactory

pytestmark = pytest.mark.django_db(transaction=True)

# Long enough to open the link, short enough to wait out.
EXPIRY_SECONDS = 8


def shown_json(page) -> dict:
    """The JSON document Chromium shows as text."""
    return json.loads(page.locator("body").inner_text())


def test_a_preview_link_shows_the_drafts_json_and_stops_after_its_expiry(admin_page, step, settings):
    settings.PREVIEW_TOKEN_HOURS = EXPIRY_SECONDS / 3600
    draft = PublicationFactory(
        title="Space debris and the outer space treaty",
        slug="space-debris",
        authors=[AuthorFactory(name="Amna Qureshi", slug="amna-qureshi")],
    )
    page = admin_page
    page.goto(f"/admin/publications/publication/{draft.pk}/change/")
    step(page, "draft change page")

    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Preview").click()
    preview = opened.value
    preview.wait_for_load_state()
    step(preview, "preview json")
    document = shown_json(preview)
    assert document["title"] == "Space debris and the outer space treaty"
    assert [author["slug"] for author in document["authors"]] == ["amna-qureshi"]
    assert document["preview"]["status"] == "draft"

    time.sleep(EXPIRY_SECONDS + 1)
    response = preview.reload()
    step(preview, "expired")
    assert response.status == 410
    assert "expired" in shown_json(preview)["detail"]
