"""The publication list's author filter in the browser: a search box of authors, not a link per author."""

from __future__ import annotations

import pytest

from tests.e2e.admin_pages import choose
from tests.factories import AuthorFactory, PublicationFactory

pytestmark = pytest.mark.django_db(transaction=True)

CHANGELIST = "/admin/publications/publication/"


def listed_titles(page) -> list[str]:
    return page.locator("#result_list tbody th a").all_inner_texts()


def test_typing_an_authors_name_lists_their_pieces_and_keeps_the_other_filters(admin_page, step):
    writers = [AuthorFactory(name=f"Writer {n}", honorific="") for n in range(40)]
    for writer in writers:
        PublicationFactory(title=f"By {writer.name}", authors=[writer], published=True)
    sadia = AuthorFactory(name="Sadia Tasleem", honorific="")
    PublicationFactory(title="Deterrence stability", authors=[sadia], published=True)
    PublicationFactory(title="An unfinished draft", authors=[sadia])
    page = admin_page

    page.goto(f"{CHANGELIST}?state=live")
    sidebar = page.locator("#changelist-filter")
    # No link per author: the box, and "All" and "-" as links.
    assert sidebar.get_by_role("link", name="Writer 3").count() == 0
    step(page, "author filter is a search box")

    choose(page, "author-filter-box", "Sadia Tasleem")
    page.wait_for_url("**authors__id__exact=*")
    step(page, "an author chosen")
    assert listed_titles(page) == ["Deterrence stability"]  # the state filter (live) was kept
    assert "Sadia Tasleem" in sidebar.locator(".select2-selection__rendered").inner_text()

    sidebar.locator('details[data-filter-title="authors"]').get_by_role("link", name="All").click()
    page.wait_for_url(lambda url: "authors__id__exact" not in url)
    assert len(listed_titles(page)) == 41
