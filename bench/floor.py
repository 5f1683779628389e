"""The floor: a bare WSGI app answering the API's benchmarked URLs with hand-written SQL, the best plan
for each URL: the fastest honest way to produce the same bytes, which `make bench` compares the API against.

Each response's JSON is built by Postgres (a page's ids sliced from an index first, by walking the date
index for a filter, then only those rows read by primary key and their authors and topics aggregated) and
returned with orjson, in one statement per request; a detail reads its related pieces in a second (its stored
candidates, publications.related, when they settle it; else worked out from
the topic and author ids the first read, as the API does), and a search whose count is not known yet
counts first (and, past the ranked window, finds where the window ends). Counts follow the API's own
semantics: exact up to API_EXACT_COUNT_LIMIT, counted with LIMIT bound + 1 so they stop reading there
(`count_is_exact`, no `pages` past it), kept per filter or taken on every request as API_CACHE_COUNTS says;
a search ranks the same window of the newest matches as the API; the connection runs with JIT off. Python
only parses the query string, adds the pagination links and, for a detail, makes `meta` and `jsonld` with
publications.metadata's own producers from facts its statement read (page_metadata says why not in SQL).
It follows the same rules as the API (README.md, "API"): same fields,
`Publication.objects.published()`'s rule with Python's clock, authors in byline order, DRF's page-number
and cursor pagination envelopes. No framework, no middleware, no ORM: anything the API does beyond this is
overhead the ratio measures. tests/bench/test_floor_plans.py checks that its plans are never costlier.

Serve it with `gunicorn bench.floor:application` (the bench does); tests call `make_app(connect)` with the
test's own connection.
"""

from __future__ import annotations

import base64
import datetime as dt
import gc
import re
import threading
from collections.abc import Callable, Iterable
from typing import NamedTuple, cast
from urllib.parse import parse_qs, quote, urlencode
from zoneinfo import ZoneInfo

import orjson
import psycopg

from cissapi.text import fold_accents
from publications.querysets import api_datetime_sql
from publications.search import snippet_sql

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
SEARCH_CONFIG = "english"
FEED_SIZE = 50  # publications.feeds.FEED_LENGTH
# As in publications.querysets: relevance ranks the newest SEARCH_RANK_WINDOW matches, older ones follow by
# date; related pieces are checked among the RELATED_CANDIDATES sharing the most first.
SEARCH_RANK_WINDOW = 1000
RELATED_CANDIDATES = 50

StartResponse = Callable[[str, list[tuple[str, str]]], object]
# A list's count (exact up to API_EXACT_COUNT_LIMIT, else that bound), whether it is exact, for a search
# past SEARCH_RANK_WINDOW matches the (published_at, id) ending the window, and, for a search whose summary
# is kept, the window's ids best first (as the API keeps them with its count).
Summary = tuple[int, bool, tuple[dt.datetime, int] | None, tuple[int, ...] | None]
Environ = dict


class BadRequest(Exception):
    def __init__(self, parameter: str, detail: str) -> None:
        super().__init__(detail)
        self.parameter, self.detail = parameter, detail


class NotFound(Exception):
    pass


# --- SQL building blocks ----------------------------------------------------------------------------
def iso(column: str, tz: str) -> str:
    """An ISO 8601 timestamp in `tz`, as DRF renders it: the API's own SQL for it, with `tz` a literal."""
    return api_datetime_sql(column, f"'{tz}'")


def iso_utc(column: str) -> str:
    """A timestamp as Python's isoformat() of the UTC value (how Django's feeds write RFC 3339 dates)."""
    utc = f"(({column}) AT TIME ZONE 'UTC')"
    return (
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        f" || CASE WHEN mod(extract(microseconds FROM {utc})::int, 1000000) <> 0"
        f" THEN to_char({utc}, '.US') ELSE '' END || '+00:00'"
    )


def opt(expression: str) -> str:
    """Empty optional strings render as null, as in the API (README.md, "API")."""
    return f"NULLIF({expression}, '')"


def byline_entry() -> str:
    """One byline entry of the author aliased `a` in the link row `pa`, as the API embeds it."""
    return f"""json_build_object('slug', a.slug, 'name', a.name,
                'honorific', {opt("a.honorific")},
                'role', pa.role, 'headline', {opt("a.headline")},
                'url', %(base)s || '/api/v1/authors/' || a.slug || '/',
                'public_url', %(site)s || '/authors/' || a.slug || '/',
                'photo', {image_json("a.photo_id")})"""


def topic_json() -> str:
    """The topic aliased `t` as a piece or a bio embeds it: with its API and public URLs."""
    return """json_build_object('slug', t.slug, 'name', t.name,
        'url', %(base)s || '/api/v1/topics/' || t.slug || '/',
        'public_url', %(site)s || '/topics/' || t.slug || '/')"""


def image_json(image_id: str) -> str:
    """The library image whose id is the column `image_id`, with its renditions, as the API shows it."""
    return f"""(SELECT json_build_object('url', %(media)s || i.file, 'width', i.width, 'height', i.height,
            'alt', {opt("i.alt")}, 'caption', {opt("i.caption")}, 'credit', {opt("i.credit")},
            'renditions', COALESCE((SELECT json_agg(json_build_object('url', %(media)s || (r ->> 'path'),
                'width', (r ->> 'width')::int, 'height', (r ->> 'height')::int, 'format', r ->> 'format')
                ORDER BY n) FROM jsonb_array_elements(i.renditions) WITH ORDINALITY AS e(r, n)), '[]'))
        FROM media_image i WHERE i.id = {image_id})"""


BYLINE = f"""COALESCE((
            SELECT json_agg({byline_entry()} ORDER BY pa.position)
            FROM publications_publicationauthor pa JOIN authors_author a ON a.id = pa.author_id
            WHERE pa.publication_id = p.id AND a.trashed_at IS NULL), '[]')"""
TOPICS = f"""COALESCE((
            SELECT json_agg({topic_json()} ORDER BY t.name)
            FROM publications_publication_topics pt JOIN publications_topic t ON t.id = pt.topic_id
            WHERE pt.publication_id = p.id), '[]')"""


def item_json(tz: str, extra: str = "", *, authors: str = BYLINE, topics: str = TOPICS) -> str:
    """The lean list item of the publication aliased `p` (with `extra` key/value SQL pairs appended);
    `authors` and `topics` are the SQL of its byline and topics arrays."""
    return f"""json_build_object(
        'id', p.id, 'uuid', p.uuid, 'slug', p.slug,
        'url', %(base)s || '/api/v1/publications/' || p.slug || '/',
        'public_url', %(site)s || '/publications/' || p.slug || '/',
        'type', p.type, 'title', p.title, 'subtitle', {opt("p.subtitle")}, 'summary', {opt("p.summary")},
        'language', p.language, 'published_at', {iso("p.published_at", tz)},
        'updated_at', {iso("p.updated_at", tz)},
        'reading_minutes', CASE WHEN p.word_count = 0 THEN 0 ELSE GREATEST(1, (p.word_count + 199) / 200) END,
        'authors', {authors},
        'topics', {topics},
        'series', (SELECT json_build_object('slug', s.slug, 'name', s.name)
                   FROM publications_series s WHERE s.id = p.series_id),
        'image', {image_json("p.lead_image_id")}
        {extra}
    )"""


# publications.querysets.published_q: trashed pieces are gone to the public.
PUBLISHED = "p.status = 'published' AND p.published_at <= %(now)s AND p.trashed_at IS NULL"
# The same rule with the time read as the statement runs (an InitPlan), not while Postgres plans it, as the
# API's lists without a search read it: their prepared statements then keep one generic plan
# (the same plan) instead of being planned on every request (publications.querysets, _TIME_UNPLANNED_STEPS).
PUBLISHED_AS_RUN = (
    "p.status = 'published' AND p.published_at <= (SELECT %(now)s::timestamptz) AND p.trashed_at IS NULL"
)
# One author's pieces (no search): their bylines by date (publicationauthor_date_idx), joined to the pieces,
# ordered by the byline's copy of the date (the pieces' order: the database keeps it equal), so the walk of
# the index is the pieces' order and stops at the page. The API says it so too (_walked_by_date in
# publications.querysets): an equality of the two dates made Postgres expect one row and sort them all.
ONE_AUTHOR_TABLE = (
    "publications_publicationauthor pa JOIN publications_publication p ON p.id = pa.publication_id"
)
ONE_AUTHOR = (
    "pa.author_id = (SELECT id FROM authors_author WHERE slug = %(author)s)"
    " AND pa.published_at <= (SELECT %(now)s::timestamptz)"
)
# One topic's pieces (no search, no author): their filings by date (publication_topics_date_idx), as above.
ONE_TOPIC_TABLE = (
    "publications_publication_topics pt JOIN publications_publication p ON p.id = pt.publication_id"
)
ONE_TOPIC = (
    "pt.topic_id = (SELECT id FROM publications_topic WHERE slug = %(topic)s)"
    " AND pt.published_at <= (SELECT %(now)s::timestamptz)"
)
# The alias of the link whose date copy a one-author or one-topic list walks: its date orders the list, and a
# cursor's position goes on it.
WALKED_LINK = {ONE_AUTHOR_TABLE: "pa", ONE_TOPIC_TABLE: "pt"}
# Search results carry the matching passage of summary and body text, matches in <mark>: the API's own SQL
# expression (publications.search.snippet_sql), as plain SQL has no cheaper way to the same bytes.
SNIPPET = ", 'snippet', " + snippet_sql(table="p", query=f"websearch_to_tsquery('{SEARCH_CONFIG}', %(q)s)")


def detail_json(tz: str) -> str:
    """The publication aliased `p`: the list item plus body, files, cross-posts and corrections, its byline,
    topics and cross-posts from the laterals of detail_sql (related pieces come from related_json)."""
    return f"""(({item_json(tz, authors="b.authors", topics="tp.topics")})::jsonb || jsonb_build_object(
        'body', p.body, 'word_count', p.word_count, 'first_published_at', {iso("p.first_published_at", tz)},
        'pdf', CASE WHEN p.pdf <> '' THEN %(media)s || p.pdf END,
        'pdf_size', CASE WHEN p.pdf <> '' THEN p.pdf_size END,
        'pdf_pages', CASE WHEN p.pdf <> '' THEN p.pdf_pages END,
        'doi', {opt("p.doi")}, 'report_number', {opt("p.report_number")},
        'volume', {opt("p.volume")}, 'issue', {opt("p.issue")}, 'comments_enabled', p.comments_enabled,
        'canonical_url', COALESCE(cp.canonical, %(site)s || '/publications/' || p.slug || '/'),
        'cross_posts', cp.posts,
        'corrections', COALESCE((
            SELECT jsonb_agg(jsonb_build_object('date', k.date, 'text', k.text) ORDER BY k.date, k.id)
            FROM publications_correction k WHERE k.publication_id = p.id), '[]')
    ))"""


def detail_sql(tz: str) -> str:
    """The detail document, the piece's id and the ids of its topics and byline's authors (for related
    pieces), then what publications.metadata reads of the piece (Metadata): each relation read once, its
    JSON, its ids and its facts from the same rows."""
    return f"""SELECT {detail_json(tz)}::text, p.id, tp.ids, b.ids,
            json_build_object('slug', p.slug, 'type', p.type, 'title', p.title, 'subtitle', p.subtitle,
                'summary', p.summary, 'language', p.language, 'doi', p.doi, 'report_number', p.report_number,
                'volume', p.volume, 'issue', p.issue, 'pdf', p.pdf),
            p.published_at, p.updated_at, COALESCE(b.people, '[]'), COALESCE(tp.names, '{{}}'),
            COALESCE(cp.links, '[]'),
            (SELECT json_build_object('name', s.name, 'kind', s.kind, 'issn', s.issn)
             FROM publications_series s WHERE s.id = p.series_id),
            (SELECT json_build_object('file', i.file, 'alt', i.alt)
             FROM media_image i WHERE i.id = p.lead_image_id)
        FROM publications_publication p
        LEFT JOIN LATERAL (
            SELECT COALESCE(json_agg({byline_entry()} ORDER BY pa.position), '[]') AS authors,
                array_agg(pa.author_id) AS ids,
                -- A byline entry and its author's profile, as with_detail()'s byline and byline_profiles.
                json_agg(json_build_object('id', a.id, 'slug', a.slug, 'name', a.name,
                    'honorific', a.honorific, 'headline', a.headline, 'role', pa.role, 'kind', a.kind,
                    'affiliation', a.affiliation,
                    'links', ARRAY(SELECT l.url FROM authors_authorlink l WHERE l.author_id = a.id
                                   ORDER BY l.position, l.id)) ORDER BY pa.position) AS people
            FROM publications_publicationauthor pa JOIN authors_author a ON a.id = pa.author_id
            WHERE pa.publication_id = p.id AND a.trashed_at IS NULL) AS b ON true
        LEFT JOIN LATERAL (
            SELECT COALESCE(json_agg({topic_json()} ORDER BY t.name), '[]') AS topics, array_agg(t.id) AS ids,
                array_agg(t.name ORDER BY t.name) AS names
            FROM publications_publication_topics pt JOIN publications_topic t ON t.id = pt.topic_id
            WHERE pt.publication_id = p.id) AS tp ON true
        LEFT JOIN LATERAL (
            SELECT COALESCE(jsonb_agg(jsonb_build_object(
                'outlet', jsonb_build_object('slug', o.slug, 'name', o.name, 'domain', o.domain,
                                             'homepage', {opt("o.homepage")}),
                'url', c.url, 'relation', c.relation, 'published_on', c.published_on,
                'is_canonical', c.is_canonical) ORDER BY c.id), '[]') AS posts,
                min(c.url) FILTER (WHERE c.is_canonical) AS canonical,
                json_agg(json_build_object('url', c.url, 'relation', c.relation) ORDER BY c.id) AS links
            FROM publications_crosspost c JOIN publications_outlet o ON o.id = c.outlet_id
            WHERE c.publication_id = p.id) AS cp ON true
        WHERE p.slug = %(slug)s AND {PUBLISHED}"""


def related_json(tz: str) -> str:
    """The related pieces of publication %(id)s: the live ones among its stored candidates
    (publications.related) when they settle the answer, else worked out from the topic and author ids its row
    was read with (as the API finds them: the planner then sees which topics and authors they are)."""
    item = f"""jsonb_build_object('slug', r.slug, 'title', r.title, 'type', r.type,
                'published_at', {iso("r.published_at", tz)},
                'url', %(base)s || '/api/v1/publications/' || r.slug || '/',
                'public_url', %(site)s || '/publications/' || r.slug || '/',
                'image', {image_json("r.lead_image_id")})"""
    return f"""SELECT COALESCE((
            -- Stored: settled when five are live, or when these are all the candidates there are. COALESCE
            -- reads the live answer below only when this is null.
            SELECT CASE WHEN rc.complete OR count(r.id) = 5
                THEN COALESCE(jsonb_agg({item} ORDER BY r.place) FILTER (WHERE r.id IS NOT NULL), '[]') END
            FROM publications_relatedcandidates rc
            LEFT JOIN LATERAL (
                SELECT p2.id, p2.slug, p2.title, p2.type, p2.published_at, p2.lead_image_id, c.place
                FROM unnest(rc.candidate_ids) WITH ORDINALITY AS c(id, place)
                JOIN publications_publication p2 ON p2.id = c.id
                WHERE p2.status = 'published' AND p2.published_at <= %(now)s AND p2.trashed_at IS NULL
                ORDER BY c.place LIMIT 5) AS r ON true
            WHERE rc.publication_id = %(id)s
            GROUP BY rc.complete
        ), (
            SELECT jsonb_agg({item} ORDER BY r.shared DESC, r.published_at DESC, r.id DESC)
            FROM (
                -- Count what each candidate shares first; then check the date and status of only the
                -- RELATED_CANDIDATES sharing the most (ties included), and of the rest only when fewer
                -- than five of those are live. The same answer as checking every candidate.
                WITH shares AS MATERIALIZED (
                    SELECT id, count(*) AS shared FROM (
                        SELECT pt.publication_id AS id FROM publications_publication_topics pt
                        WHERE pt.topic_id = ANY(%(topic_ids)s)
                        UNION ALL
                        SELECT pa.publication_id FROM publications_publicationauthor pa
                        WHERE pa.author_id = ANY(%(author_ids)s)
                    ) AS candidates WHERE id <> %(id)s GROUP BY id),
                cut AS MATERIALIZED (
                    SELECT COALESCE(min(shared), 0) AS shared
                    FROM (SELECT shared FROM shares ORDER BY shared DESC LIMIT {RELATED_CANDIDATES}) AS most),
                best AS MATERIALIZED (
                    SELECT p2.id, p2.slug, p2.title, p2.type, p2.published_at, p2.lead_image_id, shares.shared
                    FROM shares JOIN publications_publication p2 ON p2.id = shares.id
                    WHERE shares.shared >= (SELECT shared FROM cut)
                      AND p2.status = 'published' AND p2.published_at <= %(now)s AND p2.trashed_at IS NULL
                    ORDER BY shares.shared DESC, p2.published_at DESC, p2.id DESC LIMIT 5)
                SELECT * FROM best
                UNION ALL (
                    SELECT p2.id, p2.slug, p2.title, p2.type, p2.published_at, p2.lead_image_id, shares.shared
                    FROM shares JOIN publications_publication p2 ON p2.id = shares.id
                    WHERE shares.shared < (SELECT shared FROM cut) AND (SELECT count(*) FROM best) < 5
                      AND p2.status = 'published' AND p2.published_at <= %(now)s AND p2.trashed_at IS NULL
                    ORDER BY shares.shared DESC, p2.published_at DESC, p2.id DESC LIMIT 5)
                ORDER BY shared DESC, published_at DESC, id DESC LIMIT 5
            ) AS r), '[]')::text"""


def author_json(tz: str) -> str:
    """The author bio aliased `a`, with a count of their published pieces."""
    return f"""json_build_object(
        'slug', a.slug, 'name', a.name, 'honorific', {opt("a.honorific")},
        'display_name', btrim(a.honorific || ' ' || a.name), 'headline', {opt("a.headline")},
        'short_bio', {opt("a.short_bio")}, 'bio', {opt("a.bio")},
        'photo', {image_json("a.photo_id")},
        'kind', a.kind, 'affiliation', a.affiliation,
        'url', %(base)s || '/api/v1/authors/' || a.slug || '/',
        'publications_url', %(base)s || '/api/v1/authors/' || a.slug || '/publications/',
        'public_url', %(site)s || '/authors/' || a.slug || '/',
        'positions', COALESCE((SELECT json_agg(json_build_object('title', x.title,
            'organization', {opt("x.organization")}, 'start_year', x.start_year, 'end_year', x.end_year,
            'is_current', x.is_current) ORDER BY x.position, x.id)
            FROM authors_position x WHERE x.author_id = a.id), '[]'),
        'education', COALESCE((SELECT json_agg(json_build_object('degree', x.degree,
            'field', {opt("x.field")},
            'institution', x.institution, 'status', x.status, 'year', x.year) ORDER BY x.position, x.id)
            FROM authors_education x WHERE x.author_id = a.id), '[]'),
        'works', COALESCE((SELECT json_agg(json_build_object('kind', x.kind, 'title', x.title,
            'publisher', {opt("x.publisher")}, 'year', x.year, 'isbn', {opt("x.isbn")}, 'url', {opt("x.url")})
            ORDER BY x.position, x.year DESC NULLS LAST, x.id)
            FROM authors_work x WHERE x.author_id = a.id), '[]'),
        'links', COALESCE((SELECT json_agg(json_build_object('kind', x.kind, 'url', x.url,
            'handle', {opt("x.handle")}) ORDER BY x.position, x.id)
            FROM authors_authorlink x WHERE x.author_id = a.id), '[]'),
        'interests', COALESCE((SELECT json_agg({topic_json()}
            ORDER BY t.name)
            FROM authors_author_interests ai JOIN publications_topic t ON t.id = ai.topic_id
            WHERE ai.author_id = a.id), '[]'),
        'outlets', COALESCE((SELECT json_agg(json_build_object('slug', o.slug, 'name', o.name,
            'domain', o.domain, 'homepage', {opt("o.homepage")}) ORDER BY o.name)
            FROM authors_author_outlets ao JOIN publications_outlet o ON o.id = ao.outlet_id
            WHERE ao.author_id = a.id), '[]'),
        -- Counted on write (publications.related) as of as_of, plus the pieces gone live since (read from
        -- the bylines by date, as the API does); else counted here.
        'publication_count', COALESCE((SELECT s.count + (SELECT count(*)
                FROM publications_publicationauthor pa
                JOIN publications_publication p ON p.id = pa.publication_id
                WHERE pa.author_id = a.id AND pa.published_at > s.as_of AND pa.published_at <= %(now)s
                  AND {PUBLISHED})
            FROM publications_authorpublicationstats s
            WHERE s.author_id = a.id AND s.as_of <= %(now)s),
            (SELECT count(*) FROM publications_publicationauthor pa
            JOIN publications_publication p ON p.id = pa.publication_id
            WHERE pa.author_id = a.id AND {PUBLISHED}))
    )"""


# --- Pagination (DRF's, reproduced so links match) ---------------------------------------------------
def encode_cursor(offset: int, reverse: bool, position: str | None) -> str:
    tokens = {}
    if offset:
        tokens["o"] = str(offset)
    if reverse:
        tokens["r"] = "1"
    if position is not None:
        tokens["p"] = position
    return base64.b64encode(urlencode(tokens, doseq=True).encode("ascii")).decode("ascii")


def decode_cursor(token: str) -> tuple[int, bool, str | None]:
    try:
        tokens = parse_qs(
            base64.b64decode(token.encode("ascii"), validate=True).decode("ascii"), keep_blank_values=True
        )
        offset = max(0, int(tokens.get("o", ["0"])[0]))
        return offset, tokens.get("r", ["0"])[0] == "1", tokens.get("p", [None])[0]
    except (ValueError, UnicodeError) as error:
        raise BadRequest("cursor", "Invalid cursor.") from error


def position_of(value: dt.datetime) -> str:
    """DRF's cursor position: str() of the ordering field's value as the ORM returns it (UTC)."""
    return str(value.astimezone(dt.UTC))


class Floor:
    def __init__(
        self,
        connect: Callable[[], psycopg.Connection],
        *,
        site_url: str,
        media_url: str,
        time_zone: str,
        cache_counts: bool = False,
        count_limit: int = 10000,
    ) -> None:
        self.connect = connect
        # Counts kept per list filter, as the API keeps them with API_CACHE_COUNTS (in memory here: the
        # bench changes nothing while it runs, so a count never goes stale).
        self.cache_counts = cache_counts
        self.summaries: dict[tuple, Summary] = {}
        # Counts are exact up to this bound and stop there, as the API's (API_EXACT_COUNT_LIMIT).
        self.count_limit = count_limit
        self.site_url = site_url.rstrip("/")
        self.media_url = media_url
        ZoneInfo(time_zone)  # an unknown zone fails here, not in SQL (it is interpolated into it)
        self.tz = time_zone
        self.item = item_json(time_zone)
        self.search_item = item_json(time_zone, extra=SNIPPET)
        self.detail_sql = detail_sql(time_zone)
        self.related_sql = related_json(time_zone)
        self.author_sql = (
            f"SELECT {author_json(time_zone)}::text FROM authors_author a WHERE a.slug = %(slug)s"
        )

    # --- WSGI ---------------------------------------------------------------------------------------
    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        try:
            status, body = self.route(environ)
        except BadRequest as error:
            status = "400 Bad Request"
            body = orjson.dumps(
                {"title": "Bad request", "status": 400, "detail": error.detail, "parameter": error.parameter}
            )
        except NotFound:
            status, body = "404 Not Found", orjson.dumps({"title": "Not found", "status": 404})
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def route(self, environ: Environ) -> tuple[str, bytes]:
        path = environ.get("PATH_INFO", "")
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        base = f"{environ.get('wsgi.url_scheme', 'http')}://{host(environ)}"
        params = {"base": base, "site": self.site_url, "media": absolute(self.media_url, base), "now": now()}
        if path == "/api/v1/publications/":
            return "200 OK", self.publication_list(path, query, params)
        if match := re.fullmatch(r"/api/v1/publications/([-\w]+)/", path):
            return "200 OK", self.detail(params, match[1], environ)
        if match := re.fullmatch(r"/api/v1/authors/([-\w]+)/publications/", path):
            return "200 OK", self.publication_list(path, query, params, author_route=match[1])
        if match := re.fullmatch(r"/api/v1/authors/([-\w]+)/", path):
            return "200 OK", self.one(self.author_sql, {**params, "slug": match[1]})
        if path == "/feeds/json/":
            return "200 OK", self.feed(params)
        raise NotFound

    def execute(self, sql: str, params: dict) -> tuple | None:
        with self.connect().cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()

    def aggregate_row(self, sql: str, params: dict) -> tuple:
        """The row of a SELECT of aggregates and subqueries without FROM, which always returns one."""
        return cast(tuple, self.execute(sql, params))

    def detail(self, params: dict, slug: str, environ: Environ) -> bytes:
        row = self.execute(self.detail_sql, {**params, "slug": slug})
        if row is None:
            raise NotFound
        document, pk, topic_ids, author_ids, *facts = row
        related = self.aggregate_row(
            self.related_sql, {**params, "id": pk, "topic_ids": topic_ids, "author_ids": author_ids}
        )[0]
        metadata = page_metadata(Metadata(*facts), environ)
        return f'{document[:-1]}, "related": {related}, '.encode() + metadata[1:]

    def one(self, sql: str, params: dict) -> bytes:
        row = self.execute(sql, params)
        if row is None:
            raise NotFound
        return row[0].encode()

    # --- Lists --------------------------------------------------------------------------------------
    def publication_list(
        self, path: str, query: dict, params: dict, author_route: str | None = None
    ) -> bytes:
        filters = [PUBLISHED]
        topics = [t for t in query.get("topic", []) if t]
        authors = [a for a in query.get("author", []) if a] + ([author_route] if author_route else [])
        text = fold_accents(query.get("q", [""])[-1]).strip()
        table = "publications_publication p"
        if len(set(topics)) == 1 and not text and not authors:
            # One topic: its filings walked newest first, each carrying its piece's date (as the API reads
            # them), the piece's own row checked for the rest of the rule.
            params["topic"] = topics[0]
            table = ONE_TOPIC_TABLE
            filters.append(ONE_TOPIC)
        elif topics:
            params["topics"] = topics
            filters.append(
                "EXISTS (SELECT 1 FROM publications_publication_topics pt JOIN publications_topic t"
                " ON t.id = pt.topic_id WHERE pt.publication_id = p.id AND t.slug = ANY(%(topics)s))"
            )
        if len(set(authors)) == 1 and not text:
            # One author: their bylines walked newest first, each carrying its piece's date (as the API reads
            # them: README, "Benchmarks"), the piece's own row checked for the rest of the rule.
            params["author"] = authors[0]
            table = ONE_AUTHOR_TABLE
            filters.append(ONE_AUTHOR)
        elif authors:
            params["authors"] = authors
            filters.append(
                "EXISTS (SELECT 1 FROM publications_publicationauthor pa JOIN authors_author a"
                " ON a.id = pa.author_id WHERE pa.publication_id = p.id AND a.slug = ANY(%(authors)s))"
            )
        if text:
            params["q"] = text
            filters.append(f"p.search_vector @@ websearch_to_tsquery('{SEARCH_CONFIG}', %(q)s)")
        if not text:
            filters[0] = PUBLISHED_AS_RUN
        where = " AND ".join(filters)
        # An unknown author on /authors/<slug>/publications/ is a 404, answered by the same statement.
        author_check = (
            "(SELECT count(*) FROM authors_author WHERE slug = %(author_route)s)" if author_route else "1"
        )
        params["author_route"] = author_route
        size = page_size(query)
        if "cursor" in query or query.get("mode", [""])[-1] == "cursor":
            if text:
                raise BadRequest("cursor", "Cursor pagination is ordered by date; it cannot be used with q.")
            return self.cursor_page(path, query, params, where, author_check, size, table)

        page = page_number(query)
        offset = (page - 1) * size
        if text and offset >= self.count_limit:
            # As the API: a search's pages reach as far as its count does; past them, as past the last page.
            raise NotFound
        # The API's count semantics: one count (and search window) per filter, kept for the catalogue's
        # life when API_CACHE_COUNTS is on; taken on every request when it is off.
        key = (path, tuple(topics), tuple(authors), text)
        summary = self.summaries.get(key) if self.cache_counts else None
        if text:
            if summary is None:
                summary = self.search_summary(where, author_check, params)
            row = self.aggregate_row(self.search_page_sql(where, author_check, offset, size, summary), params)
        else:
            # The page's ids come from the live index first (an index-only walk, however deep the page, or a
            # walk down the date index checking each piece's filter); only those rows are read and built.
            params.update(limit=size, offset=offset)
            count_sql = self.bounded_count(where, self.count_limit, table) if summary is None else "0"
            ids = f"""SELECT p.id FROM {table} WHERE {where}
                ORDER BY {WALKED_LINK.get(table, "p")}.published_at DESC, p.id DESC
                LIMIT %(limit)s OFFSET %(offset)s"""
            row = self.aggregate_row(self.items_by_id(ids, f"{author_check}, {count_sql}", self.item), params)
            if summary is None:
                summary = (min(row[1], self.count_limit), row[1] <= self.count_limit, None, None)
        if not row[0]:
            raise NotFound
        if self.cache_counts:
            self.summaries[key] = summary
        (count, exact, *_), shown, results = summary, row[2], row[3]
        # Past the last page is a 404; past a bound, the last page is where the rows run out.
        if page > 1 and (offset >= count if exact else not shown):
            raise NotFound
        url = f"{params['base']}{path}"
        # As the API: past a bounded count, a full page may have a next one.
        more = (page * size < count or (not exact and shown == size)) and not (
            text and page * size >= self.count_limit
        )
        next_url = link(url, query, page=page + 1) if more else None
        previous_url = None
        if page > 1:
            previous_url = link(url, query, page=page - 1 if page > 2 else None)
        head: dict[str, object] = {"count": count, "count_is_exact": exact}
        if exact:
            # At least one: page 1 of an empty list is an empty page.
            head["pages"] = max(1, -(-count // size))
        head.update(next=next_url, previous=previous_url)
        return orjson.dumps(head)[:-1] + b',"results":' + results.encode() + b"}"

    @staticmethod
    def bounded_count(where: str, bound: int, table: str = "publications_publication p") -> str:
        """SQL counting the rows `where` selects (from `table`) up to `bound` + 1 (one more tells the count is
        not exact): it stops reading there, as the API's count does."""
        return f"""(SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {where}
            LIMIT {int(bound) + 1}) AS counted)"""

    def search_summary(self, where: str, author_check: str, params: dict) -> Summary:
        """The number of matches (from the full-text index, up to the bound) and, past SEARCH_RANK_WINDOW of
        them, the (published_at, id) of the window's oldest match (walking the date index), as the API finds
        them: counting up to the larger of the bound and the window tells whether there is one. When counts
        are kept, the window's ids best first too, kept with the count as the API keeps them."""
        bound = max(self.count_limit, SEARCH_RANK_WINDOW)
        row = self.aggregate_row(f"SELECT {author_check}, {self.bounded_count(where, bound)}", params)
        if not row[0]:
            raise NotFound
        counted = row[1]
        count, exact = min(counted, self.count_limit), counted <= self.count_limit
        if self.cache_counts:
            end, ranked = self.ranked_window(where, params)
            return count, exact, end, ranked
        if counted <= SEARCH_RANK_WINDOW:
            return count, exact, None, None
        end = self.aggregate_row(
            f"""SELECT p.published_at, p.id FROM publications_publication p WHERE {where}
            ORDER BY p.published_at DESC, p.id DESC OFFSET {SEARCH_RANK_WINDOW - 1} LIMIT 1""",
            params,
        )
        return count, exact, (end[0], end[1]), None

    def ranked_window(
        self, where: str, params: dict
    ) -> tuple[tuple[dt.datetime, int] | None, tuple[int, ...]]:
        """The newest SEARCH_RANK_WINDOW matches best first (found walking the date index, one more telling
        whether older ones follow), and the (published_at, id) of the oldest of them when older ones do."""
        row = self.aggregate_row(
            f"""WITH newest AS MATERIALIZED (
                SELECT p.id, p.published_at, p.search_vector FROM publications_publication p WHERE {where}
                ORDER BY p.published_at DESC, p.id DESC LIMIT {SEARCH_RANK_WINDOW + 1})
            SELECT COALESCE(array_agg(id ORDER BY published_at DESC, id DESC), '{{}}'),
                COALESCE(array_agg(id ORDER BY
                    ts_rank(search_vector, websearch_to_tsquery('{SEARCH_CONFIG}', %(q)s)) DESC,
                    published_at DESC, id DESC), '{{}}'),
                (array_agg(published_at ORDER BY published_at DESC, id DESC))[{SEARCH_RANK_WINDOW}]
            FROM newest""",
            params,
        )
        by_date, by_rank, oldest_at = row
        if len(by_date) <= SEARCH_RANK_WINDOW:
            return None, tuple(by_rank)
        beyond = by_date[SEARCH_RANK_WINDOW]
        return (oldest_at, by_date[SEARCH_RANK_WINDOW - 1]), tuple(pk for pk in by_rank if pk != beyond)

    def search_page_sql(self, where: str, author_check: str, offset: int, size: int, summary: Summary) -> str:
        """The page of a search, as the API orders it: the newest SEARCH_RANK_WINDOW matches by relevance,
        older ones by date after them. Only the window's rows are ranked, found by walking the date index;
        a page inside a kept window is a slice of its ids, the filters checked again on those rows (the
        floor's kept windows never go stale: the bench changes nothing while it runs)."""
        rank = f"ts_rank(p.search_vector, websearch_to_tsquery('{SEARCH_CONFIG}', %(q)s))"
        by_rank = f"ORDER BY {rank} DESC, p.published_at DESC, p.id DESC"
        by_date = "ORDER BY p.published_at DESC, p.id DESC"
        table = "publications_publication p"
        window, ranked = summary[2], summary[3]
        if ranked is not None and (window is None or offset + size <= SEARCH_RANK_WINDOW):
            kept = "{" + ",".join(str(int(pk)) for pk in ranked[offset : offset + size]) + "}"
            parts = [
                f"SELECT p.id FROM unnest('{kept}'::bigint[]) WITH ORDINALITY AS kept(id, n)"
                f" JOIN {table} ON p.id = kept.id WHERE {where} ORDER BY kept.n"
            ]
        elif window is None:
            parts = [f"SELECT p.id FROM {table} WHERE {where} {by_rank} LIMIT {size} OFFSET {offset}"]
        else:
            # Literals, not parameters: the bounds are the same for every request of this search.
            end = f"('{window[0].isoformat()}'::timestamptz, {int(window[1])})"
            parts = []
            if offset < SEARCH_RANK_WINDOW:
                limit = min(offset + size, SEARCH_RANK_WINDOW) - offset
                parts.append(
                    f"SELECT p.id FROM {table} WHERE {where} AND (p.published_at, p.id) >= {end}"
                    f" {by_rank} LIMIT {limit} OFFSET {offset}"
                )
            if offset + size > SEARCH_RANK_WINDOW:
                skip = max(0, offset - SEARCH_RANK_WINDOW)
                parts.append(
                    f"SELECT p.id FROM {table} WHERE {where} AND (p.published_at, p.id) < {end}"
                    f" {by_date} LIMIT {offset + size - SEARCH_RANK_WINDOW - skip} OFFSET {skip}"
                )
        ids = " UNION ALL ".join(f"({part})" for part in parts)
        return self.items_by_id(ids, f"{author_check}, 0", self.search_item)

    @staticmethod
    def items_by_id(ids: str, columns: str, item: str) -> str:
        """`columns`, the number of rows, then the JSON array of `item` for the rows whose ids `ids` selects,
        in its order: the ids are sliced first (from an index), then only those rows are read, by primary
        key, and built."""
        return f"""WITH page AS (SELECT ARRAY({ids}) AS ids)
            SELECT {columns}, (SELECT cardinality(ids) FROM page), (
                SELECT COALESCE(json_agg({item} ORDER BY array_position((SELECT ids FROM page), p.id)),
                    '[]')::text
                FROM publications_publication p WHERE p.id = ANY((SELECT ids FROM page)::bigint[]))"""

    @staticmethod
    def page_sql(where: str, order: str, table: str = "publications_publication p") -> str:
        # Slice the page first, number its rows, and only then build JSON for those rows.
        return f"""SELECT p.*, row_number() OVER () AS n FROM (
            SELECT p.* FROM {table} WHERE {where} ORDER BY {order}
            LIMIT %(limit)s OFFSET %(offset)s) p"""

    def cursor_page(
        self, path: str, query: dict, params: dict, where: str, author_check: str, size: int, table: str
    ) -> bytes:
        cursor = decode_cursor(query["cursor"][-1]) if "cursor" in query else None
        offset, reverse, position = cursor or (0, False, None)
        if position is not None:
            try:
                params["position"] = dt.datetime.fromisoformat(position)
            except ValueError as error:
                raise BadRequest("cursor", "Invalid cursor.") from error
            where += " AND p.published_at " + ("> %(position)s" if reverse else "< %(position)s")
            if table in WALKED_LINK:
                # The position on the link's date too: the walk starts there.
                link_alias = WALKED_LINK[table]
                where += f" AND {link_alias}.published_at " + (
                    "> %(position)s" if reverse else "< %(position)s"
                )
        date = f"{WALKED_LINK.get(table, 'p')}.published_at"
        order = f"{date} ASC, p.id ASC" if reverse else f"{date} DESC, p.id DESC"
        # One row more than the page tells whether another page follows, as in DRF.
        params.update(limit=size + 1, offset=offset, size=size)
        row = self.aggregate_row(
            f"""WITH page AS ({self.page_sql(where, order, table)})
            SELECT {author_check},
                (SELECT COALESCE(array_agg(p.published_at ORDER BY n), '{{}}') FROM page p),
                (SELECT COALESCE(json_agg({self.item} ORDER BY n {"DESC" if reverse else ""}), '[]')::text
                 FROM page p WHERE n <= %(size)s)""",
            params,
        )
        if not row[0]:
            raise NotFound
        positions = [position_of(value) for value in row[1]]
        next_cursor, previous_cursor = cursor_links(positions, size, cursor)
        url = f"{params['base']}{path}"
        head = orjson.dumps(
            {
                "next": link(url, query, cursor=next_cursor) if next_cursor else None,
                "previous": link(url, query, cursor=previous_cursor) if previous_cursor else None,
            }
        )
        return head[:-1] + b',"results":' + row[2].encode() + b"}"

    # --- Feed ---------------------------------------------------------------------------------------
    def feed(self, params: dict) -> bytes:
        """The site-wide JSON Feed 1.1 (`/feeds/json/`): the newest pieces, summaries, authors in order."""
        params.update(limit=FEED_SIZE, offset=0)
        row = self.aggregate_row(
            f"""WITH page AS ({self.page_sql(PUBLISHED, "p.published_at DESC, p.id DESC")})
            SELECT json_build_object(
                'version', 'https://jsonfeed.org/version/1.1', 'title', 'CISS publications',
                'home_page_url', %(site)s || '/publications/', 'feed_url', %(base)s || '/feeds/json/',
                'description', 'New publications from the Center for International Strategic Studies.',
                'language', 'en',
                'authors', json_build_array(json_build_object(
                    'name', 'Center for International Strategic Studies', 'url', %(site)s)),
                'items', (SELECT COALESCE(json_agg(json_strip_nulls(json_build_object(
                    'id', 'urn:uuid:' || p.uuid, 'url', %(site)s || '/publications/' || p.slug || '/',
                    'title', p.title, 'summary', p.summary, 'content_text', p.summary,
                    'date_published', {iso_utc("p.published_at")},
                    'date_modified', {iso_utc("GREATEST(p.updated_at, p.published_at)")},
                    'authors', (SELECT json_agg(json_build_object('name', a.name,
                        'url', %(site)s || '/authors/' || a.slug || '/') ORDER BY pa.position)
                        FROM publications_publicationauthor pa JOIN authors_author a ON a.id = pa.author_id
                        WHERE pa.publication_id = p.id),
                    'tags', COALESCE((SELECT json_agg(t.name ORDER BY t.name)
                        FROM publications_publication_topics pt
                        JOIN publications_topic t ON t.id = pt.topic_id
                        WHERE pt.publication_id = p.id), '[]'),
                    'language', p.language,
                    'external_url', (SELECT c.url FROM publications_crosspost c
                                     WHERE c.publication_id = p.id AND c.is_canonical),
                    'image', (SELECT %(media)s || i.file FROM media_image i WHERE i.id = p.lead_image_id)
                )) ORDER BY n), '[]') FROM page p)
            )::text""",
            params,
        )
        return row[0].encode()


class Metadata(NamedTuple):
    """What publications.metadata reads of a piece, as the detail's statement returns it."""

    fields: dict
    published_at: dt.datetime
    updated_at: dt.datetime
    people: list[dict]
    topic_names: list[str]
    cross_posts: list[dict]
    series: dict | None
    image: dict | None


def page_metadata(facts: Metadata, environ: Environ) -> bytes:
    """The detail's `meta` and `jsonld` as a JSON object, from publications.metadata's own producers.

    The API builds them in Python from the row it read, and so does the floor: the producers take a piece
    whose relations are plain data (with_detail()'s JSON columns), so an unsaved Publication carrying the
    facts the detail's statement read answers them without a query. The same Python on both sides, so the
    ratio measures only what surrounds it; building these dozens of tags in SQL would copy their rules.
    """
    # Imported here: gunicorn imports this module before Django's apps are ready (see _LazyApplication).
    from django.core.handlers.wsgi import WSGIRequest

    from cissapi.api.documents import ApiUrls
    from media.models import Image
    from publications.metadata import publication_jsonld, publication_meta
    from publications.models import Publication
    from taxonomy.models import Series

    piece = Publication(
        **facts.fields,
        published_at=facts.published_at,
        updated_at=facts.updated_at,
        series=Series(**facts.series) if facts.series else None,
        lead_image=Image(**facts.image) if facts.image else None,
    )
    piece.byline = piece.byline_profiles = facts.people
    piece.topic_list = [{"name": name} for name in facts.topic_names]
    piece.cross_post_list = facts.cross_posts
    # Absolute URLs on the host the client used, as the API makes them from its request.
    urls = ApiUrls(WSGIRequest(environ))
    return orjson.dumps(
        {"meta": publication_meta(piece, urls=urls), "jsonld": publication_jsonld(piece, urls=urls)}
    )


def cursor_links(
    positions: list[str], size: int, cursor: tuple[int, bool, str | None] | None
) -> tuple[str | None, str | None]:
    """DRF CursorPagination's next and previous cursors, from the positions of the fetched rows."""
    offset, reverse, current = cursor or (0, False, None)
    page = positions[:size]
    following = positions[size] if len(positions) > size else None
    if reverse:
        page = page[::-1]
        has_next, has_previous = current is not None or offset > 0, following is not None
        next_position, previous_position = current, following
    else:
        has_next, has_previous = following is not None, current is not None or offset > 0
        next_position, previous_position = following, current

    def marker(
        items: list[str], compare: str | None, other_side: bool, forward: bool
    ) -> tuple[int, str | None]:
        for count, position in enumerate(items):
            if position != compare:
                return count, position
            compare = position
        if not items:
            return 0, next_position if forward else previous_position
        # Every item shares one position: step over the page by offset (DRF's three cases).
        if not other_side:
            return size, None
        if cursor is not None and cursor[1] != forward:
            return cursor[0] + size, previous_position if forward else next_position
        return 0, previous_position if forward else next_position

    next_cursor = previous_cursor = None
    if has_next:
        compare = page[-1] if page and cursor and reverse and offset else next_position
        count, position = marker(page[::-1], compare, has_previous, forward=True)
        next_cursor = encode_cursor(count, False, position)
    if has_previous:
        compare = page[0] if page and cursor and not reverse and offset else previous_position
        count, position = marker(page, compare, has_next, forward=False)
        previous_cursor = encode_cursor(count, True, position)
    return next_cursor, previous_cursor


def page_size(query: dict) -> int:
    raw = query.get("page_size", [""])[-1]
    if not raw:
        return DEFAULT_PAGE_SIZE
    if not raw.isdigit() or int(raw) < 1:
        raise BadRequest("page_size", "page_size must be a positive integer.")
    return min(int(raw), MAX_PAGE_SIZE)


def page_number(query: dict) -> int:
    raw = query.get("page", ["1"])[-1]
    if raw == "last" or not raw.isdigit() or int(raw) < 1:
        raise BadRequest("page", "page must be a positive integer.")
    return int(raw)


def link(url: str, query: dict, **changes: object) -> str:
    """`url` with the query string changed as DRF's replace_query_param does (keys sorted)."""
    merged = dict(query)
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = [str(value)]
    encoded = urlencode(sorted(merged.items()), doseq=True)
    return f"{url}?{encoded}" if encoded else url


def host(environ: Environ) -> str:
    if environ.get("HTTP_HOST"):
        return environ["HTTP_HOST"]
    name, port, scheme = (
        environ.get("SERVER_NAME", "localhost"),
        environ.get("SERVER_PORT", ""),
        environ.get("wsgi.url_scheme", "http"),
    )
    default = "443" if scheme == "https" else "80"
    return name if port in ("", default) else f"{name}:{port}"


def absolute(url: str, base: str) -> str:
    return url if "://" in url else base + quote(url)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def make_app(connect: Callable[[], psycopg.Connection] | None = None) -> Floor:
    """The floor over Django's configured database (or over `connect()`, e.g. a test's connection)."""
    from django.conf import settings

    return Floor(
        connect or _settings_connection,
        site_url=settings.SITE_URL,
        media_url=settings.MEDIA_URL,
        time_zone=settings.TIME_ZONE,
        cache_counts=settings.API_CACHE_COUNTS,
        count_limit=settings.API_EXACT_COUNT_LIMIT,
    )


_local = threading.local()


def _settings_connection() -> psycopg.Connection:
    """One autocommit connection per worker thread, kept for the life of the process."""
    connection = getattr(_local, "connection", None)
    if connection is None or connection.closed:
        from django.conf import settings

        db = settings.DATABASES["default"]
        connection = psycopg.connect(
            dbname=db["NAME"], user=db.get("USER") or None, password=db.get("PASSWORD") or None,
            host=db.get("HOST") or None, port=db.get("PORT") or None, autocommit=True,
            # JIT compiling costs more than it saves on statements this short (a common word's count
            # crosses jit_above_cost and would compile on every request).
            options="-c jit=off",
        )  # fmt: skip
        _local.connection = connection
    return connection


class _LazyApplication:
    """What gunicorn serves: the floor, built on the first request (after Django's settings load)."""

    app: Floor | None = None

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if self.app is None:
            import django

            django.setup()  # the metadata producers use the models
            self.app = make_app()
            # As cissapi.wsgi does for the API: full collections skip what the process loaded.
            gc.freeze()
        return self.app(environ, start_response)


application = _LazyApplication()
