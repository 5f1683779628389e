"""The review workflow in a real browser, each role in its own tab: a contributor drafts and submits, an
editor sends it back with a comment, the contributor fixes and resubmits, the editor approves and a
publisher publishes."""

from __future__ import annotations

import importlib

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from publications.models import Publication
from tests.e2e.admin_pages import add_byline_row, save, success_message, type_in_editor
from tests.e2e.conftest import log_in
from tests.factories import AuthorFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-test-password"


def roles() -> None:
    """The groups migrations 0011_workflow, 0027_media_roles and 0028_author_roles make: the flush after each
    browser test empties the tables (Django makes the permissions again, not the groups), so they are made
    here as they do."""
    workflow = importlib.import_module("publications.migrations.0011_workflow")
    media = importlib.import_module("publications.migrations.0027_media_roles")
    authors = importlib.import_module("publications.migrations.0028_author_roles")
    for name, codes in workflow.ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in [*codes, *media.MEDIA_ROLES[name], *authors.AUTHOR_ROLES.get(name, [])]:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def person(username: str, group: str):
    user = get_user_model().objects.create_user(username, f"{username}@ciss.example", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def tab_of(open_tab, username: str):
    page = open_tab()
    log_in(page, username=username, password=PASSWORD)
    return page


def take(page, action: str, comment: str | None = None) -> str:
    """Press a workflow button of the change page (with its comment) and return the message shown."""
    form = page.locator(f"#workflow-{action}")
    if comment is not None:
        form.locator("textarea").fill(comment)
    form.get_by_role("button").click()
    return success_message(page)


def test_contributor_submits_editor_sends_back_contributor_resubmits_publisher_publishes(open_tab, step):
    roles()
    person("carla", "contributors")
    person("edwin", "editors")
    person("petra", "publishers")

    AuthorFactory(name="Carla Mendes")
    carla = tab_of(open_tab, "carla")
    carla.goto("/admin/publications/publication/add/")
    carla.locator("#id_title").fill("Water and power in the Indus basin")
    type_in_editor(carla, "body", "A first draft.")
    # A byline, so the piece passes the pre-publish check when a publisher takes it live.
    add_byline_row(carla, "Carla Mendes")
    step(carla, "contributor drafts")
    save(carla, "Save and continue editing")
    assert "was added successfully" in success_message(carla)
    assert carla.locator("#workflow-approve").count() == 0 and carla.locator("#workflow-publish").count() == 0
    assert "in review" in take(carla, "submit")
    step(carla, "contributor submitted")
    piece = Publication.objects.get(title="Water and power in the Indus basin")
    change_url = f"/admin/publications/publication/{piece.pk}/change/"

    edwin = tab_of(open_tab, "edwin")
    assert "1 publication waiting for you" in edwin.locator("#waiting-for-me").inner_text()
    edwin.locator("#waiting-for-me").click()
    edwin.get_by_role("link", name="Water and power in the Indus basin").click()
    assert edwin.locator("#workflow-publish").count() == 0
    take(edwin, "send_back", "Please cite the 2023 treaty review.")
    step(edwin, "editor sent it back")

    carla.goto(change_url)
    assert "Please cite the 2023 treaty review." in carla.locator(".workflow-returned").inner_text()
    step(carla, "contributor reads the comment")
    type_in_editor(carla, "body", " The 2023 treaty review agrees.")
    save(carla, "Save and continue editing")
    take(carla, "submit")

    edwin.goto(change_url)
    take(edwin, "approve")
    step(edwin, "editor approved")

    petra = tab_of(open_tab, "petra")
    petra.goto(change_url)
    assert "live" in take(petra, "publish")
    step(petra, "publisher published")
    history = petra.locator(".workflow-history")
    history.locator("summary").click()
    step(petra, "workflow history")
    assert history.locator("tbody tr").count() == 5

    piece.refresh_from_db()
    assert piece.is_live and "treaty review agrees" in piece.body
    assert petra.request.get(f"/api/v1/publications/{piece.slug}/").status == 200
