"""Who may keep author bios, as the real admin pages answer each role: editors (and publishers) add and change
authors and their rows, publishers alone move them to the trash, contributors only read them for bylines,
and never an author's private email."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from authors.models import Author, Position
from authors.revisions import revisions_of
from authors.services import author_update
from tests.authors.test_admin import author_post
from tests.factories import AuthorFactory, PositionFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:authors_author_add")
CHANGELIST = reverse("admin:authors_author_changelist")


def change_url(author: Author) -> str:
    return reverse("admin:authors_author_change", args=[author.pk])


@pytest.fixture
def roles(member_of):
    return {name: member_of(name) for name in ("contributors", "editors", "publishers")}


def as_user(client, user):
    client.force_login(user)
    return client


def posted(response) -> dict[str, Any]:
    """The change form of `response` as a browser posts it untouched: its fields and every inline's rows."""
    data: dict[str, Any] = {}

    def add(bound) -> None:
        value = bound.value()
        if isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(item) for item in value]
        elif value is not None:
            data[bound.html_name] = str(value)

    for bound in response.context["adminform"].form:
        add(bound)
    for inline in response.context["inline_admin_formsets"]:
        for bound in inline.formset.management_form:
            add(bound)
        for form in inline.formset.forms:
            for bound in form:
                add(bound)
    return data


def with_new_position(data: dict[str, Any], title: str) -> dict[str, Any]:
    index = int(data["positions-TOTAL_FORMS"])
    return data | {
        "positions-TOTAL_FORMS": str(index + 1),
        f"positions-{index}-title": title,
        f"positions-{index}-is_current": "on",
        f"positions-{index}-position": "",
    }


def test_the_migration_gives_editors_and_publishers_the_bio_and_publishers_the_trash():
    def codes(name: str) -> set[str]:
        return set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))

    bio = {"add_author", "change_author", "view_author", "add_outlet"} | {
        f"{verb}_{model}"
        for model in ("position", "education", "work", "authorlink")
        for verb in ("add", "change", "delete", "view")
    }
    assert bio <= codes("editors") and "delete_author" not in codes("editors")
    assert bio | {"delete_author"} <= codes("publishers")
    assert codes("contributors") & (bio | {"delete_author"}) == {"view_author"}


@pytest.mark.parametrize("role", ["editors", "publishers"])
def test_an_editor_opens_an_author_saves_and_adds_a_position(client, roles, role):
    author = AuthorFactory(headline="Research Officer")
    PositionFactory(author=author, title="Research Officer")
    client = as_user(client, roles[role])

    page = client.get(change_url(author))
    assert page.status_code == 200
    assert page.context["has_change_permission"] and page.context["inline_admin_formsets"]
    saved = client.post(
        change_url(author), with_new_position(posted(page) | {"headline": "Director"}, "Senior Fellow")
    )

    assert saved.status_code == 302, saved.context["errors"]
    author.refresh_from_db()
    assert author.headline == "Director"
    assert [p.title for p in author.positions.all()] == ["Research Officer", "Senior Fellow"]
    assert revisions_of(author).first().history_user == roles[role]


def test_an_editor_removes_a_position_and_adds_an_author(client, roles):
    author = AuthorFactory()
    PositionFactory(author=author, title="Intern")
    client = as_user(client, roles["editors"])

    data = posted(client.get(change_url(author))) | {"positions-0-DELETE": "on"}
    assert client.post(change_url(author), data).status_code == 302
    assert not Position.objects.filter(author=author).exists()
    assert client.get(ADD).status_code == 200
    assert client.post(ADD, author_post()).status_code == 302
    assert Author.objects.filter(slug="mobeen-jafar-mir").exists()


def test_an_editor_may_add_an_outlet_for_the_bios_picker(client, roles):
    client = as_user(client, roles["editors"])
    assert client.get(reverse("admin:taxonomy_outlet_add")).status_code == 200
    assert client.get(reverse("admin:taxonomy_outlet_changelist")).status_code == 200


def test_an_editors_stale_save_is_refused_and_their_revisions_restore(client, roles):
    author = AuthorFactory(headline="Research Officer")
    author_update(author=author)
    client = as_user(client, roles["editors"])
    mine = posted(client.get(change_url(author))) | {"short_bio": "Works on arms control."}

    author_update(author=author, by=roles["publishers"], headline="Senior Research Officer")
    refused = client.post(change_url(author), mine)

    assert refused.status_code == 200
    [error] = refused.context["adminform"].form.non_field_errors()
    assert error.startswith(f"Someone else ({roles['publishers']}) saved this author at ")
    author.refresh_from_db()
    assert author.headline == "Senior Research Officer"

    revisions = client.get(reverse("admin:authors_author_revisions", args=[author.pk]))
    assert revisions.status_code == 200 and revisions.context["can_restore"]
    oldest = revisions_of(author).last()
    restored = client.post(reverse("admin:authors_author_restore", args=[author.pk, oldest.history_id]))
    assert restored.status_code == 302
    author.refresh_from_db()
    assert author.headline == "Research Officer"


def test_only_a_publisher_moves_an_author_to_the_trash_and_back(client, roles):
    author = AuthorFactory()
    delete = reverse("admin:authors_author_delete", args=[author.pk])

    assert as_user(client, roles["editors"]).post(delete, {"post": "yes"}).status_code == 403
    assert Author.objects.get(pk=author.pk).trashed_at is None

    client = as_user(client, roles["publishers"])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert Author.objects.get(pk=author.pk).trashed_at is not None
    client.post(f"{CHANGELIST}?trash=1", {"action": "restore", "_selected_action": [author.pk]})
    assert Author.objects.get(pk=author.pk).trashed_at is None


def test_a_contributor_reads_authors_for_bylines_but_changes_none(client, roles):
    author = AuthorFactory(headline="Research Officer")
    client = as_user(client, roles["contributors"])

    page = client.get(change_url(author))
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert client.post(change_url(author), {"headline": "Director"}).status_code == 403
    assert client.get(ADD).status_code == 403
    assert Author.objects.get(pk=author.pk).headline == "Research Officer"
    # The byline's picker still finds them.
    picked = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "publications", "model_name": "publicationauthor", "field_name": "author",
         "term": author.name},
    )  # fmt: skip
    assert [row["id"] for row in picked.json()["results"]] == [str(author.pk)]


# --- The private email ------------------------------------------------------------------------------------


def test_a_contributor_never_sees_an_authors_email(client, roles):
    author = AuthorFactory(email="private.address@ciss.example")
    author_update(author=author, by=roles["editors"], email="new.private@ciss.example")
    client = as_user(client, roles["contributors"])

    pages = [
        client.get(change_url(author)),
        client.get(CHANGELIST),
        client.get(reverse("admin:authors_author_revisions", args=[author.pk])),
    ]
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        assert "private.address" not in html and "new.private" not in html
    # An address typed into a search finds nobody: it would tell whose it is.
    assert list(client.get(CHANGELIST, {"q": "new.private@ciss.example"}).context["cl"].result_list) == []
    picked = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "publications", "model_name": "publicationauthor", "field_name": "author",
         "term": "new.private"},
    )  # fmt: skip
    assert picked.status_code == 200 and picked.json()["results"] == []


def test_an_editor_sees_and_searches_an_authors_email(client, roles):
    author = AuthorFactory(email="private.address@ciss.example")
    client = as_user(client, roles["editors"])

    assert client.get(change_url(author)).context["adminform"].form["email"].value() == (
        "private.address@ciss.example"
    )
    found = client.get(CHANGELIST, {"q": "private.address@ciss.example"}).context["cl"].result_list
    assert list(found) == [author]
    author_update(author=author, by=roles["editors"], email="new.private@ciss.example")
    revisions = client.get(reverse("admin:authors_author_revisions", args=[author.pk])).content.decode()
    assert "new.private@ciss.example" in revisions
