"""Revisions, autosave and the edit conflict in a real browser: the history's diff and a restore, an
autosave that leaves the live piece alone, and two publishers saving the same piece."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model

from publications.models import Publication
from publications.revisions import revisions_of
from tests.e2e.admin_pages import drag_row, save, success_message
from tests.e2e.conftest import log_in
from tests.factories import AuthorFactory, PublicationAuthorFactory, PublicationFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def piece() -> Publication:
    publication = PublicationFactory(title="Space Treaty", body="<p>One.</p><p>Two.</p>")
    for position, name in enumerate(["Asma Khalid", "Bilal Ahmad"]):
        PublicationAuthorFactory(
            publication=publication, author=AuthorFactory(name=name, honorific=""), position=position
        )
    return publication


def change_url(publication: Publication) -> str:
    return f"/admin/publications/publication/{publication.pk}/change/"


def byline(publication: Publication) -> list[str]:
    return [row.author.name for row in publication.authorships.order_by("position")]


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_the_history_shows_the_diff_and_a_restore_brings_back_title_and_byline_order(admin_page, step, piece):
    page = admin_page
    before = revisions_of(piece).first()
    page.goto(change_url(piece))
    page.locator("#id_title").fill("The Outer Space Treaty")
    drag_row(page, "authorships-group", 0, 1)
    save(page, "Save and continue editing")
    assert "was changed successfully" in success_message(page)
    assert byline(piece) == ["Bilal Ahmad", "Asma Khalid"]

    page.get_by_role("link", name="Revisions").click()
    newest = page.locator("section.revision").first
    assert newest.locator(".revision-field-title td").all_inner_texts() == [
        "Space Treaty",
        "The Outer Space Treaty",
    ]
    assert newest.locator(".revision-field-byline td").nth(1).locator("li").all_inner_texts() == [
        "Bilal Ahmad",
        "Asma Khalid",
    ]
    step(page, "revisions with the diff")

    page.locator(f"#revision-{before.history_id}").get_by_role("button", name="Restore this version").click()
    page.wait_for_load_state()
    assert "Restored the version of" in success_message(page)
    step(page, "restored")
    piece.refresh_from_db()
    assert piece.title == "Space Treaty"
    assert byline(piece) == ["Asma Khalid", "Bilal Ahmad"]
    assert page.locator("#id_title").input_value() == "Space Treaty"


def test_autosave_keeps_the_typing_leaves_the_live_piece_and_is_offered_again(admin_page, step, piece):
    page = admin_page
    page.clock.install()
    page.goto(change_url(piece))
    page.wait_for_timeout(800)  # the form's baseline is taken once the editor has started
    page.locator("#id_title").fill("Half-typed title")
    page.clock.fast_forward("00:31")
    wait_for(lambda: piece.history.filter(is_autosave=True).exists())
    step(page, "autosaved")
    autosave = piece.history.get(is_autosave=True)
    assert autosave.title == "Half-typed title"
    piece.refresh_from_db()
    assert piece.title == "Space Treaty"

    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    page.reload()
    assert dialogs == ["beforeunload"]
    offer = page.locator("ul.messagelist li.warning").first
    assert "autosaved" in offer.inner_text()
    step(page, "autosave offered")
    offer.get_by_role("link", name="Compare and restore them").click()
    page.locator(f"#autosave-{autosave.history_id}").get_by_role(
        "button", name="Restore this autosave"
    ).click()
    page.wait_for_load_state()
    piece.refresh_from_db()
    assert piece.title == "Half-typed title"


def test_two_publishers_provoke_the_conflict_message_with_both_versions(open_tab, desk_user, step, piece):
    get_user_model().objects.create_superuser("saima", "saima@ciss.example", "another-long-password")
    mine, theirs = open_tab(), open_tab()
    log_in(mine)
    log_in(theirs, username="saima", password="another-long-password")
    mine.goto(change_url(piece))
    theirs.goto(change_url(piece))

    theirs.locator("#id_title").fill("Saima's title")
    save(theirs)
    step(theirs, "saima saved first")

    mine.locator("#id_title").fill("My title")
    save(mine)
    error = mine.locator(".errornote, ul.errorlist.nonfield").last.inner_text()
    assert "Someone else (saima) saved this publication" in mine.content()
    assert "changing Title" in mine.content(), error
    panel = mine.locator("section.edit-conflict")
    assert panel.locator(".revision-field-title td").all_inner_texts() == ["Saima's title", "My title"]
    step(mine, "conflict message")
    piece.refresh_from_db()
    assert piece.title == "Saima's title"
