"""What an editor does on the admin's pages, as small steps the browser tests compose.

Written against the admin as it is: the byline and topics are autocomplete (select2) fields, the body a
ProseMirror editor (django-prose-editor) over a hidden textarea, the byline and an author's rows ordered
by dragging (django-admin-sortable2: a saved row's handle is its first cell).
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


def paste_in_editor(page: Page, field: str, html: str) -> None:
    """Paste `html` at the cursor of the rich-text editor of `field` (focused by typing in it), as from a
    word processor's clipboard."""
    editor = page.locator(f".field-{field} [contenteditable=true].ProseMirror")
    editor.evaluate(
        """(element, html) => {
            const data = new DataTransfer();
            data.setData("text/html", html);
            const paste = {clipboardData: data, bubbles: true, cancelable: true};
            element.dispatchEvent(new ClipboardEvent("paste", paste));
        }""",
        html,
    )


def drag_row(page: Page, group: str, source: int, target: int) -> None:
    """Drag saved row number `source` of the inline `group` (its id, e.g. "authorships-group") onto
    row `target` (0-based), by its handle, with the mouse as an editor does."""
    rows = page.locator(f"#{group} .has_original")
    handle = rows.nth(source).locator("td.original p, h3").first
    to = rows.nth(target).locator("td.original p, h3").first
    box = to.bounding_box()
    assert box is not None
    # Onto the upper or lower part of the target, so the library puts the row before or after it.
    y = 2 if target < source else box["height"] - 2
    handle.drag_to(to, target_position={"x": box["width"] / 2, "y": y})


def byline_names(page: Page) -> list[str]:
    """The authors of the byline rows as the form shows them, top to bottom."""
    rows = page.locator("#authorships-group tr.form-row:not(.empty-form) .select2-selection__rendered")
    # select2 keeps the chosen name in the title (the text also holds its clear button).
    return [name for name in rows.evaluate_all("elements => elements.map(e => e.title)") if name]


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
