"""Editing an author's bio in the admin: inlines for positions, education, works and links."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from authors.models import Author
from authors.services import author_update
from tests.factories import AuthorFactory, OutletFactory, PublicationFactory, TopicFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:authors_author_add")
INLINES = ["positions", "education", "works", "links"]


def author_post(**inlines: list[dict[str, Any]]) -> dict[str, Any]:
    """The author add form's POST: the bio fields plus each inline's management form and rows."""
    data: dict[str, Any] = {
        "honorific": "Mr",
        "name": "Mobeen Jafar Mir",
        "slug": "mobeen-jafar-mir",
        "sort_name": "Mir, Mobeen Jafar",
        "headline": "Research Officer",
        "kind": Author.Kind.STAFF,
        "affiliation": Author.Affiliation.CURRENT,
        "short_bio": "",
        "bio": "",
        "email": "mobeen@ciss.example",
    }
    for prefix in INLINES:
        rows = inlines.get(prefix, [])
        data |= {
            f"{prefix}-TOTAL_FORMS": str(len(rows)),
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
        for index, row in enumerate(rows):
            data |= {f"{prefix}-{index}-{name}": value for name, value in row.items()}
    return data


def inline_errors(response, prefix: str) -> list[dict]:
    return next(
        f.formset.errors for f in response.context["inline_admin_formsets"] if f.formset.prefix == prefix
    )


def test_editor_creates_a_full_bio_with_inlines(editor_client):
    us_policy, arms_control = TopicFactory(name="U.S. foreign policy"), TopicFactory(name="Arms control")
    outlet = OutletFactory(name="South Asian Voices")

    response = editor_client.post(
        ADD,
        author_post(
            positions=[
                {"title": "Research Officer", "organization": "CISS", "is_current": "on", "position": "0"},
                {
                    "title": "Intern",
                    "organization": "ISSI",
                    "start_year": "2019",
                    "end_year": "2020",
                    "position": "1",
                },
            ],
            education=[
                {
                    "degree": "M.Phil.",
                    "field": "International Relations",
                    "institution": "Quaid-i-Azam University",
                    "status": "pursuing",
                    "position": "0",
                }
            ],
            links=[
                {"kind": "x", "url": "https://x.com/jafar_mobeen", "handle": "@jafar_mobeen", "position": "0"}
            ],
        )
        | {"interests": [us_policy.pk, arms_control.pk], "outlets": [outlet.pk]},
    )

    assert response.status_code == 302, response.context["errors"]
    author = Author.objects.get(slug="mobeen-jafar-mir")
    assert [(p.title, p.is_current) for p in author.positions.all()] == [
        ("Research Officer", True),
        ("Intern", False),
    ]
    assert [(e.degree, e.status) for e in author.education.all()] == [("M.Phil.", "pursuing")]
    assert [(link.kind, link.handle) for link in author.links.all()] == [("x", "@jafar_mobeen")]
    assert set(author.interests.all()) == {us_policy, arms_control}
    assert list(author.outlets.all()) == [outlet]


def test_invalid_isbn_is_a_form_error(editor_client):
    response = editor_client.post(
        ADD,
        author_post(
            works=[{"kind": "book", "title": "A Book", "isbn": "978-0-00-000000-1", "position": "0"}]
        ),
    )

    assert response.status_code == 200
    assert inline_errors(response, "works")[0]["isbn"] == ["Enter a valid ISBN-10 or ISBN-13."]
    assert not Author.objects.exists()


def test_current_position_with_an_end_year_is_a_form_error(editor_client):
    response = editor_client.post(
        ADD,
        author_post(
            positions=[{"title": "Director", "is_current": "on", "end_year": "2020", "position": "0"}]
        ),
    )

    assert response.status_code == 200
    assert inline_errors(response, "positions")[0]["end_year"] == ["A current position has no end year."]


def test_changelist_counts_publications_in_every_state(editor_client):
    author = AuthorFactory(name="Anum Riaz")
    AuthorFactory(name="Someone Else")
    PublicationFactory(published=True, authors=[author])
    PublicationFactory(authors=[author])  # a draft counts too: editors see their whole catalogue

    response = editor_client.get(reverse("admin:authors_author_changelist"), {"q": "Riaz"})

    assert response.status_code == 200
    assert [(a, a.publication_total) for a in response.context["cl"].result_list] == [(author, 2)]


def test_author_page_links_to_the_public_profile(editor_client, settings):
    settings.SITE_URL = "https://ciss.example"  # a deployed public site (test_admin_links.py: without one)
    author = AuthorFactory(slug="bilal-zubair")

    response = editor_client.get(reverse("admin:authors_author_change", args=[author.pk]))

    assert response.context["absolute_url"] == f"{settings.SITE_URL}/authors/bilal-zubair/"


def test_a_library_image_is_bounded_and_must_be_an_image(editor_client, settings, tmp_path):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image as PILImage

    from media.models import Image

    add = reverse("admin:media_image_add")
    settings.MEDIA_ROOT, settings.MAX_IMAGE_UPLOAD_BYTES = tmp_path, 1000
    buffer = io.BytesIO()
    PILImage.new("RGB", (2, 2), "blue").save(buffer, format="PNG")
    photo = buffer.getvalue()
    fields = {"alt": "A portrait", "caption": "", "credit": "", "focal_x": "0.5", "focal_y": "0.5"}

    too_big = editor_client.post(
        add, {**fields, "file": SimpleUploadedFile("me.png", photo.ljust(2048, b"\0"))}
    )
    not_an_image = editor_client.post(add, {**fields, "file": SimpleUploadedFile("me.png", b"MZ\x90\0")})
    fine = editor_client.post(add, {**fields, "file": SimpleUploadedFile("me.png", photo)})

    assert too_big.context["adminform"].form.errors["file"] == [
        "This file is 2.0\xa0KB; the most allowed is 1000\xa0bytes."
    ]
    assert not_an_image.context["adminform"].form.errors["file"] == [
        "This file is not an image the library can read. Upload a JPEG, PNG, GIF or WebP image (export other "
        "formats, such as SVG drawings or PDF pages, as one of these)."
    ]
    assert fine.status_code == 302
    image = Image.objects.get()
    assert image.file.read() == photo and (image.width, image.height) == (2, 2)


def test_a_stale_save_of_an_author_is_refused_with_who_saved_and_keeps_what_was_typed(editor_client, editor):
    editor_client.post(ADD, author_post())
    author = Author.objects.get(slug="mobeen-jafar-mir")
    change = reverse("admin:authors_author_change", args=[author.pk])
    loaded = editor_client.get(change).context["adminform"].form["loaded_revision"].value()

    # Someone else changes the headline after the editor opened the form.
    author_update(author=author, by=editor, headline="Senior Research Officer")
    mine = author_post() | {"short_bio": "Works on arms control.", "loaded_revision": loaded}
    refused = editor_client.post(change, mine)

    assert refused.status_code == 200
    [error] = refused.context["adminform"].form.non_field_errors()
    assert error.startswith("Someone else (editor) saved this author at ")
    assert refused.context["adminform"].form["short_bio"].value() == "Works on arms control."
    author.refresh_from_db()
    assert (author.headline, author.short_bio) == ("Senior Research Officer", "")
    # Reloaded, the form saves.
    reloaded = editor_client.get(change).context["adminform"].form["loaded_revision"].value()
    assert editor_client.post(change, mine | {"loaded_revision": reloaded}).status_code == 302


def test_the_author_pickers_autocomplete_pages_authors_in_order(editor_client):
    import warnings

    from django.core.paginator import UnorderedObjectListWarning

    names = [f"Writer {n:02d}" for n in range(25)]
    for name in reversed(names):
        AuthorFactory(name=name, honorific="")
    picker = {
        "app_label": "publications",
        "model_name": "publication",
        "field_name": "authors",
        "term": "Writer",
    }

    with warnings.catch_warnings():
        warnings.simplefilter("error", UnorderedObjectListWarning)
        pages = [
            editor_client.get(reverse("admin:autocomplete"), picker | {"page": page}).json()
            for page in (1, 2)
        ]

    assert [row["text"] for page in pages for row in page["results"]] == names
