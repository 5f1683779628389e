"""An editor's day in the admin, in a real browser: draft, byline, publish, and what the public then sees."""

from __future__ import annotations

import pytest

from publications.models import Publication
from tests.e2e.admin_pages import (
    add_byline_row,
    choose,
    fill_publication,
    run_action,
    save,
    success_message,
)
from tests.factories import AuthorFactory, PositionFactory, PublicationFactory, TopicFactory

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


def test_draft_a_piece_with_three_authors_add_a_fourth_publish_it_and_read_it_in_the_api_and_feed(
    admin_page, step, contributors
):
    page = admin_page
    TopicFactory(name="Nuclear deterrence", slug="nuclear-deterrence")

    page.goto(f"{CHANGELIST}add/")
    fill_publication(
        page,
        title="Deterrence after the May crisis",
        type_label="Issue brief",
        body="<h2>Background</h2><p>What <em>changed</em> in May.</p>",
        topic="Nuclear deterrence",
    )
    for author in contributors[:3]:
        add_byline_row(page, author.name)
    step(page, "new publication filled in")
    save(page, "Save and continue editing")
    assert "was added successfully" in success_message(page)
    step(page, "saved as draft")

    publication = Publication.objects.get(title="Deterrence after the May crisis")
    assert publication.slug == "deterrence-after-the-may-crisis"
    assert publication.status == Publication.Status.DRAFT
    assert [a.author.slug for a in publication.authorships.order_by("position")] == [
        "amna-qureshi",
        "bilal-zubayr",
        "sadia-tasleem",
    ]

    # A fourth author joins the saved piece and goes last.
    add_byline_row(page, "Haris Khan")
    step(page, "fourth author added")
    save(page, "Save and continue editing")
    assert "was changed successfully" in success_message(page)
    step(page, "saved with four authors")

    # The API does not know a draft.
    assert page.request.get(f"/api/v1/publications/{publication.slug}/").status == 404

    run_action(page, CHANGELIST, [publication.title], "publish")
    assert page.get_by_role("heading", name="Publish the selected publications?").is_visible()
    step(page, "publish confirmation")
    page.get_by_role("button", name="Yes, publish").click()
    page.wait_for_load_state()
    assert "Published or scheduled 1 publication(s)." in success_message(page)
    step(page, "published")

    byline = ["amna-qureshi", "bilal-zubayr", "sadia-tasleem", "haris-khan"]
    detail = page.request.get(f"/api/v1/publications/{publication.slug}/")
    assert detail.status == 200
    document = detail.json()
    assert document["title"] == "Deterrence after the May crisis"
    assert [author["slug"] for author in document["authors"]] == byline
    assert [topic["slug"] for topic in document["topics"]] == ["nuclear-deterrence"]

    feed = page.request.get("/feeds/json/").json()
    (item,) = [item for item in feed["items"] if item["title"] == "Deterrence after the May crisis"]
    assert [author["name"] for author in item["authors"]] == [
        "Amna Qureshi",
        "Bilal Zubayr",
        "Sadia Tasleem",
        "Haris Khan",
    ]


def test_edit_an_authors_positions_inline(admin_page, step):
    author = AuthorFactory(name="Amna Qureshi", slug="amna-qureshi")
    PositionFactory(author=author, title="Research Officer", organization="CISS", is_current=False)
    PublicationFactory(published=True, authors=[author])
    page = admin_page

    page.goto(f"/admin/authors/author/{author.pk}/change/")
    step(page, "author form")
    page.locator("#id_positions-0-title").fill("Senior Research Officer")
    page.locator("#positions-group .add-row a").click()
    page.locator("#id_positions-1-title").fill("Visiting Fellow")
    page.locator("#id_positions-1-organization").fill("King's College London")
    page.locator("#id_positions-1-is_current").check()
    step(page, "positions edited")
    save(page, "Save and continue editing")
    assert "was changed successfully" in success_message(page)
    step(page, "saved")

    document = page.request.get("/api/v1/authors/amna-qureshi/").json()
    assert {(p["title"], p["organization"]) for p in document["positions"]} == {
        ("Senior Research Officer", "CISS"),
        ("Visiting Fellow", "King's College London"),
    }


def test_choose_picks_an_author_in_an_autocomplete_row(admin_page, contributors):
    """The select2 helper the flows rely on fills the hidden <select> the form posts."""
    page = admin_page
    page.goto(f"{CHANGELIST}add/")
    choose(page, "id_authorships-0-author", "Sadia Tasleem")

    assert page.locator("#id_authorships-0-author").input_value() == str(contributors[2].pk)
