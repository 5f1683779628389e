"""The media library in a real browser: upload, renditions by the worker, lead image, publish, API."""

from __future__ import annotations

import pytest

from media.models import Image
from media.tasks import make_renditions
from publications.models import Publication
from tests.e2e.admin_pages import choose, run_action, save, success_message
from tests.e2e.conftest import update_docs_screenshot
from tests.factories import PublicationFactory, image_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def test_upload_an_image_choose_it_as_lead_image_publish_and_see_renditions(
    admin_page, step, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    page = admin_page
    piece = PublicationFactory(title="Space diplomacy", ready=True, body="<p>Text.</p>")
    photo = tmp_path / "launch.jpg"
    photo.write_bytes(image_bytes(1800, 1000))

    page.goto("/admin/media/image/add/")
    page.locator("#id_file").set_input_files(str(photo))
    page.locator("#id_alt").fill("A rocket lifting off")
    page.locator("#id_caption").fill("The launch")
    page.locator("#id_focal_x").fill("0.7")
    save(page)
    assert "was added successfully" in success_message(page)
    # The worker's job, run here as the worker would.
    image = Image.objects.get()
    make_renditions(image_id=image.pk)
    page.goto("/admin/media/image/")
    step(page, "media library")
    update_docs_screenshot(step(page, "media library changelist", full_page=False), "media-library.png")

    page.goto(f"/admin/publications/publication/{piece.pk}/change/")
    choose(page, "id_lead_image", "A rocket")
    # The body editor's figure dialog: Browse... opens the library's picker; choosing fills the dialog.
    page.locator(".field-body [contenteditable=true].ProseMirror").click()
    page.locator(".field-body button[title=figure]").click()
    with page.expect_popup() as popup_info:
        page.get_by_role("button", name="Browse...").click()
    picker = popup_info.value
    picker.wait_for_load_state()
    step(picker, "library picker")
    picker.locator(".media-picker-choice").first.click()
    step(page, "figure dialog filled from the library")
    page.get_by_role("button", name="Insert", exact=True).click()
    save(page, "Save and continue editing")
    assert "was changed successfully" in success_message(page)
    step(page, "lead image chosen and body image inserted")
    body = Publication.objects.get(pk=piece.pk).body
    assert f'src="{image.file.url}"' in body and 'alt="A rocket lifting off"' in body

    run_action(page, "/admin/publications/publication/", [piece.title], "publish")
    page.get_by_role("button", name="Yes, publish").click()
    step(page, "published")

    assert Publication.objects.get(pk=piece.pk).is_live
    document = page.request.get(f"/api/v1/publications/{piece.slug}/").json()
    assert document["image"]["alt"] == "A rocket lifting off"
    assert 'srcset="' in document["body"] and 'width="1800"' in document["body"]
    assert [(r["width"], r["format"]) for r in document["image"]["renditions"]] == [
        (320, "jpeg"), (320, "webp"), (640, "jpeg"), (640, "webp"),
        (1024, "jpeg"), (1024, "webp"), (1600, "jpeg"), (1600, "webp"),
    ]  # fmt: skip
