"""The stored full-text search vector of publications, and the snippet a search result shows.

Title weighs most (A), then summary (B), authors' names (C) and body (D). Text is accent-folded in Python
before Postgres sees it (the embedded server has no unaccent), and queries are folded the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from cissapi.text import fold_accents, html_to_text

SEARCH_CONFIG = "english"
BATCH_SIZE = 2000

# A search snippet is HTML whose only markup is <mark>: its text is made plain (the body's tags dropped, the
# entities its sanitizer writes decoded), ts_headline marks matches with private-use characters removed from
# the text beforehand, and everything is escaped before those marks become <mark>. Markup typed into a
# summary, or left in a body written around save(), comes out as inert text.
SNIPPET_MARKS = ("\ue000", "\ue001")
# What nh3 (html5ever) writes into text; &amp; last, so "&amp;lt;" stays the text "&lt;".
BODY_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&nbsp;", "\xa0"), ("&amp;", "&"))
# Enough for text inside an element, which is where a snippet goes (quotes matter only in attributes).
HTML_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
SNIPPET_OPTIONS = f"StartSel={SNIPPET_MARKS[0]}, StopSel={SNIPPET_MARKS[1]}, MaxWords=35, MinWords=15"
# Optimization: ts_headline parses and stems every word of the text it is given (~1 ms for a 2,000-word
# piece, 20 times a page). The snippet is the best passage of the text's first SNIPPET_SCOPE characters
# (cut at a word's end); only when none of them matches is the whole text read, so a match in summary or
# body is always shown.
SNIPPET_SCOPE = 600


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


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _replace_each(sql: str, pairs: tuple[tuple[str, str], ...]) -> str:
    for old, new in pairs:
        sql = f"replace({sql}, {_literal(old)}, {_literal(new)})"
    return sql


def snippet_sql(*, table: str, query: str) -> str:
    """The SQL expression of a search result's snippet: escaped HTML whose only markup is <mark>, from the
    summary and body of the row `table` names (a table or its alias), for the tsquery expression `query`.

    Plain SQL, the one definition the API (PublicationQuerySet.search) and the bench's floor share.
    """
    # Optimization (issue 16): the document's first SNIPPET_SCOPE + 1 characters (`head`, all the snippet
    # reads when they match) need only the start of a long body: stripping tags from the whole of a 2,000-word
    # body was a third of a search's statement. `start` characters of the body are read, what the summary
    # leaves of the scope with room for tags; when they leave too few characters (a tag-heavy opening), `head`
    # is the whole document, and the whole document is made again only when nothing in `head` matches.
    start = f"(GREATEST({SNIPPET_SCOPE + 1} - length({table}.summary), 0) * 3 / 2 + 64)"
    whole = snippet_document_sql(table)
    head = f"""CASE WHEN octet_length({table}.body) <= {start} THEN {whole}
        ELSE (SELECT CASE WHEN length(cut.document) > {SNIPPET_SCOPE} THEN cut.document ELSE {whole} END
            FROM (SELECT {snippet_document_sql(table, start=start)} AS document OFFSET 0) AS cut) END"""
    options = _literal(SNIPPET_OPTIONS)
    # One more character than the scope, then the word it cuts (if any) dropped: a half word must not match.
    first_part = f"""CASE WHEN length(text.head) <= {SNIPPET_SCOPE} THEN text.head
        ELSE regexp_replace(left(text.head, {SNIPPET_SCOPE + 1}), '\\S*$', '') END"""
    matched = f"strpos(near.headline, {_literal(SNIPPET_MARKS[0])}) > 0"
    best = f"""CASE WHEN length(text.head) <= {SNIPPET_SCOPE} OR {matched} THEN near.headline
        ELSE ts_headline('{SEARCH_CONFIG}', {whole}, {query}, {options}) END"""
    escaped = _replace_each(
        best, (*HTML_ESCAPES, (SNIPPET_MARKS[0], "<mark>"), (SNIPPET_MARKS[1], "</mark>"))
    )
    # OFFSET 0 keeps each subquery whole: pulled up, its expression would be computed once per mention.
    return f"""(SELECT {escaped}
    FROM (SELECT {head} AS head OFFSET 0) AS text,
    LATERAL (SELECT ts_headline('{SEARCH_CONFIG}', {first_part}, {query}, {options}) AS headline OFFSET 0)
        AS near)"""


def snippet_document_sql(table: str, *, start: str | None = None) -> str:
    """The SQL of the text a snippet is taken from, of the row `table` names: its summary, a space and its
    body's text (tags dropped, the entities its sanitizer writes decoded), without the marks' characters.

    With `start` (SQL of a number), only the body's first `start` characters are read, and the text is the
    part of the whole one that they settle, a start of it: the body is cut before a tag it would split, and
    its text before the last "&" when an entity may run on past the cut.
    """
    body = f"{table}.body"
    if start is not None:
        body = f"regexp_replace(left({body}, {start}), '<[^>]*$', '')"
    text = f"regexp_replace({body}, '<[^>]+>', ' ', 'g')"
    if start is not None:
        # Fewer characters after the "&" than the longest entity has after its own.
        longest = max(len(entity) for entity, _ in BODY_ENTITIES) - 1
        text = f"regexp_replace({text}, '&[^&]{{0,{longest - 1}}}$', '')"
    plain = _replace_each(text, BODY_ENTITIES)
    return _replace_each(f"{table}.summary || ' ' || {plain}", tuple((m, "") for m in SNIPPET_MARKS))
