"""The editorial workflow: which state a piece may move to from which, and who may move it.

One table, TRANSITIONS, is the state machine; the services (publications.services) and the admin ask it,
so a button the admin hides is also a request the service refuses. Models-free like publications.choices:
rules about the publication are asked with its status, owner and clock, never a query.

Roles are groups made by migration 0011_workflow and are only bundles of these permissions; the code asks
permissions, never group names:

* contributors (`add_publication`): write their own drafts, edit them while draft or sent back, submit them;
* editors (`change_publication`, `review_publication`): edit anything, send back with a comment, approve;
* publishers (`publish_publication`, `empty_trash`): publish, schedule, unpublish, withdraw, restore, correct.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from publications.choices import PublicationStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser, AnonymousUser

Status = PublicationStatus

WRITE_PERMISSION = "publications.add_publication"
EDIT_ANY_PERMISSION = "publications.change_publication"
REVIEW_PERMISSION = "publications.review_publication"
PUBLISH_PERMISSION = "publications.publish_publication"
EMPTY_TRASH_PERMISSION = "publications.empty_trash"

# What a contributor may still change: their piece before it is submitted, or once it is sent back.
OWNER_EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})


class Action(models.TextChoices):
    SUBMIT = "submit", "Submit for review"
    SEND_BACK = "send_back", "Send back"
    APPROVE = "approve", "Approve"
    PUBLISH = "publish", "Publish"
    SCHEDULE = "schedule", "Schedule"
    UNPUBLISH = "unpublish", "Unpublish"
    WITHDRAW = "withdraw", "Withdraw"
    RESTORE = "restore", "Restore from withdrawal"


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[str]
    target: Status
    permission: str
    # Whether the person must say why (a send-back's comment, a withdrawal's public notice), and what to
    # write when they left it empty (or only spaces).
    needs_comment: bool = False
    comment_prompt: str = ""


TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in [
        Transition(
            Action.SUBMIT, frozenset({Status.DRAFT, Status.RETURNED}), Status.IN_REVIEW, WRITE_PERMISSION
        ),
        Transition(
            Action.SEND_BACK,
            frozenset({Status.IN_REVIEW, Status.APPROVED}),
            Status.RETURNED,
            REVIEW_PERMISSION,
            needs_comment=True,
            comment_prompt="“Send back” needs a comment: tell the writer what to change.",
        ),
        Transition(Action.APPROVE, frozenset({Status.IN_REVIEW}), Status.APPROVED, REVIEW_PERMISSION),
        # A publisher's own draft may skip review; a piece under review waits for an editor's approval.
        # From published: a scheduled piece goes live now, or gets a new time. Not a live one (state_refusal):
        # publishing it again would re-date it to now, scheduling it would hide it until then.
        Transition(
            Action.PUBLISH,
            frozenset({Status.DRAFT, Status.APPROVED, Status.PUBLISHED}),
            Status.PUBLISHED,
            PUBLISH_PERMISSION,
        ),
        Transition(
            Action.SCHEDULE,
            frozenset({Status.DRAFT, Status.APPROVED, Status.PUBLISHED}),
            Status.PUBLISHED,
            PUBLISH_PERMISSION,
        ),
        Transition(Action.UNPUBLISH, frozenset({Status.PUBLISHED}), Status.DRAFT, PUBLISH_PERMISSION),
        Transition(
            Action.WITHDRAW,
            frozenset({Status.PUBLISHED}),
            Status.WITHDRAWN,
            PUBLISH_PERMISSION,
            needs_comment=True,
            comment_prompt="“Withdraw” needs a public notice: tell readers why the piece was withdrawn.",
        ),
        Transition(Action.RESTORE, frozenset({Status.WITHDRAWN}), Status.PUBLISHED, PUBLISH_PERMISSION),
    ]
}


def transition_between(source: str, target: str, *, scheduled: bool) -> Transition | None:
    """The transition a form edit of the status from `source` to `target` stands for (None: not allowed).

    `scheduled`: whether the piece's time is in the future, which makes a move to published a schedule.
    """
    candidates = [t for t in TRANSITIONS.values() if source in t.sources and t.target == target]
    if target == Status.PUBLISHED and source != Status.WITHDRAWN:
        wanted = Action.SCHEDULE if scheduled else Action.PUBLISH
        candidates = [t for t in candidates if t.action == wanted]
    return candidates[0] if candidates else None


def state_refusal(
    transition: Transition, *, status: str, published_at: datetime | None, now: datetime
) -> str | None:
    """Why a piece in `status` cannot take `transition` (None: it can)."""
    if status not in transition.sources:
        return f"A piece that is {Status(status).label.lower()} cannot be given “{transition.action.label}”."
    live = status == Status.PUBLISHED and published_at is not None and published_at <= now
    if transition.action == Action.WITHDRAW and not live:
        return "Only a live piece can be withdrawn; unpublish a scheduled one instead."
    if transition.action in (Action.PUBLISH, Action.SCHEDULE) and live:
        return (
            f"This piece is already live, so it cannot be given “{transition.action.label}”: to take it "
            "down, unpublish or withdraw it; to change its date, edit its publication time."
        )
    return None


def permission_refusal(
    transition: Transition, *, user: AbstractUser | AnonymousUser | None, owner_id: int | None, status: str
) -> str | None:
    """Why `user` may not take `transition` on a piece in `status` (None: they may). None as user is the
    system itself (a command), which needs no permission."""
    if user is None:
        return None
    if not user.has_perm(transition.permission):
        return f"You may not {transition.action.label.lower()} publications."
    if transition.action == Action.SUBMIT and not user.has_perm(EDIT_ANY_PERMISSION) and owner_id != user.pk:
        return "You may submit only your own pieces."
    # Only a publisher's own draft skips review (a piece nobody owns, imported or made by a command, too):
    # someone else's may be unfinished, and goes live once submitted and approved.
    skips_review = transition.action in (Action.PUBLISH, Action.SCHEDULE) and status == Status.DRAFT
    if skips_review and owner_id is not None and owner_id != user.pk:
        return "Someone else's draft goes live only after review: they submit it and an editor approves it."
    return None


def may_edit(user: AbstractUser | AnonymousUser | None, *, status: str | None, owner_id: int | None) -> bool:
    """Whether `user` may change a piece's content: editors anything, contributors their own pieces until
    submitted (or once sent back). `status` None: a new piece. None as user: the system itself."""
    if user is None or user.has_perm(EDIT_ANY_PERMISSION):
        return True
    if not user.has_perm(WRITE_PERMISSION):
        return False
    return status is None or (owner_id == user.pk and status in OWNER_EDITABLE)


def editable_by(user: AbstractUser | AnonymousUser) -> Q:
    """The pieces whose content `user` may change, as a filter: may_edit's twin."""
    if user.has_perm(EDIT_ANY_PERMISSION):
        return Q()
    if not user.has_perm(WRITE_PERMISSION):
        return Q(pk__in=[])
    return Q(created_by=user.pk, status__in=OWNER_EDITABLE)


def available_actions(
    user: AbstractUser | AnonymousUser,
    *,
    status: str,
    owner_id: int | None,
    published_at: datetime | None,
    now: datetime,
) -> list[Transition]:
    """The transitions `user` may take on a piece now: the buttons the admin shows them."""
    return [
        t
        for t in TRANSITIONS.values()
        if state_refusal(t, status=status, published_at=published_at, now=now) is None
        and permission_refusal(t, user=user, owner_id=owner_id, status=status) is None
    ]
