"""A snippet reads only the start of a long body when that start settles it, and is the same snippet as the
whole document's: whatever tag, entity or multibyte character the start cuts, however few characters its
tags leave, and when nothing in it matches."""

import html
import re

import pytest
from django.db import connection

from publications.models import Publication
from publications.search import (
    BODY_ENTITIES,
    SEARCH_CONFIG,
    SNIPPET_MARKS,
    SNIPPET_OPTIONS,
    SNIPPET_SCOPE,
    snippet_document_sql,
    snippet_sql,
)
from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db

QUERY = f"websearch_to_tsquery('{SEARCH_CONFIG}', %(q)s)"
WORDS = "Provincial budgets were debated at length in the assembly today "


def snippet(summary: str, body: str, q: str) -> str:
    """snippet_sql() of a row holding `summary` and `body`."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {snippet_sql(table='p', query=QUERY)} FROM (SELECT %(summary)s AS summary,"
            " %(body)s AS body) AS p",
            {"summary": summary, "body": body, "q": q},
        )
        return cursor.fetchone()[0]


def expected(summary: str, body: str, q: str) -> str:
    """The snippet by its definition, the document made whole in Python: the best passage of its first
    SNIPPET_SCOPE characters (a word the scope cuts left out), of the whole document when none of them
    matches."""
    text = re.sub("<[^>]+>", " ", body)
    for entity, character in BODY_ENTITIES:
        text = text.replace(entity, character)
    document = f"{summary} {text}"
    for mark in SNIPPET_MARKS:
        document = document.replace(mark, "")
    first = document if len(document) <= SNIPPET_SCOPE else re.sub(r"\S*$", "", document[: SNIPPET_SCOPE + 1])
    with connection.cursor() as cursor:
        headline = f"ts_headline('{SEARCH_CONFIG}', %(text)s, {QUERY}, %(options)s)"
        cursor.execute(f"SELECT {headline}", {"text": first, "q": q, "options": SNIPPET_OPTIONS})
        best = cursor.fetchone()[0]
        if len(document) > SNIPPET_SCOPE and SNIPPET_MARKS[0] not in best:
            cursor.execute(f"SELECT {headline}", {"text": document, "q": q, "options": SNIPPET_OPTIONS})
            best = cursor.fetchone()[0]
    best = html.escape(best, quote=False)
    return best.replace(SNIPPET_MARKS[0], "<mark>").replace(SNIPPET_MARKS[1], "</mark>")


# Cut at every character of each: the start of a body ends inside a tag, an entity, a lone "<", an empty
# "<>", a character of several bytes, a mark's character.
SPLIT = [
    '<a href="https://example.org/x">budget &amp; assembly</a>',
    "&lt;budget&gt; &quot;assembly&quot;&nbsp;&amp;lt; &amp;&amp;amp",
    "budget < assembly and > today <",
    "budget <> assembly <>",
    "بجٹ budget اسمبلی assembly",
    "budget \ue000assembly\ue001 & today",
]


@pytest.mark.parametrize("split", SPLIT)
def test_the_text_of_a_bodys_start_is_a_start_of_the_whole_documents_text(split):
    body = f"<p>{WORDS}{split}</p><p>{WORDS}</p>"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT n, {snippet_document_sql("p", start="n")}, {snippet_document_sql("p")}
            FROM (SELECT %(summary)s AS summary, %(body)s AS body) AS p, generate_series(0, %(n)s) AS n""",
            {"summary": "Budget notes.", "body": body, "n": len(body) + 1},
        )
        starts = cursor.fetchall()
    # From no text of the body's up to all of it.
    assert starts[0][1] == "Budget notes. "
    assert starts[-1][1] == starts[-1][2]
    for n, start, whole in starts:
        assert whole.startswith(start), (n, body[:n])


@pytest.mark.parametrize(
    "body",
    [
        # Tags leave too little text of the body's start: the whole document is made.
        f'<figure><img src="/{"a" * 3000}.jpg" alt=""></figure><p>{WORDS * 40}</p>',
        # The only match lies past the start and past the scope.
        f"<p>{WORDS * 40}</p><p>The Gwadar harbour was dredged.</p>",
        # Shorter than the scope, or just at it.
        "<p>Gwadar.</p>",
        "<p>" + "y" * (SNIPPET_SCOPE - len("Budget notes. ")) + "</p>",
        # Marks' characters typed into the body are dropped.
        f"<p>{WORDS * 3}\ue000Gwadar\ue001 {WORDS * 40}</p>",
    ],
)
def test_edge_bodies_give_the_whole_documents_snippet(body):
    for q in ("gwadar", "budget"):
        assert snippet("Budget notes.", body, q) == expected("Budget notes.", body, q)


def test_a_long_body_is_read_only_as_far_as_its_start_when_it_matches():
    # A body stored out of line (TOAST) in many chunks: the snippet reads the first of them, not all.
    body = "<p>Budget notes.</p>" + "".join(f"<p>{WORDS} {n} {n * 7919 % 100003}</p>" for n in range(20000))
    piece = PublicationFactory(published=True, summary="", body=body)
    with connection.cursor() as cursor:
        cursor.execute(
            f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT {snippet_sql(table='p', query=QUERY)}"
            " FROM publications_publication p WHERE p.id = %(id)s",
            {"id": piece.pk, "q": "budget"},
        )
        plan = cursor.fetchone()[0][0]["Plan"]
    read = plan["Shared Hit Blocks"] + plan["Shared Read Blocks"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_relation_size(reltoastrelid) / current_setting('block_size')::int FROM pg_class"
            " WHERE oid = %s::regclass",
            [Publication._meta.db_table],
        )
        toast_blocks = cursor.fetchone()[0]
    assert toast_blocks > 100
    assert read < 20, read
