"""The pre-publish check: what blocks a piece from going live, what a publisher may override, and the
confirmations of publish and unpublish, through the service and real admin POSTs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.utils import timezone

from publications.models import Publication, PublicationChange
from publications.readiness import PublicationNotReady, Readiness, publication_readiness
from publications.services import publication_publish
from tests.factories import AuthorFactory, ImageFactory, PublicationFactory, TopicFactory
from tests.publications.test_admin import ADD, CHANGELIST, change_url, publication_post

pytestmark = pytest.mark.django_db

NO_AUTHOR = "No author: add at least one to the byline."
NO_BODY = "No body: the piece has no text."
NO_SUMMARY = "No summary: lists and feeds will show no description."
NO_TOPIC = "No topic: the piece will appear under no topic."


def test_a_piece_with_only_a_title_lists_everything_it_lacks():
    publication = PublicationFactory(summary="", body="")

    assert publication_readiness(publication) == Readiness(
        blocking=[NO_AUTHOR, NO_BODY], warnings=[NO_SUMMARY, NO_TOPIC]
    )


def test_a_body_of_empty_markup_counts_as_no_body():
    publication = PublicationFactory(body="<p> </p><p></p>", ready=True)

    assert publication_readiness(publication).blocking == [NO_BODY]


def test_a_lead_image_without_alt_text_blocks():
    image = ImageFactory(alt="")
    publication = PublicationFactory(ready=True, lead_image=image)

    (problem,) = publication_readiness(publication).blocking
    assert "The lead image" in problem and "has no alt text" in problem
    image.alt = "A satellite over the Arabian Sea"
    assert publication_readiness(publication) == Readiness()


def test_a_complete_piece_is_ready():
    assert publication_readiness(PublicationFactory(ready=True)) == Readiness()


def test_the_service_refuses_a_piece_with_only_a_title(editor):
    publication = PublicationFactory(summary="", body="")

    with pytest.raises(PublicationNotReady) as refused:
        publication_publish(publication=publication, by=editor)

    assert refused.value.messages == [NO_AUTHOR, NO_BODY]
    publication.refresh_from_db()
    assert (publication.status, publication.published_at, publication.first_published_at) == (
        Publication.Status.DRAFT,
        None,
        None,
    )
    assert not PublicationChange.objects.exists()


def test_the_service_refuses_scheduling_a_piece_that_is_not_ready():
    publication = PublicationFactory(authors=[AuthorFactory()], body="")

    with pytest.raises(PublicationNotReady):
        publication_publish(publication=publication, at=timezone.now() + dt.timedelta(days=1))

    publication.refresh_from_db()
    assert publication.status == Publication.Status.DRAFT


def test_warnings_do_not_stop_the_service():
    # Overriding is the publisher's call, made on the confirmation page; the service publishes.
    publication = PublicationFactory(authors=[AuthorFactory()], summary="")

    publication_publish(publication=publication)

    assert publication.is_live


# --- The publish confirmation ---------------------------------------------------------------------------


def test_publish_confirmation_lists_each_pieces_problems(editor_client):
    bare = PublicationFactory(title="Bare", summary="", body="")
    thin = PublicationFactory(title="Thin", authors=[AuthorFactory()], summary="")
    whole = PublicationFactory(title="Whole", ready=True)

    response = editor_client.post(
        CHANGELIST, {"action": "publish", ACTION_CHECKBOX_NAME: [bare.pk, thin.pk, whole.pk]}
    )

    assert response.status_code == 200
    assert [publication for publication, _ in response.context["blocked"]] == [bare]
    assert [publication for publication, _ in response.context["live_now"]] == [thin, whole]
    page = response.content.decode()
    for problem in (NO_AUTHOR, NO_BODY, NO_SUMMARY, NO_TOPIC):
        assert problem in page
    # One "publish anyway" box, for the piece whose problems may be overridden.
    assert page.count('name="publish_anyway"') == 1
    assert f'name="publish_anyway" value="{thin.pk}"' in page


def test_a_crafted_confirmation_cannot_publish_a_blocked_piece(editor_client):
    bare = PublicationFactory(summary="", body="")

    response = editor_client.post(
        CHANGELIST,
        {"action": "publish", "post": "yes", "publish_anyway": [bare.pk], ACTION_CHECKBOX_NAME: [bare.pk]},
        follow=True,
    )

    bare.refresh_from_db()
    assert bare.status == Publication.Status.DRAFT
    assert NO_AUTHOR in response.content.decode()


def test_a_piece_with_warnings_goes_live_only_with_publish_anyway(editor_client):
    thin = PublicationFactory(authors=[AuthorFactory()], summary="")

    editor_client.post(CHANGELIST, {"action": "publish", "post": "yes", ACTION_CHECKBOX_NAME: [thin.pk]})
    thin.refresh_from_db()
    assert thin.status == Publication.Status.DRAFT

    editor_client.post(
        CHANGELIST,
        {"action": "publish", "post": "yes", "publish_anyway": [thin.pk], ACTION_CHECKBOX_NAME: [thin.pk]},
    )
    thin.refresh_from_db()
    assert thin.is_live


# --- Going live from the change form ---------------------------------------------------------------------


def test_going_live_from_the_form_without_a_byline_is_a_form_error_that_saves_nothing(editor_client):
    publication = PublicationFactory(title="Untouched", summary="", body="")
    loaded = editor_client.get(change_url(publication)).context["adminform"].form["loaded_version"].value()
    now = timezone.localtime() - dt.timedelta(minutes=1)

    response = editor_client.post(
        change_url(publication),
        publication_post(
            title="Edited",
            slug=publication.slug,
            body="",
            loaded_version=loaded,
            status=Publication.Status.PUBLISHED,
            published_at_0=f"{now:%Y-%m-%d}",
            published_at_1=f"{now:%H:%M:%S}",
        ),
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert NO_AUTHOR in errors and NO_BODY in errors
    publication.refresh_from_db()
    assert (publication.title, publication.status) == ("Untouched", Publication.Status.DRAFT)


def test_a_new_piece_with_its_byline_in_the_same_form_may_go_live(editor_client):
    author, topic = AuthorFactory(), TopicFactory()
    now = timezone.localtime() - dt.timedelta(minutes=1)

    response = editor_client.post(
        ADD,
        publication_post(
            summary="Why it matters.",
            topics=[topic.pk],
            status=Publication.Status.PUBLISHED,
            published_at_0=f"{now:%Y-%m-%d}",
            published_at_1=f"{now:%H:%M:%S}",
            authorships=[{"author": author.pk, "role": "author", "position": ""}],
        ),
    )

    assert response.status_code == 302, response.context["errors"]
    assert Publication.objects.get().is_live


# --- Unpublishing ------------------------------------------------------------------------------------------


def test_unpublish_first_asks_and_says_what_happens_to_the_dates(editor_client):
    live = PublicationFactory(title="Live piece", published=True)
    draft = PublicationFactory(title="Draft piece")

    response = editor_client.post(
        CHANGELIST, {"action": "unpublish", ACTION_CHECKBOX_NAME: [live.pk, draft.pk]}
    )

    assert response.status_code == 200
    assert response.templates[0].name == "admin/publications/publication/unpublish_confirmation.html"
    assert response.context["live"] == [live]
    assert list(response.context["drafts"]) == [draft]
    page = response.content.decode()
    assert "<em>published at</em> time is kept" in page
    assert "<em>first published at</em> stays" in page
    live.refresh_from_db()
    assert live.is_live


def test_unpublish_keeps_the_dates_it_says_it_keeps(editor_client):
    live = PublicationFactory(published=True)
    dates = (live.published_at, live.first_published_at)

    editor_client.post(CHANGELIST, {"action": "unpublish", "post": "yes", ACTION_CHECKBOX_NAME: [live.pk]})

    live.refresh_from_db()
    assert live.status == Publication.Status.DRAFT
    assert (live.published_at, live.first_published_at) == dates
