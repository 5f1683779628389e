"""What an editor does on the admin's pages, as small steps the browser tests compose.

Written against the admin as it is: the byline and topics are autocomplete (select2) fields, the body a
ProseMirror editor (django-prose-editor) over a hidden textarea. When the editors' desk brings
drag-and-drop, the helpers that fill those parts change here and the flows that call them stay the same.
"""

from __future__ import annotations

from playwright.sync_api import Page


def choose(page: Page, select_id: str, text: str) -> None:
    """Pick `text` in the autocomplete (select2) widget of the <select id=select_id>."""
    page.locator(f"#{select_id} + .select2").click()
    # select2 focuses its search box on opening: one box per widget, inline or in the dropdown.
    page.keyboard.type(text)
    page.locator(".select2-results__option", has_text=text).first.click()


def fill_publication(page: Page, *, title: str, type_label: str, body: str, topic: str) -> None:
    """The main fields of a publication's add or change form."""
    page.locator("#id_type").select_option(label=type_label)
    page.locator("#id_title").fill(title)
    type_in_editor(page, "body", body)
    choose(page, "id_topics", topic)


def type_in_editor(page: Page, field: str, text: str) -> None:
    """Type `text` into the rich-text editor of the form field `field`, as an editor would."""
    # The editor's editable area sits in the same form row as the (hidden) textarea it writes back to.
    page.locator(f".field-{field} [contenteditable=true].ProseMirror").click()
    page.keyboard.type(text)


def add_byline_row(page: Page, author_name: str) -> None:
    """Put `author_name` on the byline, in a new row after the existing ones."""
    rows = page.locator("#authorships-group tr.form-row:not(.empty-form)")
    free = [i for i in range(rows.count()) if not rows.nth(i).locator("select[id$='-author']").input_value()]
    if free:
        row = rows.nth(free[0])
    else:
        page.locator("#authorships-group .add-row a").click()
        row = page.locator("#authorships-group tr.form-row:not(.empty-form)").last
    choose(page, row.locator("select[id$='-author']").get_attribute("id"), author_name)


def save(page: Page, button: str = "Save") -> None:
    """Press a submit button of the change form (the bottom row) and wait for the next page."""
    page.locator(".submit-row").last.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()


def run_action(page: Page, changelist_url: str, titles: list[str], action: str) -> None:
    """Select the rows with these titles on a changelist and run `action` (its value)."""
    page.goto(changelist_url)
    for title in titles:
        page.locator("#result_list tr", has_text=title).locator("input.action-select").check()
    page.locator("select[name=action]").select_option(action)
    page.locator("button[name=index]").click()
    page.wait_for_load_state()


def success_message(page: Page) -> str:
    return page.locator("ul.messagelist li.success").first.inner_text()
