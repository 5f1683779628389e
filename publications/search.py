"""The stored full-text search vector of publications.

Title weighs most (A), then summary (B), authors' names (C) and body (D). Text is accent-folded in Python
before Postgres sees it (the embedded server has no unaccent), and queries are folded the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from cissapi.text import fold_accents, html_to_text

SEARCH_CONFIG = "english"
BATCH_SIZE = 2000


def weighted_vector_sql(*, title: str, summary: str, authors: str, body: str) -> str:
    """The SQL expression of the search vector over four columns of folded text, weighted A to D.

    The one definition of the weights, shared by refresh_search_vectors and the benchmark corpus's bulk load.
    """
    weighted = ((title, "A"), (summary, "B"), (authors, "C"), (body, "D"))
    return " || ".join(
        f"setweight(to_tsvector('{SEARCH_CONFIG}', {column}), '{weight}')" for column, weight in weighted
    )


_VECTOR_SQL = weighted_vector_sql(title="v.title", summary="v.summary", authors="v.authors", body="v.body")
_UPDATE_SQL = f"""
UPDATE publications_publication AS p
SET search_vector = {_VECTOR_SQL}
FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[])
    AS v(id, title, summary, authors, body)
WHERE p.id = v.id
"""


def refresh_search_vectors(publication_ids: Iterable[int]) -> None:
    """Recompute the stored search vector of the given publications."""
    from publications.models import Publication, PublicationAuthor

    ids = sorted(set(publication_ids))
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        names: dict[int, list[str]] = {pk: [] for pk in batch}
        for pub_id, name in (
            PublicationAuthor.objects.filter(publication_id__in=batch)
            .order_by("publication_id", "position")
            .values_list("publication_id", "author__name")
        ):
            names[pub_id].append(name)
        rows = Publication.objects.filter(id__in=batch).values_list(
            "id", "title", "subtitle", "summary", "body"
        )
        columns: tuple[list, ...] = ([], [], [], [], [])
        for pk, title, subtitle, summary, body in rows:
            columns[0].append(pk)
            columns[1].append(fold_accents(f"{title} {subtitle}"))
            columns[2].append(fold_accents(summary))
            columns[3].append(fold_accents(" ".join(names[pk])))
            columns[4].append(fold_accents(html_to_text(body)))
        with connection.cursor() as cursor:
            cursor.execute(_UPDATE_SQL, list(columns))


def search_query_text(query: str) -> str:
    """Fold a user's query the way documents were folded."""
    return fold_accents(query).strip()
