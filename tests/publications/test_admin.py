"""The editors' workflow in the publication admin, driven through real admin POSTs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from publications.models import CrossPost, Publication
from taxonomy.models import Outlet
from tests.factories import (
    AuthorFactory,
    CrossPostFactory,
    OutletFactory,
    PublicationFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:publications_publication_changelist")
ADD = reverse("admin:publications_publication_add")


def change_url(publication: Publication) -> str:
    return reverse("admin:publications_publication_change", args=[publication.pk])


def inline(prefix: str, rows: list[dict[str, Any]], *, initial: int = 0) -> dict[str, Any]:
    """The POST data of an admin inline: its management form and one block of fields per row."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


def publication_post(
    *,
    authorships: list[dict[str, Any]] = (),
    cross_posts: list[dict[str, Any]] = (),
    initial_authorships: int = 0,
    initial_cross_posts: int = 0,
    **fields: Any,
) -> dict[str, Any]:
    """What the publication change form posts: its fields plus both inlines."""
    data = {
        "type": Publication.Type.COMMENTARY,
        "title": "Pakistan and the Outer Space Treaty",
        "subtitle": "",
        "slug": "pakistan-and-the-outer-space-treaty",
        "summary": "",
        "body": "<p>Text.</p>",
        "language": "en",
        "status": Publication.Status.DRAFT,
        "published_at_0": "",
        "published_at_1": "",
        "loaded_updated_at": "",
        "series": "",
        "volume": "",
        "issue": "",
        "image_caption": "",
        "image_credit": "",
        "image_alt": "",
        "doi": "",
        "report_number": "",
        "internal_notes": "",
        **fields,
    }
    data.update(inline("authorships", list(authorships), initial=initial_authorships))
    data.update(inline("cross_posts", list(cross_posts), initial=initial_cross_posts))
    return data


def byline(publication: Publication) -> list[str]:
    return [a.author.name for a in publication.authorships.order_by("position")]


def assert_deferred_constraints_hold() -> None:
    # Tests never commit, so Postgres would not run the deferred byline-order check; this runs it now.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def formset(response, prefix: str):
    return next(f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == prefix)


# --- Creating and editing ------------------------------------------------------------------------------


def test_editor_creates_publication_with_ordered_authors_topics_and_cross_post(editor_client):
    first, second, third = (
        AuthorFactory(name="Created First"),
        AuthorFactory(name="Created Second"),
        (AuthorFactory(name="Created Third")),
    )
    space, diplomacy = TopicFactory(name="Space policy"), TopicFactory(name="Diplomacy")
    response = editor_client.post(
        reverse("admin:taxonomy_outlet_add"),
        {
            "name": "Strafasia",
            "slug": "strafasia",
            "homepage": "https://strafasia.com/",
            "domain": "strafasia.com",
        },
    )
    assert response.status_code == 302
    strafasia = Outlet.objects.get(slug="strafasia")

    # The byline is chosen by position, not by the order of the rows or of the authors' creation.
    response = editor_client.post(
        ADD,
        publication_post(
            topics=[space.pk, diplomacy.pk],
            authorships=[
                {"author": first.pk, "role": "co_author", "position": "3"},
                {"author": second.pk, "role": "author", "position": "1"},
                {"author": third.pk, "role": "co_author", "position": "2"},
            ],
            cross_posts=[
                {
                    "outlet": strafasia.pk,
                    "url": "https://strafasia.com/pakistan-and-the-outer-space-treaty/",
                    "relation": CrossPost.Relation.ANOTHER_FORM,
                    "published_on": "2025-03-05",
                }
            ],
        ),
    )

    assert response.status_code == 302, response.context["errors"]
    publication = Publication.objects.get(slug="pakistan-and-the-outer-space-treaty")
    assert byline(publication) == ["Created Second", "Created Third", "Created First"]
    assert list(publication.authorships.order_by("position").values_list("position", "role")) == [
        (0, "author"),
        (1, "co_author"),
        (2, "co_author"),
    ]
    assert set(publication.topics.all()) == {space, diplomacy}
    cross_post = publication.cross_posts.get()
    assert (cross_post.outlet, cross_post.relation, cross_post.is_canonical, cross_post.published_on) == (
        strafasia,
        CrossPost.Relation.ANOTHER_FORM,
        False,
        dt.date(2025, 3, 5),
    )
    assert publication.status == Publication.Status.DRAFT


def test_editor_swaps_two_authors_in_one_save(editor_client):
    first, second, third = AuthorFactory(name="One"), AuthorFactory(name="Two"), AuthorFactory(name="Three")
    publication = PublicationFactory(authors=[first, second, third])
    rows = list(publication.authorships.order_by("position"))
    loaded = editor_client.get(change_url(publication)).context["adminform"].form["loaded_updated_at"].value()

    response = editor_client.post(
        change_url(publication),
        publication_post(
            title=publication.title,
            slug=publication.slug,
            loaded_updated_at=loaded,
            initial_authorships=3,
            authorships=[
                {
                    "id": row.pk,
                    "publication": publication.pk,
                    "author": row.author_id,
                    "role": row.role,
                    "position": str(new_position),
                }
                for row, new_position in zip(rows, [1, 0, 2], strict=True)
            ],
        ),
    )

    assert response.status_code == 302, response.context["errors"]
    assert_deferred_constraints_hold()
    assert byline(publication) == ["Two", "One", "Three"]


# --- Bad input gets a form error, never a 500 ------------------------------------------------------------


def test_duplicate_slug_is_a_form_error(editor_client):
    PublicationFactory(slug="taken")

    response = editor_client.post(ADD, publication_post(slug="taken"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["slug"] == ["Publication with this Slug already exists."]
    assert Publication.objects.count() == 1


def test_second_canonical_cross_post_in_one_submission_is_a_form_error(editor_client):
    outlet = OutletFactory()
    canonical = {"outlet": outlet.pk, "relation": CrossPost.Relation.ORIGINAL_ELSEWHERE, "is_canonical": "on"}

    response = editor_client.post(
        ADD,
        publication_post(
            cross_posts=[
                {**canonical, "url": "https://outlet.example.org/a/"},
                {**canonical, "url": "https://outlet.example.org/b/"},
            ]
        ),
    )

    assert response.status_code == 200
    assert formset(response, "cross_posts").non_form_errors() == [
        "Only one cross-post can be the canonical source."
    ]
    assert not Publication.objects.exists()


def test_malformed_cross_post_url_is_a_form_error(editor_client):
    response = editor_client.post(
        ADD,
        publication_post(
            cross_posts=[
                {"outlet": OutletFactory().pk, "url": "strafasia dot com", "relation": "another_form"}
            ]
        ),
    )

    assert response.status_code == 200
    assert formset(response, "cross_posts").errors[0]["url"] == ["Enter a valid URL."]
    assert not Publication.objects.exists()


def test_malformed_doi_is_a_form_error(editor_client):
    response = editor_client.post(ADD, publication_post(doi="https://doi.org/10.1234/x"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["doi"] == [
        'Enter a DOI such as "10.1234/ciss.2024.001", without "https://doi.org/".'
    ]


def test_published_without_a_date_is_a_form_error(editor_client):
    response = editor_client.post(ADD, publication_post(status=Publication.Status.PUBLISHED))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["published_at"] == [
        "Set when it goes live (now or a future time to schedule it)."
    ]
    assert not Publication.objects.exists()


def test_saving_a_stale_form_is_refused_and_keeps_the_other_edit(editor_client):
    publication = PublicationFactory(title="Original")
    loaded = editor_client.get(change_url(publication)).context["adminform"].form["loaded_updated_at"].value()
    publication.title = "Colleague's edit"
    publication.save()

    response = editor_client.post(
        change_url(publication),
        publication_post(title="My edit", slug=publication.slug, loaded_updated_at=loaded),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "Someone else saved this publication after you opened it. Copy your changes, reload the page and "
        "apply them again, so neither edit is lost."
    ]
    publication.refresh_from_db()
    assert publication.title == "Colleague's edit"


# --- Publishing ------------------------------------------------------------------------------------------


def test_publish_action_first_shows_what_goes_live_and_what_is_scheduled(editor_client):
    draft = PublicationFactory(title="Draft piece")
    in_review = PublicationFactory(title="Reviewed piece", in_review=True)
    dated_later = PublicationFactory(title="Dated piece", published_at=timezone.now() + dt.timedelta(days=2))
    live = PublicationFactory(title="Live piece", published=True)

    response = editor_client.post(
        CHANGELIST,
        {"action": "publish", ACTION_CHECKBOX_NAME: [draft.pk, in_review.pk, dated_later.pk, live.pk]},
    )

    assert response.status_code == 200
    assert response.templates[0].name == "admin/publications/publication/publish_confirmation.html"
    assert response.context["live_now"] == [draft, in_review]
    assert response.context["scheduled"] == [dated_later]
    assert response.context["already_live"] == [live]
    # Nothing changed until the editor confirms.
    assert set(Publication.objects.published()) == {live}
    assert not Publication.objects.filter(status=Publication.Status.PUBLISHED).exclude(pk=live.pk).exists()


def test_confirmed_publish_action_publishes_and_schedules_through_the_service(editor_client, editor):
    draft = PublicationFactory()
    later = timezone.now() + dt.timedelta(days=2)
    dated_later = PublicationFactory(published_at=later)

    response = editor_client.post(
        CHANGELIST,
        {"action": "publish", "post": "yes", ACTION_CHECKBOX_NAME: [draft.pk, dated_later.pk]},
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    dated_later.refresh_from_db()
    assert draft.is_live and draft.first_published_at == draft.published_at
    assert dated_later.is_scheduled and dated_later.published_at == later
    assert list(Publication.objects.published()) == [draft]
    # The history entries are written by publications.services, so the action went through it.
    messages = dict(LogEntry.objects.filter(user=editor).values_list("object_id", "change_message"))
    assert messages[str(draft.pk)] == "Published"
    assert messages[str(dated_later.pk)].startswith("Scheduled for ")


def test_unpublish_action_returns_live_and_scheduled_pieces_to_draft(editor_client, editor):
    live = PublicationFactory(published=True)
    scheduled = PublicationFactory(scheduled=True)
    draft = PublicationFactory()

    response = editor_client.post(
        CHANGELIST, {"action": "unpublish", ACTION_CHECKBOX_NAME: [live.pk, scheduled.pk, draft.pk]}
    )

    assert response.status_code == 302
    assert set(Publication.objects.values_list("status", flat=True)) == {Publication.Status.DRAFT}
    assert not Publication.objects.published().exists()
    assert sorted(LogEntry.objects.filter(user=editor).values_list("object_id", "change_message")) == sorted(
        [(str(live.pk), "Unpublished"), (str(scheduled.pk), "Unpublished")]
    )


# --- Finding things ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "expected"),
    [("draft", "Draft"), ("in_review", "In review"), ("scheduled", "Scheduled"), ("live", "Live")],
)
def test_state_filter_tells_scheduled_from_live(editor_client, state, expected):
    PublicationFactory(title="Draft")
    PublicationFactory(title="In review", in_review=True)
    PublicationFactory(title="Scheduled", scheduled=True)
    PublicationFactory(title="Live", published=True)

    response = editor_client.get(CHANGELIST, {"state": state})

    assert response.status_code == 200
    assert [p.title for p in response.context["cl"].result_list] == [expected]


def test_view_on_site_is_offered_for_live_pieces_only(editor_client, settings):
    live = PublicationFactory(slug="live-piece", published=True)
    scheduled = PublicationFactory(scheduled=True)

    live_page = editor_client.get(change_url(live))
    scheduled_page = editor_client.get(change_url(scheduled))

    assert live_page.context["absolute_url"] == f"{settings.SITE_URL}/publications/live-piece/"
    assert scheduled_page.context["has_absolute_url"] is False


def test_changelist_query_count_does_not_grow_with_rows(editor_client):
    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert editor_client.get(CHANGELIST).status_code == 200
        return len(queries)

    publication = PublicationFactory(published=True, authors=[AuthorFactory(), AuthorFactory()])
    CrossPostFactory(publication=publication)
    few = page_queries()
    for _ in range(5):
        PublicationFactory(published=True, authors=[AuthorFactory(), AuthorFactory()])

    assert page_queries() == few
