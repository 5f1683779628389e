"""The admin at a laptop's 1366 px and a phone's 375 px: lists fit, filters are reachable, inline tables
scroll sideways with a hint, and the server-time note is said once."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import DESKTOP, PHONE, log_in
from tests.factories import (
    AuthorFactory,
    CrossPostFactory,
    EducationFactory,
    PositionFactory,
    PublicationFactory,
    SeriesFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalogue():
    """A list as editors see it: long titles, several authors, series, every state."""
    authors = [AuthorFactory(name=f"Syed Muhammad Ali Zubayr-Rahman {n}") for n in range(4)]
    series = SeriesFactory(name="Journal of Security and Strategic Analyses")
    topic = TopicFactory(name="Arms control and disarmament")
    publications = [
        PublicationFactory(
            title=f"Strategic stability in South Asia after the crisis of May, part {n}: lessons",
            authors=authors[: 1 + n % 4],
            series=series,
            topics=[topic],
            **({"published": True} if n % 2 else {}),
        )
        for n in range(12)
    ]
    for author in authors:
        PositionFactory(author=author, title="Senior Research Officer and Head of Nuclear Policy")
        EducationFactory(author=author)
    for n in range(3):
        CrossPostFactory(
            publication=publications[0], url=f"https://outlet.example.org/2025/05/a-long-path-{n}/"
        )
    return publications


def page_overflow(page) -> int:
    """How many pixels the page is wider than the window (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def hidden_width(box) -> int:
    """How many pixels of a box's content are out of sight to the right (0 when all of it shows)."""
    return box.evaluate("el => el.scrollWidth - el.clientWidth")


def scroll_hint(box):
    """The hint admin-desk.js puts just above a box that scrolls sideways."""
    return box.locator("xpath=preceding-sibling::*[1][contains(@class, 'scroll-hint')]")


@pytest.mark.parametrize("path", ["/admin/publications/publication/", "/admin/authors/author/"])
def test_lists_fit_a_1366_px_screen(admin_page, step, catalogue, path):
    page = admin_page
    assert page.viewport_size == DESKTOP

    page.goto(path)
    step(page, "list at 1366 px")

    assert page_overflow(page) == 0
    results = page.locator("#changelist-form .results")
    assert hidden_width(results) == 0, "every column of the list shows"
    assert not scroll_hint(results).is_visible()
    assert page.locator("#changelist-filter").is_visible()


@pytest.mark.parametrize("path", ["/admin/publications/publication/", "/admin/authors/author/"])
def test_lists_at_375_px_keep_their_filters_reachable(open_tab, desk_user, step, catalogue, path):
    page = open_tab(viewport=PHONE)
    log_in(page)

    page.goto(path)
    step(page, "list at 375 px")

    assert page_overflow(page) == 0
    filters, results = page.locator("#changelist-filter"), page.locator("#changelist-form .results")
    # The filters come before the rows, folded to their titles, so they are at hand.
    assert filters.bounding_box()["y"] < results.bounding_box()["y"]
    assert filters.bounding_box()["height"] < 400
    assert hidden_width(results) > 0
    assert scroll_hint(results).is_visible()
    first = filters.locator("details").first
    first.locator("summary").click()
    assert first.get_by_role("link").first.is_visible()
    step(page, "a filter opened", full_page=False)


def test_inline_tables_at_375_px_scroll_sideways_with_a_hint(open_tab, desk_user, step, catalogue):
    page = open_tab(viewport=PHONE)
    log_in(page)
    publication = catalogue[0]

    page.goto(f"/admin/publications/publication/{publication.pk}/change/")
    step(page, "publication form at 375 px")

    assert page_overflow(page) == 0
    for group in ("#authorships-group", "#cross_posts-group"):
        box = page.locator(group)
        assert hidden_width(box) > 0, f"{group} scrolls sideways inside itself"
        assert scroll_hint(box).is_visible()
    page.locator("#authorships-group").scroll_into_view_if_needed()
    page.locator("#authorships-group").evaluate("el => el.scrollBy(1000, 0)")
    step(page, "byline scrolled sideways", full_page=False)


def test_the_workflow_panels_comment_boxes_fit_a_375_px_screen(open_tab, desk_user, step):
    live = PublicationFactory(title="A live piece", published=True)
    page = open_tab(viewport=PHONE)
    log_in(page)

    page.goto(f"/admin/publications/publication/{live.pk}/change/")
    step(page, "workflow panel at 375 px", full_page=False)

    assert page_overflow(page) == 0
    for box in ("#workflow-withdraw-comment", "#workflow-correct-comment"):
        assert page.locator(box).evaluate("el => el.getBoundingClientRect().right") <= PHONE["width"]


def test_the_server_time_note_appears_once_on_a_form_with_dated_rows(open_tab, desk_user, step, catalogue):
    # Five hours from Karachi (the server's TIME_ZONE), as the issue saw it.
    page = open_tab(timezone_id="Europe/London")
    log_in(page)
    publication = catalogue[0]

    page.goto(f"/admin/publications/publication/{publication.pk}/change/")
    page.locator("#cross_posts-group .add-row a").click()
    step(page, "form with dated rows")

    notes = page.locator(".timezonewarning")
    assert notes.count() >= 5  # published_at, three cross-posts, the added row (and the template row)
    assert [notes.nth(i).is_visible() for i in range(notes.count())].count(True) == 1
    assert "behind server time" in page.locator(".timezonewarning:visible").inner_text()
