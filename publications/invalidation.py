"""What a change of publications makes stale in cached answers, named by the surrogate keys they carry.

The keys are those the views give (publications.api.views' publication_keys, the base viewset's keys_of):
a piece's `publication-12`; its authors', topics', series' and outlets' (`author-3`: their pages count it);
lists' plural names (`publications`, `topics`: a list gains or loses rows); `feeds` and `sitemaps`; and
EDITS_KEY, carried by the lists whose rows or order any edit can change (a search, `updated_since`,
ordering by update time or title).

A change of a piece that is not live before nor after it changes nothing public. An edit of a live piece
that moves it in no list (its title, its body) drops what shows the piece and the edit-sensitive lists.
Anything that can move it in or out of a list (publishing, unpublishing, trashing, withdrawing, a new date,
type, language, series, byline, topics or cross-posts) drops every publication list, the collection lists,
and the pages of its authors, topics, series and outlets before and after the change. A piece scheduled
ends the generation, which then ends again when the piece goes live (cissapi.api.generation).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils import timezone

from cissapi.api.generation import end_generation
from cissapi.api.invalidation import everything_changed, keys_changed
from publications.choices import PublicationStatus
from publications.models import CrossPost, Publication, PublicationAuthor
from publications.querysets import is_live_at

# Lists whose rows or order any public edit of a live piece can change (see EDIT_SENSITIVE in
# publications.api.filters).
EDITS_KEY = "publication-edits"
# The key of every list of publications (the API's lists note their model's plural; the site's pages too).
LIST_KEY = "publications"
# Lists whose rows change when a piece enters or leaves them, and the lists of collections (whose counts and
# whose members change with it).
LIST_KEYS = (LIST_KEY, "authors", "topics", "series", "outlets")
# Every feed and sitemap shows the newest live pieces and their update times.
SYNDICATION_KEYS = ("feeds", "sitemaps")
# Fields of a piece that decide which lists it is in and where (every other public field is shown only).
MEMBERSHIP_FIELDS = frozenset(
    {"status", "published_at", "trashed_at", "withdrawn_at", "type", "language", "series_id"}
)


def _links_sql(match: str) -> str:
    # Outlets too: a piece cross-posted at an outlet is in its count and list.
    topics = Publication.topics.through._meta.db_table
    return f"""
        SELECT 'author-' || author_id FROM {PublicationAuthor._meta.db_table} WHERE publication_id {match}
        UNION SELECT 'topic-' || topic_id FROM {topics} WHERE publication_id {match}
        UNION SELECT 'outlet-' || outlet_id FROM {CrossPost._meta.db_table} WHERE publication_id {match}
        UNION SELECT 'series-' || series_id FROM {Publication._meta.db_table}
            WHERE id {match} AND series_id IS NOT NULL
    """


def links_column() -> RawSQL:
    """For a query of publications: the keys of each one's authors, topics, series and outlets (an array)."""
    own_id = f"{Publication._meta.db_table}.id"
    return RawSQL(f"ARRAY({_links_sql(f'= {own_id}')})", [])


def link_keys(publication_ids: Iterable[int]) -> set[str]:
    """The keys of the authors, topics, series and outlets of the given publications."""
    ids = list(publication_ids)
    if not ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(_links_sql("= ANY(%(ids)s)"), {"ids": ids})
        return {row[0] for row in cursor.fetchall()}


def publication_written(
    *,
    publication_id: int,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    before_links: Iterable[str],
    related: bool,
) -> None:
    """Drop what one write of a publication made stale: `before` and `after` are its stored public fields
    around the write (`before` None for a new piece), `before_links` its link keys before, `related` whether
    its byline, topics, cross-posts or corrections changed."""
    now = timezone.now()
    if _scheduled(after, now):
        # Rare: the generation must now end when this piece goes live (register_expiry).
        end_generation()
    was_live, is_live = before is not None and _live(before, now), _live(after, now)
    if not was_live and not is_live:
        return
    keys = {f"publication-{publication_id}", EDITS_KEY, *SYNDICATION_KEYS}
    moved = (
        before is None
        or related
        or was_live != is_live
        or any(before[name] != after[name] for name in MEMBERSHIP_FIELDS)
    )
    if moved:
        keys |= {*LIST_KEYS, *before_links, *link_keys([publication_id])}
    keys_changed(keys)


def publications_relinked(*, publication_ids: Iterable[int], also: Iterable[str] = ()) -> None:
    """Drop what a change of some live publications' related rows made stale (a byline, topics, a renamed
    author or outlet): they may move in lists. `also`: keys of what they were linked to before."""
    live = list(
        Publication.objects.published().filter(pk__in=set(publication_ids)).values_list("pk", flat=True)
    )
    if not live:
        return
    keys = {f"publication-{pk}" for pk in live} | link_keys(live)
    keys_changed({*keys, *also, *LIST_KEYS, *SYNDICATION_KEYS, EDITS_KEY})


def publication_removed(
    *, before: dict[str, Any] | None, before_links: Iterable[str], publication_id: int
) -> None:
    """Drop what deleting a publication made stale; without its stored row (`before`), everything.

    Live or not: deletes are rare (emptying the trash), and a row trashed by a write that bypassed the
    services (QuerySet.update) may still be in cached answers.
    """
    if before is None:
        everything_changed()
    else:
        keys_changed(
            {f"publication-{publication_id}", *before_links, *LIST_KEYS, *SYNDICATION_KEYS, EDITS_KEY}
        )


def _live(stored: dict[str, Any], now: datetime) -> bool:
    return is_live_at(stored["status"], stored["published_at"], now, trashed_at=stored["trashed_at"])


def _scheduled(stored: dict[str, Any], now: datetime) -> bool:
    published_at = stored["published_at"]
    return (
        stored["status"] == PublicationStatus.PUBLISHED
        and published_at is not None
        and published_at > now
        and stored["trashed_at"] is None
    )
