"""The editorial workflow: roles, one service per transition, the recorded history and the notifications."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from publications.models import Publication, PublicationAuthor, PublicationTransition
from publications.services import (
    publication_approve,
    publication_create,
    publication_publish,
    publication_restore_withdrawn,
    publication_schedule,
    publication_send_back,
    publication_submit,
    publication_unpublish,
    publication_update,
    publication_withdraw,
)
from publications.workflow import TRANSITIONS, Action, transition_between
from tests.factories import AuthorFactory, PublicationFactory

pytestmark = pytest.mark.django_db
Status = Publication.Status


def drafted_by(user, **kwargs) -> Publication:
    """A draft by `user` that passes the pre-publish check (a body and an author), so only the workflow
    decides whether it may go live."""
    kwargs.setdefault("body", "<p>The text.</p>")
    publication = publication_create(
        publication=Publication(title="A draft", slug="a-draft", **kwargs), by=user
    )
    PublicationAuthor.objects.create(publication=publication, author=AuthorFactory(), position=0)
    return publication


def history(publication):
    return list(
        PublicationTransition.objects.filter(publication=publication).values_list(
            "action", "from_status", "to_status", "by__username", "comment"
        )
    )


def test_the_migration_makes_the_three_roles_with_their_permissions():
    def codes(name):
        return set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))

    assert {"add_publication", "view_publication"} <= codes("contributors")
    assert not {"change_publication", "review_publication", "publish_publication"} & codes("contributors")
    assert {"change_publication", "review_publication"} <= codes("editors")
    assert not {"publish_publication", "empty_trash"} & codes("editors")
    assert {"publish_publication", "empty_trash", "change_publication"} <= codes("publishers")


def test_the_whole_path_is_recorded_with_who_from_to_and_comments(member_of):
    contributor, editor, publisher = member_of("contributors"), member_of("editors"), member_of("publishers")
    publication = drafted_by(contributor)
    assert publication.created_by == contributor

    publication_submit(publication=publication, by=contributor)
    publication_send_back(publication=publication, by=editor, comment="Cite the 2019 report.")
    publication.title = "A draft, fixed"
    publication_update(publication=publication, by=contributor)
    publication_submit(publication=publication, by=contributor)
    publication_approve(publication=publication, by=editor)
    publication_publish(publication=publication, by=publisher)

    assert history(publication) == [
        ("submit", "draft", "in_review", contributor.username, ""),
        ("send_back", "in_review", "returned", editor.username, "Cite the 2019 report."),
        ("submit", "returned", "in_review", contributor.username, ""),
        ("approve", "in_review", "approved", editor.username, ""),
        ("publish", "approved", "published", publisher.username, ""),
    ]
    assert publication.is_live
    assert all(row.at <= timezone.now() for row in publication.transitions.all())


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        ("contributors", Action.SEND_BACK, False),
        ("contributors", Action.APPROVE, False),
        ("contributors", Action.PUBLISH, False),
        ("editors", Action.SEND_BACK, True),
        ("editors", Action.APPROVE, True),
        ("editors", Action.PUBLISH, False),
        ("publishers", Action.APPROVE, True),
    ],
)
def test_review_and_publish_need_their_permission(member_of, role, action, allowed):
    publication = PublicationFactory(in_review=True)
    if action == Action.PUBLISH:
        publication_approve(publication=publication, by=member_of("editors"))
    user = member_of(role)
    services = {
        Action.SEND_BACK: lambda: publication_send_back(publication=publication, by=user, comment="No."),
        Action.APPROVE: lambda: publication_approve(publication=publication, by=user),
        Action.PUBLISH: lambda: publication_publish(publication=publication, by=user),
    }
    if allowed:
        services[action]()
        assert Publication.objects.get(pk=publication.pk).status == TRANSITIONS[action].target
    else:
        before = Publication.objects.get(pk=publication.pk).status
        with pytest.raises(PermissionDenied):
            services[action]()
        assert Publication.objects.get(pk=publication.pk).status == before


def test_publisher_only_transitions_refuse_editors(member_of):
    editor, publisher = member_of("editors"), member_of("publishers")
    live = PublicationFactory(published=True, ready=True)
    for service in (
        lambda: publication_unpublish(publication=live, by=editor),
        lambda: publication_withdraw(publication=live, by=editor, notice="Wrong."),
        lambda: publication_schedule(publication=live, by=editor, at=timezone.now() + dt.timedelta(days=1)),
    ):
        with pytest.raises(PermissionDenied):
            service()
    publication_withdraw(publication=live, by=publisher, notice="Wrong figures.")
    with pytest.raises(PermissionDenied):
        publication_restore_withdrawn(publication=live, by=editor)
    publication_restore_withdrawn(publication=live, by=publisher)
    assert Publication.objects.get(pk=live.pk).is_live


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (Status.DRAFT, Action.APPROVE),
        (Status.DRAFT, Action.SEND_BACK),
        (Status.IN_REVIEW, Action.PUBLISH),
        (Status.IN_REVIEW, Action.SUBMIT),
        (Status.APPROVED, Action.SUBMIT),
        (Status.DRAFT, Action.WITHDRAW),
        (Status.DRAFT, Action.RESTORE),
        (Status.DRAFT, Action.UNPUBLISH),
    ],
)
def test_a_transition_from_the_wrong_state_is_refused(editor, status, action):
    publication = PublicationFactory(status=status)
    services = {
        Action.SUBMIT: lambda: publication_submit(publication=publication, by=editor),
        Action.SEND_BACK: lambda: publication_send_back(publication=publication, by=editor, comment="No."),
        Action.APPROVE: lambda: publication_approve(publication=publication, by=editor),
        Action.PUBLISH: lambda: publication_publish(publication=publication, by=editor),
        Action.UNPUBLISH: lambda: publication_unpublish(publication=publication, by=editor),
        Action.WITHDRAW: lambda: publication_withdraw(publication=publication, by=editor, notice="Gone."),
        Action.RESTORE: lambda: publication_restore_withdrawn(publication=publication, by=editor),
    }
    with pytest.raises(ValidationError):
        services[action]()
    assert Publication.objects.get(pk=publication.pk).status == status
    assert not PublicationTransition.objects.exists()


def test_a_live_piece_is_not_published_or_scheduled_again(editor):
    live = PublicationFactory(published=True, ready=True)
    dated = Publication.objects.get(pk=live.pk).published_at
    for service in (
        lambda: publication_publish(publication=live, by=editor),
        lambda: publication_publish(publication=live, by=editor, at=timezone.now()),
        lambda: publication_schedule(publication=live, by=editor, at=timezone.now() + dt.timedelta(days=1)),
    ):
        with pytest.raises(ValidationError, match=r"already live.*unpublish or withdraw"):
            service()
    assert Publication.objects.get(pk=live.pk).published_at == dated
    assert live.published_at == dated  # refused before the caller's instance is touched
    assert not PublicationTransition.objects.exists()


def test_a_scheduled_piece_is_published_now_or_given_a_new_time(editor):
    scheduled = PublicationFactory(scheduled=True, ready=True)
    later = timezone.now() + dt.timedelta(days=3)
    publication_schedule(publication=scheduled, by=editor, at=later)
    assert Publication.objects.get(pk=scheduled.pk).published_at == later
    publication_publish(publication=scheduled, by=editor, at=timezone.now())
    assert Publication.objects.get(pk=scheduled.pk).is_live


def test_a_scheduled_piece_cannot_be_withdrawn(editor):
    scheduled = PublicationFactory(scheduled=True)
    with pytest.raises(ValidationError, match="live"):
        publication_withdraw(publication=scheduled, by=editor, notice="Never mind.")


def test_send_back_and_withdraw_need_a_comment(editor):
    with pytest.raises(ValidationError):
        publication_send_back(publication=PublicationFactory(in_review=True), by=editor, comment="  ")
    with pytest.raises(ValidationError):
        publication_withdraw(publication=PublicationFactory(published=True), by=editor, notice="")


def test_contributors_edit_only_their_own_pieces_until_submitted(member_of):
    author, other = member_of("contributors"), member_of("contributors")
    mine = drafted_by(author)
    mine.title = "Mine, edited"
    publication_update(publication=mine, by=author)

    mine.title = "Someone else's edit"
    with pytest.raises(PermissionDenied):
        publication_update(publication=mine, by=other)
    with pytest.raises(PermissionDenied):
        publication_submit(publication=mine, by=other)

    publication_submit(publication=mine, by=author)
    mine.title = "Edited while in review"
    with pytest.raises(PermissionDenied):
        publication_update(publication=mine, by=author)

    publication_send_back(publication=mine, by=member_of("editors"), comment="Shorter.")
    mine.title = "Shorter"
    publication_update(publication=mine, by=author)
    assert Publication.objects.get(pk=mine.pk).title == "Shorter"


def test_an_edit_of_the_status_is_the_transition_it_stands_for(member_of):
    publisher, contributor = member_of("publishers"), member_of("contributors")
    publication = drafted_by(contributor)
    publication.status = Status.IN_REVIEW
    publication_update(publication=publication, by=contributor)
    assert history(publication)[-1][:3] == ("submit", "draft", "in_review")

    # A publisher's form cannot skip the editors' approval of a piece in review.
    publication.status, publication.published_at = Status.PUBLISHED, timezone.now()
    with pytest.raises(ValidationError, match="status"):
        publication_update(publication=publication, by=publisher)


def test_a_contributor_cannot_publish_by_editing_the_status(member_of):
    contributor = member_of("contributors")
    publication = drafted_by(contributor)
    publication.status, publication.published_at = Status.PUBLISHED, timezone.now()
    with pytest.raises(PermissionDenied):
        publication_update(publication=publication, by=contributor)
    assert Publication.objects.get(pk=publication.pk).status == Status.DRAFT


def test_submitting_emails_the_editors_after_commit(member_of, django_capture_on_commit_callbacks):
    contributor = member_of("contributors")
    editors = [member_of("editors"), member_of("editors")]
    member_of("publishers")  # reviewers too: publishers hold review_publication through the editors' set
    publication = drafted_by(contributor)
    with django_capture_on_commit_callbacks(execute=True):
        publication_submit(publication=publication, by=contributor)
    (message,) = mail.outbox
    assert message.subject == "In review: A draft"
    assert {editor.email for editor in editors} <= set(message.to)
    assert contributor.email not in message.to
    assert f"/admin/publications/publication/{publication.pk}/change/" in message.body


def test_a_refused_submit_sends_no_email(member_of, django_capture_on_commit_callbacks):
    member_of("editors")
    contributor = member_of("contributors")
    publication = drafted_by(contributor)
    publication_submit(publication=publication, by=contributor)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        publication_submit(publication=publication, by=contributor)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        publication_submit(publication=PublicationFactory(), by=contributor)
    assert mail.outbox == []


def test_the_table_maps_a_form_edit_to_one_transition():
    assert transition_between(Status.DRAFT, Status.IN_REVIEW, scheduled=False).action == Action.SUBMIT
    assert transition_between(Status.APPROVED, Status.PUBLISHED, scheduled=True).action == Action.SCHEDULE
    assert transition_between(Status.WITHDRAWN, Status.PUBLISHED, scheduled=False).action == Action.RESTORE
    assert transition_between(Status.IN_REVIEW, Status.PUBLISHED, scheduled=False) is None
    assert transition_between(Status.DRAFT, Status.WITHDRAWN, scheduled=False) is None


def test_a_withdrawal_cannot_be_made_by_editing_the_status_without_a_notice(member_of):
    live = PublicationFactory(published=True)
    live.status = Status.WITHDRAWN
    with pytest.raises(ValidationError, match="button"):
        publication_update(publication=live, by=member_of("publishers"))
    assert Publication.objects.get(pk=live.pk).status == Status.PUBLISHED


def test_restoring_a_withdrawn_piece_clears_its_notice(member_of):
    publisher = member_of("publishers")
    live = PublicationFactory(published=True, ready=True)
    publication_withdraw(publication=live, by=publisher, notice="Wrong data.")
    publication_restore_withdrawn(publication=live, by=publisher)
    restored = Publication.objects.get(pk=live.pk)
    assert (restored.status, restored.withdrawn_at, restored.withdrawal_notice) == (
        Status.PUBLISHED,
        None,
        "",
    )
