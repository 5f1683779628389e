"""Drag-and-drop ordering in the admin (django-admin-sortable2): the byline and an author's rows, posted as
the library's script posts them (saved rows numbered 1, 2, 3... in the dragged order, new rows blank)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from authors.models import Author
from publications.models import Publication
from tests.authors.test_admin import author_post
from tests.factories import AuthorFactory, PositionFactory, PublicationFactory
from tests.publications.test_admin import (
    ADD,
    assert_deferred_constraints_hold,
    change_url,
    edit_byline,
    positions,
    publication_post,
)

pytestmark = pytest.mark.django_db


def test_the_byline_is_draggable_and_its_position_hidden(editor_client):
    publication = PublicationFactory(authors=[AuthorFactory(), AuthorFactory()])

    page = editor_client.get(change_url(publication)).content.decode()

    group = re.search(r'<fieldset class="([^"]*)"[^>]*aria-labelledby="authorships-heading"', page)
    assert group is not None and "sortable" in group.group(1).split()
    assert re.search(r'<input type="hidden" name="authorships-0-position"[^>]*class="_reorder_"', page)
    # The role says it does not follow the order.
    assert "Independent of the order" in page


def test_the_byline_sits_after_the_title_and_summary_and_before_the_body(editor_client):
    page = editor_client.get(change_url(PublicationFactory())).content.decode()

    title, summary = page.index('name="title"'), page.index('name="summary"')
    byline, body = page.index('id="authorships-group"'), page.index('name="body"')
    editors_only, cross_posts = page.index("Editors only"), page.index('id="cross_posts-group"')
    assert title < summary < byline < body < editors_only < cross_posts


def test_a_dragged_byline_is_saved_in_the_dragged_order_with_a_new_author_last(editor_client):
    one, two, three = AuthorFactory(name="One"), AuthorFactory(name="Two"), AuthorFactory(name="Three")
    publication = PublicationFactory(authors=[one, two, three])
    rows = {row.author.name: row for row in publication.authorships.select_related("author")}

    # "Three" dragged to the top: the script renumbers every saved row 1, 2, 3; the new row stays blank.
    response = edit_byline(
        editor_client,
        publication,
        [
            {"id": rows["Three"].pk, "author": three.pk, "position": "1"},
            {"id": rows["One"].pk, "author": one.pk, "position": "2"},
            {"id": rows["Two"].pk, "author": two.pk, "position": "3"},
            {"author": AuthorFactory(name="Four").pk, "position": ""},
        ],
    )

    assert response.status_code == 302, response.context["errors"]
    assert_deferred_constraints_hold()
    assert positions(publication) == [("Three", 0), ("One", 1), ("Two", 2), ("Four", 3)]


def test_three_new_authors_of_a_new_piece_keep_their_row_order(editor_client):
    # New rows cannot be dragged before the first save; they are numbered in the order they were added.
    names = ["First", "Second", "Third"]
    authors = [AuthorFactory(name=name) for name in names]

    response = editor_client.post(
        ADD,
        publication_post(
            authorships=[{"author": author.pk, "role": "author", "position": ""} for author in authors]
        ),
    )

    assert response.status_code == 302, response.context["errors"]
    assert_deferred_constraints_hold()
    publication = Publication.objects.get()
    assert positions(publication) == [("First", 0), ("Second", 1), ("Third", 2)]


def author_change_post(author: Author, **inlines: list[dict]) -> dict:
    """The change form's POST for a saved author: bio fields, and rows with "id" counted as saved ones."""
    data = author_post(**inlines) | {"name": author.name, "slug": author.slug, "sort_name": author.sort_name}
    for prefix, rows in inlines.items():
        data[f"{prefix}-INITIAL_FORMS"] = str(sum(1 for row in rows if "id" in row))
    return data


def test_an_authors_positions_are_saved_in_the_dragged_order_with_a_new_one_last(editor_client):
    author = AuthorFactory()
    older = PositionFactory(author=author, title="Intern", is_current=False, position=0)
    newer = PositionFactory(author=author, title="Research Officer", position=0)
    url = reverse("admin:authors_author_change", args=[author.pk])

    page = editor_client.get(url).content.decode()
    assert re.search(
        r'<fieldset class="([^"]*\bsortable\b[^"]*)"[^>]*aria-labelledby="positions-heading"', page
    )

    response = editor_client.post(
        url,
        author_change_post(
            author,
            positions=[
                {
                    "id": newer.pk,
                    "author": author.pk,
                    "title": newer.title,
                    "is_current": "on",
                    "position": "1",
                },
                {"id": older.pk, "author": author.pk, "title": older.title, "position": "2"},
                {"author": author.pk, "title": "Director", "is_current": "on", "position": ""},
            ],
        ),
    )

    assert response.status_code == 302, response.context["errors"]
    assert list(author.positions.values_list("title", flat=True)) == [
        "Research Officer",
        "Intern",
        "Director",
    ]
