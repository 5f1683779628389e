"""The workflow in the admin: each person sees only the moves they may make, and a crafted POST for a
hidden one is refused by the service."""

import pytest
from django.urls import reverse

from publications.models import CrossPost, Publication
from publications.services import (
    publication_approve,
    publication_create,
    publication_send_back,
    publication_submit,
)
from tests.factories import AuthorFactory, CrossPostFactory, PublicationFactory, TopicFactory

pytestmark = pytest.mark.django_db
Status = Publication.Status


def change_url(publication):
    return reverse("admin:publications_publication_change", args=[publication.pk])


def workflow_url(publication):
    return reverse("admin:publications_publication_workflow", args=[publication.pk])


def buttons(response) -> set[str]:
    html = response.content.decode()
    return {
        action
        for action in (
            "submit",
            "send_back",
            "approve",
            "publish",
            "schedule",
            "unpublish",
            "withdraw",
            "restore",
        )
        if f'id="workflow-{action}"' in html
    } | ({"correct"} if 'id="workflow-correct"' in html else set())


def set_live_in_the_form(publication, *, title: str) -> dict:
    """The change form of `publication` posted with `title`, its status set to published (a past time) in the
    form itself rather than by a workflow button, and no byline or cross-post rows."""
    return {
        "type": publication.type, "title": title, "slug": publication.slug, "language": "en",
        "status": Status.PUBLISHED, "published_at_0": "2026-01-01", "published_at_1": "10:00",
        "authorships-TOTAL_FORMS": 0, "authorships-INITIAL_FORMS": 0,
        "cross_posts-TOTAL_FORMS": 0, "cross_posts-INITIAL_FORMS": 0,
    }  # fmt: skip


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def roles(member_of):
    return {name: member_of(name) for name in ("contributors", "editors", "publishers")}


def own_draft(contributor):
    return publication_create(publication=Publication(title="Mine", slug="mine"), by=contributor)


def test_each_role_sees_only_its_buttons(client, roles):
    draft = own_draft(roles["contributors"])
    assert buttons(login(client, roles["contributors"]).get(change_url(draft))) == {"submit"}
    publication_submit(publication=draft, by=roles["contributors"])
    assert buttons(login(client, roles["editors"]).get(change_url(draft))) == {"send_back", "approve"}
    assert buttons(login(client, roles["contributors"]).get(change_url(draft))) == set()
    publication_approve(publication=draft, by=roles["editors"])
    assert buttons(login(client, roles["publishers"]).get(change_url(draft))) == {
        "send_back", "publish", "schedule",
    }  # fmt: skip
    # A live piece is not published or scheduled again (that would re-date or hide it); a scheduled one is.
    live = PublicationFactory(published=True)
    assert buttons(login(client, roles["publishers"]).get(change_url(live))) == {
        "unpublish", "withdraw", "correct",
    }  # fmt: skip
    assert buttons(login(client, roles["editors"]).get(change_url(live))) == set()
    scheduled = PublicationFactory(scheduled=True)
    assert buttons(login(client, roles["publishers"]).get(change_url(scheduled))) == {
        "publish", "schedule", "unpublish",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("role", "action", "data"),
    [
        ("contributors", "approve", {}),
        ("contributors", "send_back", {"comment": "no"}),
        ("editors", "publish", {}),
        ("editors", "withdraw", {"comment": "Gone."}),
        ("editors", "correct", {"comment": "Fixed a date."}),
    ],
)
def test_a_crafted_post_for_a_hidden_button_is_refused(client, roles, role, action, data):
    live = action in ("withdraw", "correct")
    publication = PublicationFactory(published=True) if live else PublicationFactory(in_review=True)
    if role == "contributors":
        Publication.objects.filter(pk=publication.pk).update(created_by=roles["contributors"])
    before = Publication.objects.get(pk=publication.pk).status
    response = login(client, roles[role]).post(workflow_url(publication), {"action": action, **data})
    assert response.status_code == 403
    assert Publication.objects.get(pk=publication.pk).status == before
    assert not publication.transitions.exists() and not publication.corrections.exists()


def test_a_crafted_status_in_the_change_form_is_refused(client, roles):
    publication = PublicationFactory(in_review=True, title="Reviewed", slug="reviewed")
    response = login(client, roles["publishers"]).post(
        change_url(publication), set_live_in_the_form(publication, title="Reviewed")
    )
    assert response.status_code == 200
    assert "use the workflow buttons" in response.content.decode()
    assert Publication.objects.get(pk=publication.pk).status == Status.IN_REVIEW


def test_the_buttons_move_the_piece_and_record_the_comment(client, roles):
    draft = own_draft(roles["contributors"])
    login(client, roles["contributors"]).post(workflow_url(draft), {"action": "submit"})
    response = login(client, roles["editors"]).post(
        workflow_url(draft), {"action": "send_back", "comment": "Add sources."}, follow=True
    )
    assert Publication.objects.get(pk=draft.pk).status == Status.RETURNED
    page = login(client, roles["contributors"]).get(change_url(draft)).content.decode()
    assert "Add sources." in page and "Workflow history" in page
    assert response.status_code == 200


def test_a_send_back_without_a_comment_is_an_error_message_not_a_500(client, roles):
    publication = PublicationFactory(in_review=True)
    response = login(client, roles["editors"]).post(
        workflow_url(publication), {"action": "send_back"}, follow=True
    )
    assert response.status_code == 200
    assert "needs a comment" in response.content.decode()
    assert Publication.objects.get(pk=publication.pk).status == Status.IN_REVIEW


def test_contributors_see_and_open_only_their_own_pieces(client, roles, member_of):
    mine = own_draft(roles["contributors"])
    theirs = publication_create(
        publication=Publication(title="Theirs", slug="theirs"), by=member_of("contributors")
    )
    client = login(client, roles["contributors"])
    listing = client.get(reverse("admin:publications_publication_changelist")).content.decode()
    assert "Mine" in listing and "Theirs" not in listing
    assert client.get(change_url(theirs)).status_code == 302  # the admin's "does not exist" redirect
    publication_submit(publication=mine, by=roles["contributors"])
    form = client.get(change_url(mine)).content.decode()
    assert 'name="title"' not in form  # submitted: read-only for its writer now


def test_waiting_for_me_lists_each_roles_next_pieces(client, roles):
    returned = own_draft(roles["contributors"])
    publication_submit(publication=returned, by=roles["contributors"])
    publication_send_back(publication=returned, by=roles["editors"], comment="Again.")
    in_review = PublicationFactory(in_review=True, title="Under review")
    approved = PublicationFactory(status=Status.APPROVED, title="Approved one")
    url = reverse("admin:publications_publication_changelist") + "?waiting=me"

    def listed(user):
        changelist = login(client, user).get(url).context["cl"]
        return set(changelist.queryset.values_list("pk", flat=True))

    assert listed(roles["contributors"]) == {returned.pk}
    assert listed(roles["editors"]) == {in_review.pk}
    assert listed(roles["publishers"]) == {in_review.pk, approved.pk}
    index = login(client, roles["editors"]).get(reverse("admin:index")).content.decode()
    assert 'id="waiting-for-me"' in index and "1 publication waiting for you" in index


def test_changelist_actions_are_filtered_by_permission(client, roles):
    def actions(user):
        response = login(client, user).get(reverse("admin:publications_publication_changelist"))
        return {name for name, _ in response.context["action_form"].fields["action"].choices if name}

    assert actions(roles["contributors"]) == {"submit"}
    assert actions(roles["editors"]) == {"submit", "approve", "revoke_previews"}
    assert actions(roles["publishers"]) >= {"submit", "approve", "publish", "unpublish"}


def test_a_contributor_reaches_only_the_cross_posts_of_their_own_drafts_in_the_cross_post_list(client, roles):
    contributor = roles["contributors"]
    login(client, contributor)
    theirs_live = CrossPostFactory(publication=PublicationFactory(published=True))
    theirs_draft = CrossPostFactory(publication=PublicationFactory(title="Another's unannounced draft"))
    mine = CrossPostFactory(publication=own_draft(contributor))
    rows = reverse("admin:publications_crosspost_changelist")

    listed = client.get(rows)
    assert list(listed.context["cl"].result_list) == [mine]
    assert theirs_draft.publication.title not in listed.content.decode()
    # Neither another's live piece's row (public at once) nor another's draft's can be changed or deleted.
    change = reverse("admin:publications_crosspost_change", args=[theirs_live.pk])
    edited = {"publication": theirs_live.publication_id, "outlet": theirs_live.outlet_id,
              "url": "https://elsewhere.example/", "relation": theirs_live.relation}  # fmt: skip
    client.post(change, edited)
    client.post(reverse("admin:publications_crosspost_delete", args=[theirs_draft.pk]), {"post": "yes"})
    theirs_live.refresh_from_db()
    assert theirs_live.url != "https://elsewhere.example/"
    assert CrossPost.objects.filter(pk=theirs_draft.pk).exists()
    # Nor is a new row put on a piece that is not theirs to change.
    added = client.post(
        reverse("admin:publications_crosspost_add"), {**edited, "url": "https://new.example/"}
    )
    assert added.status_code == 200
    assert not CrossPost.objects.filter(url="https://new.example/").exists()
    # Their own draft's rows stay theirs to edit.
    client.post(reverse("admin:publications_crosspost_change", args=[mine.pk]),
                {"publication": mine.publication_id, "outlet": mine.outlet_id,
                 "url": "https://mine.example/", "relation": mine.relation})  # fmt: skip
    mine.refresh_from_db()
    assert mine.url == "https://mine.example/"


def test_a_publisher_cannot_publish_a_contributors_draft_that_skipped_review(client, roles):
    # Ready in every other way: a byline, a body, a summary and a topic.
    draft = PublicationFactory(title="Half-finished", authors=[AuthorFactory()], topics=[TopicFactory()])
    Publication.objects.filter(pk=draft.pk).update(created_by=roles["contributors"])
    draft.refresh_from_db()
    client = login(client, roles["publishers"])

    assert not {"publish", "schedule"} & buttons(client.get(change_url(draft)))
    refused = client.post(workflow_url(draft), {"action": "publish"})
    assert refused.status_code == 403
    changelist = reverse("admin:publications_publication_changelist")
    selected = {"action": "publish", "_selected_action": [draft.pk]}
    confirmation = client.post(changelist, selected)
    [(held, readiness)] = confirmation.context["blocked"]
    assert held == draft and readiness.blocking[0].startswith(
        "Someone else's draft goes live only after review"
    )
    assert not confirmation.context["can_publish_some"]
    # Confirmed anyway (a crafted POST): the piece stays a draft and the list says why, not a 403 page.
    done = client.post(changelist, {**selected, "post": "yes", "publish_anyway": [draft.pk]}, follow=True)
    assert done.status_code == 200
    told = [str(message) for message in done.context["messages"]]
    assert any(m.startswith("Half-finished: Someone else's draft goes live only after review") for m in told)
    assert Publication.objects.get(pk=draft.pk).status == Status.DRAFT
    # Once submitted and approved it is theirs to publish.
    publication_submit(publication=draft, by=roles["contributors"])
    publication_approve(publication=draft, by=roles["editors"])
    assert {"publish", "schedule"} <= buttons(client.get(change_url(draft)))


def test_a_publisher_setting_a_contributors_draft_live_in_the_form_gets_a_form_error_not_a_403(client, roles):
    draft = PublicationFactory(title="Half-finished", slug="half-finished", ready=True)
    Publication.objects.filter(pk=draft.pk).update(created_by=roles["contributors"])
    response = login(client, roles["publishers"]).post(
        change_url(draft), set_live_in_the_form(draft, title="Half-finished, retitled")
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["status"][0].startswith("Someone else's draft goes live only after review")
    assert form["title"].value() == "Half-finished, retitled"
    assert Publication.objects.get(pk=draft.pk).status == Status.DRAFT


@pytest.mark.parametrize("at", ["", "next tuesday", "2030-02-30T10:00"])
def test_a_schedule_time_that_is_no_time_is_an_error_message_not_a_500(client, roles, at):
    approved = PublicationFactory(status=Status.APPROVED, ready=True)
    response = login(client, roles["publishers"]).post(
        workflow_url(approved), {"action": "schedule", "at": at}, follow=True
    )
    assert response.status_code == 200
    assert [str(message) for message in response.context["messages"]] == ["Give the time it goes live."]
    assert Publication.objects.get(pk=approved.pk).status == Status.APPROVED


@pytest.mark.parametrize(("action", "data"), [("publish", {}), ("schedule", {"at": "2099-01-01T10:00"})])
def test_a_live_piece_pressed_publish_or_schedule_keeps_its_date_and_says_why(client, roles, action, data):
    live = PublicationFactory(published=True, ready=True)
    dated = Publication.objects.get(pk=live.pk).published_at
    response = login(client, roles["publishers"]).post(
        workflow_url(live), {"action": action, **data}, follow=True
    )
    assert response.status_code == 200
    [message] = [str(message) for message in response.context["messages"]]
    assert message.startswith("This piece is already live") and "unpublish or withdraw" in message
    stored = Publication.objects.get(pk=live.pk)
    assert (stored.published_at, stored.is_live) == (dated, True)
    assert not stored.transitions.exists()


def test_a_scheduled_piece_pressed_publish_goes_live_now(client, roles):
    scheduled = PublicationFactory(scheduled=True, ready=True)
    login(client, roles["publishers"]).post(workflow_url(scheduled), {"action": "publish"})
    stored = Publication.objects.get(pk=scheduled.pk)
    assert stored.is_live and stored.published_at < scheduled.published_at


def test_a_confirmed_publish_selected_leaves_a_live_piece_and_its_date_alone(client, roles):
    live = PublicationFactory(published=True, ready=True)
    dated = Publication.objects.get(pk=live.pk).published_at
    changelist = reverse("admin:publications_publication_changelist")
    login(client, roles["publishers"]).post(
        changelist, {"action": "publish", "post": "yes", "_selected_action": [live.pk]}
    )
    assert Publication.objects.get(pk=live.pk).published_at == dated
    assert not live.transitions.exists()


def test_a_live_pieces_date_is_still_changed_by_editing_its_publication_time(client, roles):
    live = PublicationFactory(published=True, ready=True, title="Live", slug="live")
    response = login(client, roles["publishers"]).post(
        change_url(live), set_live_in_the_form(live, title="Live")
    )
    assert response.status_code == 302
    assert f"{Publication.objects.get(pk=live.pk).published_at:%Y-%m-%d}" == "2026-01-01"


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("correct", "A correction needs its note: say what was wrong and what the piece now says."),
        ("withdraw", "“Withdraw” needs a public notice: tell readers why the piece was withdrawn."),
    ],
)
def test_a_whitespace_only_correction_or_notice_says_what_is_needed_and_saves_nothing(
    client, roles, action, expected
):
    live = PublicationFactory(published=True, ready=True)
    before = Publication.objects.get(pk=live.pk)
    response = login(client, roles["publishers"]).post(
        workflow_url(live), {"action": action, "comment": " \n\t "}, follow=True
    )
    assert response.status_code == 200
    assert [str(message) for message in response.context["messages"]] == [expected]
    after = Publication.objects.get(pk=live.pk)
    assert (after.status, after.updated_at) == (before.status, before.updated_at)
    assert not live.corrections.exists() and not live.transitions.exists()


def test_a_whitespace_only_send_back_comment_says_what_is_needed(client, roles):
    publication = PublicationFactory(in_review=True)
    response = login(client, roles["editors"]).post(
        workflow_url(publication), {"action": "send_back", "comment": "   "}, follow=True
    )
    assert [str(message) for message in response.context["messages"]] == [
        "“Send back” needs a comment: tell the writer what to change."
    ]
    assert Publication.objects.get(pk=publication.pk).status == Status.IN_REVIEW
    assert not publication.transitions.exists()
