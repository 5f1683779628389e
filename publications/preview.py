"""Preview tokens: signed, expiring links to one unpublished piece, which a frontend exchanges at
`/api/v1/preview/{token}/` for the JSON its detail will give once published.

A token is `django.core.signing` over (piece id, its `preview_version`, expiry), keyed by SECRET_KEY and a
salt of its own, so it cannot be forged or altered, reaches only its one piece, stops at its expiry, and
stops as soon as the piece's `preview_version` moves on (publications.services.publication_revoke_previews)
or the piece goes live or is withdrawn.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils import timezone

from publications.models import Publication
from publications.querysets import is_live_at

SALT = "publications.preview"


class InvalidPreview(Exception):
    """A token that is not ours (forged, altered, cut) or no longer names a piece."""


class ExpiredPreview(Exception):
    """A genuine token past its expiry, or revoked since it was given."""


@dataclass(frozen=True)
class Preview:
    """What a valid token grants: one piece, until `expires_at`."""

    publication_id: int
    expires_at: dt.datetime


def preview_token(publication: Publication, *, now: dt.datetime | None = None) -> str:
    """A new preview link's token for `publication`, valid for PREVIEW_TOKEN_HOURS."""
    expires_at = (now or timezone.now()) + dt.timedelta(hours=settings.PREVIEW_TOKEN_HOURS)
    payload = {"p": publication.pk, "v": publication.preview_version, "e": int(expires_at.timestamp())}
    return signing.dumps(payload, salt=SALT, compress=False)


def read_preview(token: str, *, now: dt.datetime | None = None) -> Preview:
    """The piece a token grants; InvalidPreview or ExpiredPreview when it grants nothing."""
    try:
        payload = signing.loads(token, salt=SALT)
        publication_id, version, expires = int(payload["p"]), int(payload["v"]), int(payload["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise InvalidPreview("not a preview token") from error
    expires_at = dt.datetime.fromtimestamp(expires, tz=dt.UTC)
    if expires_at <= (now or timezone.now()):
        raise ExpiredPreview(f"this preview link expired at {expires_at.isoformat()}")
    stored = (
        Publication.objects.kept()
        .filter(pk=publication_id)
        .values_list("preview_version", "status", "published_at")
        .first()
    )
    if stored is None:
        raise InvalidPreview("the previewed publication no longer exists")
    stored_version, status, published_at = stored
    if stored_version != version:
        raise ExpiredPreview("this preview link was revoked")
    # A preview is of a piece not yet public. Once live (or withdrawn, its text taken down) the link would
    # show whatever an editor is typing into it, unsaved (the newest autosave), to whoever holds the link.
    if status == Publication.Status.WITHDRAWN or is_live_at(
        status, published_at, now or timezone.now(), trashed_at=None
    ):
        raise ExpiredPreview("this piece is published, so its preview links have ended")
    return Preview(publication_id=publication_id, expires_at=expires_at)
