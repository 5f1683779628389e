"""The pre-publish check: what a piece still lacks before it can go live.

A *blocking* problem leaves the public with something broken: a piece with nobody's name on it, an empty
page, an image a screen reader cannot describe. No one may publish over it; publications.services refuses
it on every path to live (the publish action, the change form, a crafted POST, a command).

A *warning* leaves the piece poorer but whole, and a publisher may have a reason: a short statement needs
no summary (lists and feeds then show its opening words), and a piece may fit no topic yet. The publish
confirmation lists warnings and asks for an explicit "publish anyway".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from cissapi.text import html_to_text
from media.checks import publication_image_problems
from publications.models import Publication


@dataclass(frozen=True)
class Readiness:
    """What a publication lacks before going live: `blocking` problems refuse it, `warnings` need consent."""

    blocking: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        """Nothing blocks (warnings may remain)."""
        return not self.blocking


class PublicationNotReady(ValidationError):
    """A piece was to go live with blocking problems; its messages are the problems."""

    def __init__(self, readiness: Readiness) -> None:
        super().__init__(readiness.blocking)
        self.readiness = readiness


def publication_readiness(publication: Publication) -> Readiness:
    """The pre-publish check of a saved `publication`, as stored (its byline and topics are rows)."""
    return readiness_of(
        publication, has_authors=publication.authorships.exists(), has_topics=publication.topics.exists()
    )


def readiness_of(publication: Publication, *, has_authors: bool, has_topics: bool) -> Readiness:
    """The pre-publish check of `publication` with a byline and topics known to the caller (a bulk
    import holds them in memory; publication_readiness reads them from the rows)."""
    blocking: list[str] = []
    warnings: list[str] = []
    if not has_authors:
        blocking.append("No author: add at least one to the byline.")
    if not html_to_text(publication.body).strip():
        blocking.append("No body: the piece has no text.")
    # The lead image's and body images' alt text: the media library's rule.
    blocking.extend(publication_image_problems(publication))
    if not publication.summary.strip():
        warnings.append("No summary: lists and feeds will show no description.")
    if not has_topics:
        warnings.append("No topic: the piece will appear under no topic.")
    return Readiness(blocking=blocking, warnings=warnings)
