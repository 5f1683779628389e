"""An editor's day in the admin, in a real browser: draft, byline, publish, and what the public then sees."""

from __future__ import annotations

import pytest

from publications.models import Publication
from tests.e2e.admin_pages import (
    add_byline_row,
    byline_names,
    choose,
    drag_row,
    paste_in_editor,
    run_action,
    save,
    success_message,
    type_in_editor,
)
from tests.e2e.conftest import update_docs_screenshot
from tests.factories import AuthorFactory, ImageFactory, PositionFactory, PublicationFactory, TopicFactory

pytestmark = pytest.mark.django_db(transaction=True)

CHANGELIST = "/admin/publications/publication/"


@pytest.fixture
def contributors():
    return [
        AuthorFactory(name="Amna Qureshi", slug="amna-qureshi"),
        AuthorFactory(name="Bilal Zubayr", slug="bilal-zubayr"),
        AuthorFactory(name="Sadia Tasleem", slug="sadia-tasleem"),
        AuthorFactory(name="Haris Khan", slug="haris-khan"),
    ]


def test_draft_a_piece_drag_its_byline_pass_the_pre_publish_check_and_read_it_in_the_api_and_feed(
    admin_page, step, contributors
):
    page = admin_page
    TopicFactory(name="Nuclear deterrence", slug="nuclear-deterrence")
    title = "Deterrence after the May crisis"

    # A draft with formatting and a link (pasted, as from Google Docs), but nobody on the byline yet.
    page.goto(f"{CHANGELIST}add/")
    page.locator("#id_type").select_option(label="Issue brief")
    page.locator("#id_title").fill(title)
    type_in_editor(page, "body", "What changed in May for the astronauts of deterrence:")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+b")
    page.keyboard.type("Everything")
    page.keyboard.press("Control+b")
    page.keyboard.press("Enter")
    paste_in_editor(
        page,
        "body",
        '<p>See <a href="https://www.iaea.org/newscenter">the IAEA\'s <i>statement</i></a>.</p>',
    )
    choose(page, "id_topics", "Nuclear deterrence")
    step(page, "draft filled in without a byline")
    save(page, "Save and continue editing")
    assert "was added successfully" in success_message(page)
    publication = Publication.objects.get(title=title)
    assert "<strong>Everything</strong>" in publication.body
    assert (
        'href="https://www.iaea.org/newscenter"' in publication.body
        and "<em>statement</em>" in publication.body
    )

    # The pre-publish check blocks it: no byline. There is nothing to confirm.
    run_action(page, CHANGELIST, [title], "publish")
    blocked = page.locator("ul.publish-blocked")
    assert "No author: add at least one to the byline." in blocked.inner_text()
    assert page.get_by_role("button", name="Yes, publish").count() == 0
    step(page, "pre-publish check blocks a piece without a byline")

    # Three authors, saved, then the third dragged to the top.
    page.goto(f"{CHANGELIST}{publication.pk}/change/")
    for author in contributors[:3]:
        add_byline_row(page, author.name)
    save(page, "Save and continue editing")
    assert "was changed successfully" in success_message(page)
    assert byline_names(page) == ["Dr Amna Qureshi", "Dr Bilal Zubayr", "Dr Sadia Tasleem"]
    drag_row(page, "authorships-group", 2, 0)
    assert byline_names(page) == ["Dr Sadia Tasleem", "Dr Amna Qureshi", "Dr Bilal Zubayr"]
    step(page, "third author dragged to the top")
    save(page, "Save and continue editing")
    assert slugs(publication) == ["sadia-tasleem", "amna-qureshi", "bilal-zubayr"]

    # A fourth author joins the saved piece and goes last.
    add_byline_row(page, "Haris Khan")
    save(page, "Save and continue editing")
    assert "was changed successfully" in success_message(page)
    assert slugs(publication) == ["sadia-tasleem", "amna-qureshi", "bilal-zubayr", "haris-khan"]
    # The publication form as the README's admin section shows it.
    update_docs_screenshot(step(page, "saved with four authors"), "publication-form.png")

    # The API does not know a draft.
    assert page.request.get(f"/api/v1/publications/{publication.slug}/").status == 404

    # Now only a warning is left (no summary): it goes live with an explicit "publish anyway".
    run_action(page, CHANGELIST, [title], "publish")
    assert page.get_by_role("heading", name="Publish the selected publications?").is_visible()
    assert "No summary" in page.locator("ul.publish-live-now").inner_text()
    page.get_by_label("Publish anyway, without what is listed").check()
    step(page, "publish confirmation with a warning overridden")
    page.get_by_role("button", name="Yes, publish").click()
    page.wait_for_load_state()
    assert "Published or scheduled 1 publication(s)." in success_message(page)
    step(page, "published")

    byline = ["sadia-tasleem", "amna-qureshi", "bilal-zubayr", "haris-khan"]
    detail = page.request.get(f"/api/v1/publications/{publication.slug}/")
    assert detail.status == 200
    document = detail.json()
    assert document["title"] == title
    assert [author["slug"] for author in document["authors"]] == byline
    assert [topic["slug"] for topic in document["topics"]] == ["nuclear-deterrence"]

    feed = page.request.get("/feeds/json/").json()
    (item,) = [item for item in feed["items"] if item["title"] == title]
    assert [author["name"] for author in item["authors"]] == [
        "Sadia Tasleem",
        "Amna Qureshi",
        "Bilal Zubayr",
        "Haris Khan",
    ]

    # The changelist finds it by another form of a word in its body ("astronaut", typed "astronauts").
    page.goto(CHANGELIST)
    page.locator("#searchbar").fill("astronaut")
    page.locator("#searchbar").press("Enter")
    page.wait_for_load_state()
    assert page.locator("#result_list tbody tr th").all_inner_texts() == [title]
    step(page, "changelist search by a stemmed body word")


def slugs(publication: Publication) -> list[str]:
    return [a.author.slug for a in publication.authorships.order_by("position").select_related("author")]


def test_edit_an_authors_photo_and_positions_and_drag_the_positions(admin_page, step, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    author = AuthorFactory(name="Amna Qureshi", slug="amna-qureshi")
    PositionFactory(author=author, title="Research Officer", organization="CISS", is_current=False)
    PublicationFactory(published=True, authors=[author])
    # The photo is chosen from the media library (uploaded there first).
    portrait = ImageFactory(alt="Amna Qureshi, portrait")
    page = admin_page

    page.goto(f"/admin/authors/author/{author.pk}/change/")
    step(page, "author form")
    choose(page, "id_photo", "Amna Qureshi, portrait")
    page.locator("#id_positions-0-title").fill("Senior Research Officer")
    page.locator("#positions-group .add-row a").click()
    page.locator("#id_positions-1-title").fill("Visiting Fellow")
    page.locator("#id_positions-1-organization").fill("King's College London")
    page.locator("#id_positions-1-is_current").check()
    step(page, "photo and positions edited")
    save(page, "Save and continue editing")
    assert "was changed successfully" in success_message(page)
    author.refresh_from_db()
    assert author.photo_id == portrait.pk

    # The new position was saved last; dragged to the top, it leads the bio.
    drag_row(page, "positions-group", 1, 0)
    step(page, "current position dragged to the top")
    save(page, "Save and continue editing")
    assert "was changed successfully" in success_message(page)
    step(page, "saved")

    document = page.request.get("/api/v1/authors/amna-qureshi/").json()
    assert [(p["title"], p["organization"]) for p in document["positions"]] == [
        ("Visiting Fellow", "King's College London"),
        ("Senior Research Officer", "CISS"),
    ]


def test_choose_picks_an_author_in_an_autocomplete_row(admin_page, contributors):
    """The select2 helper the flows rely on fills the hidden <select> the form posts."""
    page = admin_page
    page.goto(f"{CHANGELIST}add/")
    choose(page, "id_authorships-0-author", "Sadia Tasleem")

    assert page.locator("#id_authorships-0-author").input_value() == str(contributors[2].pk)
