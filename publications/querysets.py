"""Read rules for publications: the one definition of what the public may see."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections, models, router
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    signals,
)
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest, JSONObject, StrIndex
from django.db.models.lookups import Exact
from django.db.models.query import MAX_GET_RESULTS, ModelIterable
from django.db.models.sql import Query
from django.utils import timezone

from cissapi.json_arrays import json_array
from cissapi.prepared import CompiledQuery
from cissapi.text import WORDS_PER_MINUTE, xml_text_sql
from media.image_json import image_json_sql, media_url_sql
from publications.choices import PublicationStatus
from publications.search import SEARCH_CONFIG, search_query_text, snippet_sql

if TYPE_CHECKING:
    from datetime import datetime

    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.query import RawQuerySet
    from django.db.models.sql.compiler import SQLCompiler

    from authors.models import Author

    # PublicationChange is named as a string in PublicationChangeQuerySet's base.
    from publications.models import Publication, PublicationChange, PublicationStats  # noqa: F401
    from taxonomy.models import Series, Topic


# Optimization: ranking every match of a common word (nine pieces in ten) reads and scores ~90,000 stored
# vectors, far beyond a page's budget. Relevance ranks the newest SEARCH_RANK_WINDOW matches; older matches
# follow them, newest first (see page()). Fewer matches than this are all ranked.
SEARCH_RANK_WINDOW = 1000
SEARCH_ORDERING = ("-rank", "-published_at", "-id")
# Several authors', topics', series' or outlets' lists with at most this many dated links among them are read
# from their links and sorted, else walked newest first (PublicationQuerySet._few_linked): sorting a few
# thousand costs a few milliseconds, and past them the walk is short (at 1M pieces, keys holding 3,000 pieces
# are met about every 330 pieces, 7,000 walked for a page of 20).
FEW_LINKED = 3_000
# Related pieces are looked up among the candidates sharing the most; see related_to().
RELATED_CANDIDATES = 50

RELATED_SQL = """
WITH shares AS MATERIALIZED (
    SELECT id, count(*) AS shared FROM (
        SELECT publication_id AS id FROM publications_publication_topics WHERE topic_id = ANY(%s)
        UNION ALL
        SELECT publication_id FROM publications_publicationauthor WHERE author_id = ANY(%s)
    ) AS candidates WHERE id <> %s GROUP BY id),
cut AS MATERIALIZED (
    SELECT COALESCE(min(shared), 0) AS shared
    FROM (SELECT shared FROM shares ORDER BY shared DESC LIMIT %s) AS most),
best AS MATERIALIZED (
    SELECT {columns} FROM shares JOIN publications_publication ON publications_publication.id = shares.id
    WHERE shares.shared >= (SELECT shared FROM cut) AND {live}
    ORDER BY shares.shared DESC, publications_publication.published_at DESC, publications_publication.id DESC
    LIMIT %s)
SELECT * FROM best
UNION ALL (
    SELECT {columns} FROM shares JOIN publications_publication ON publications_publication.id = shares.id
    WHERE shares.shared < (SELECT shared FROM cut) AND {live} AND (SELECT count(*) FROM best) < %s
    ORDER BY shares.shared DESC, publications_publication.published_at DESC, publications_publication.id DESC
    LIMIT %s)
ORDER BY shared DESC, published_at DESC, id DESC
LIMIT %s
"""
_LEAD_IMAGE_ROW = (
    "(SELECT jsonb_build_object('path', file, 'width', width, 'height', height, 'alt', alt, 'caption', "
    "caption, 'credit', credit, 'renditions', renditions) FROM media_image "
    "WHERE media_image.id = publications_publication.lead_image_id) AS lead_image_row"
)
_RELATED_COLUMNS = ", ".join(
    [f"publications_publication.{name}" for name in ("id", "slug", "title", "type", "published_at")]
    + ["shares.shared"]
    # The lead image as one JSON value ({"path", "width", ...}, as bylines carry photos), so the related
    # items show it without a query each; null without one.
    + [_LEAD_IMAGE_ROW]
)
# The stored candidates (publications.related) that are live, in their stored order, with what a related item
# shows; and the row's `complete` flag even when none is live (the LEFT JOIN keeps the row).
_STORED_RELATED_FIELDS = ["id", "slug", "title", "type", "published_at"]
_STORED_RELATED_SQL = """
SELECT stored.complete, item.* FROM publications_relatedcandidates stored
LEFT JOIN LATERAL (
    SELECT {columns}
    FROM unnest(stored.candidate_ids) WITH ORDINALITY AS candidate(id, place)
    JOIN publications_publication ON publications_publication.id = candidate.id
    WHERE {{live}}
    ORDER BY candidate.place
    LIMIT %s) AS item ON true
WHERE stored.publication_id = %s
ORDER BY item.place
""".format(
    columns=", ".join(
        [f"publications_publication.{name}" for name in _STORED_RELATED_FIELDS]
        + [_LEAD_IMAGE_ROW, "candidate.place"]
    )
)


# Optimization: the snippet's SQL (a few dozen nested functions) is written once per process; built from ORM
# expressions it cost milliseconds of resolving and compiling on every search. It names the outer row as
# "publications_publication", so it must be selected by a query on that table itself (as json_array's
# columns are).
@functools.cache
def _snippet_sql() -> str:
    return snippet_sql(
        table='"publications_publication"', query=f"websearch_to_tsquery('{SEARCH_CONFIG}'::regconfig, %s)"
    )


def _looks_for_a_word(query_text: str) -> RawSQL:
    """The condition that the search `query_text` (folded, websearch syntax) looks for at least one word:
    false for excluded words only (`-security`, `security or -nuclear`), which find nothing.

    A query no index can answer (Postgres's querytree() is `T`) matches by reading every stored vector: a
    second at 100,000 pieces, for any caller who adds a minus sign, and the statement timeout at 1M. The
    condition is on the query alone, so Postgres tests it once, before reading any row (a one-time filter),
    and in the statements the search already makes.
    """
    return RawSQL(
        f"querytree(websearch_to_tsquery('{SEARCH_CONFIG}'::regconfig, %s)) <> 'T'",
        (query_text,),
        output_field=models.BooleanField(),
    )


class SearchWindow(NamedTuple):
    """A search's ranked window (see SEARCH_RANK_WINDOW): the (published_at, id) of its oldest match when
    older matches follow it (None when every match is in it), and its ids best first when they are kept with
    the count (None when each page ranks them)."""

    end: tuple[datetime, int] | None
    ranked_ids: tuple[int, ...] | None


# What page_summary() says of a list: its count (up to the bound), whether that is exact, a search's window.
PageSummary = tuple[int, bool, SearchWindow | None]


class PublicationQuerySet(models.QuerySet["Publication"]):
    def __init__(self, model: Any = None, query: Any = None, using: Any = None, hints: Any = None) -> None:
        super().__init__(model, query, using, hints)
        # The full-text query of search(), kept so page() can rank only a window of the matches.
        self._search_query = None
        # Set by as_items(): its model rows are read by _read_items(), not by the ORM's statement.
        self._reads_items = False
        # The list shape this queryset was built by (its steps: _LIST_STEPS, each with how many values it
        # took) and the values, or None once anything else changed it: see _list_statement().
        self._shape: tuple[tuple[str, int], ...] | None = ()
        self._shape_values: tuple[Any, ...] = ()
        # Optimization (issue 16): building a list's queryset (the published rule, a topic's subquery, a
        # search's rank and snippet) cost the ORM 0.1-0.6 ms a request, for a statement compiled once per
        # shape. A lazy queryset's query is still the model's bare one: its shape, as_items()'s `_items`
        # (addresses, fields) and a slice's `_limits` say what it would be built by, and it is built only when
        # something reads its query (_build); a list page whose statement is compiled never does.
        self._lazy = query is None
        self._items: tuple[ItemAddresses, frozenset[str] | None] | None = None
        self._limits: tuple[int, int | None] | None = None
        # Set by counted_page(): the list's count to read with the rows (in _read_items()'s statement), and
        # what it read (None: not counted so, or no row came back).
        self._count_with: CountStatement | None = None
        self.counted: int | None = None

    # Django's own property, built first when lazy.
    @property
    def query(self) -> Any:
        if self._lazy:
            self._build()
        return super().query

    @query.setter
    def query(self, value: Any) -> None:
        # A query set from outside replaces whatever was recorded.
        self._lazy, self._shape = False, None
        models.QuerySet.query.fset(self, value)  # type: ignore[attr-defined]  # a property, see above

    @property
    def _search_query(self) -> SearchQuery | None:
        if self._lazy:
            self._build()
        return self._full_text

    @_search_query.setter
    def _search_query(self, value: SearchQuery | None) -> None:
        self._full_text = value

    def _build(self) -> None:
        """Build the query of this lazy queryset from what it recorded."""
        self._lazy = False
        if not (self._shape or self._items or self._limits):
            return
        # Django's private attributes, which the stubs do not declare.
        private = cast(Any, self)
        bare = type(self)(model=self.model, query=private._query, using=private._db, hints=private._hints)
        built = _replayed(bare, cast(tuple, self._shape), self._shape_values, self._items, self._limits)
        private._query = cast(Any, built)._query
        self._search_query, self._reads_items = built._search_query, built._reads_items

    def _records(self) -> bool:
        """Whether a step of the shape is only recorded (a lazy queryset, not sliced yet)."""
        return self._lazy and self._limits is None

    def _recorded(self, step: str | None = None, *values: Any) -> PublicationQuerySet:
        """A lazy copy of this lazy queryset, with `step` and its `values` added to its shape."""
        # Django's private attributes, which the stubs do not declare.
        private = cast(Any, self)
        clone = type(self)(model=self.model, using=private._db, hints=private._hints)
        cast(Any, clone)._sticky_filter, cast(Any, clone)._for_write = (
            private._sticky_filter,
            private._for_write,
        )
        cast(Any, clone)._known_related_objects = private._known_related_objects
        clone._reads_items, clone._items, clone._limits = self._reads_items, self._items, self._limits
        clone._shape, clone._shape_values = self._shape, self._shape_values
        if step is not None:
            clone._shape = (*cast(tuple, self._shape), (step, len(values)))
            clone._shape_values = (*self._shape_values, *values)
        return clone

    def _clone(self) -> PublicationQuerySet:
        if self._lazy:
            self._build()
        clone = super()._clone()  # type: ignore[misc]  # Django's private _clone() is not in the stubs
        clone._search_query = self._search_query
        clone._reads_items = self._reads_items
        # Any method but the shape's own steps (and all(), slicing, as_items(), which keep it) may change
        # the statement in ways a shape does not say: such a queryset's statement is compiled as it is.
        clone._shape, clone._shape_values = None, ()
        return clone

    def _shaped(self, result: PublicationQuerySet, step: str, *values: Any) -> PublicationQuerySet:
        """`result` (built from this queryset by `step` with `values`) with this queryset's shape and that
        step."""
        if self._shape is not None:
            result._shape = (*self._shape, (step, len(values)))
            result._shape_values = (*self._shape_values, *values)
        return result

    def _keeping_shape(self, result: PublicationQuerySet) -> PublicationQuerySet:
        """`result` with this queryset's shape: what built it leaves the list's statement as it was."""
        result._shape, result._shape_values = self._shape, self._shape_values
        return result

    # The stubs' QuerySet is generic in its rows; this one only ever holds publications.
    def all(self) -> PublicationQuerySet:  # type: ignore[override]  # as above
        if self._records():
            return self._recorded()
        return self._keeping_shape(super().all())

    def __getitem__(self, k: Any) -> Any:
        if (
            self._records()
            and isinstance(k, slice)
            and k.step is None
            and self._result_cache is None
            and all(bound is None or int(bound) >= 0 for bound in (k.start, k.stop))
        ):
            sliced = self._recorded()
            sliced._limits = (int(k.start or 0), None if k.stop is None else int(k.stop))
            return sliced
        result = super().__getitem__(k)
        # A slice's bounds are read from the query itself (_list_statement writes them in).
        if isinstance(k, slice) and isinstance(result, PublicationQuerySet):
            self._keeping_shape(result)
        return result

    # The stubs' QuerySet is generic in its rows; this one only ever holds publications.
    def order_by(self, *field_names: Any) -> PublicationQuerySet:  # type: ignore[override]  # as above
        if self._records() and field_names and field_names == self.known_ordering():
            # Restating the order it has (as a cursor page does) leaves the list's statement as it was.
            return self._recorded()
        if self._records() and field_names and field_names not in _DATE_ORDERS:
            replanned = self._few_when_not_walked()
            if replanned is not self:
                return replanned.order_by(*field_names)
        if field_names in _DATE_ORDERS:
            # One author's, topic's or outlet's list (_walked_by_date): its date order said on the link's
            # copy of the date, the order of the index the list is walked by.
            walked = next((alias for alias in _DATE_COPIES if alias in self.query.annotations), None)
            if walked is not None:
                sign = _DATE_ORDERS[field_names]
                field_names = (f"{sign}{walked}", f"{sign}id")
        restated = bool(field_names) and field_names == self._ordering()
        ordered = cast(PublicationQuerySet, super().order_by(*field_names))
        # Restating the order it has (as a cursor page does) leaves the list's statement as it was.
        return self._keeping_shape(ordered) if restated else ordered

    def known_ordering(self) -> tuple[str, ...] | None:
        """The order of a lazy list's rows, told without building its query (a cursor page asks it); None
        when only the query can tell (not lazy, or a step that orders otherwise: a search, ranked ids)."""
        if not self._lazy or {step for step, _ in cast(tuple, self._shape)} & {"_search", "_among"}:
            return None
        return tuple(cast("Sequence[str]", self.model._meta.ordering or ()))

    def _ordering(self) -> tuple[Any, ...]:
        """The order this queryset's rows come in: its own, else its model's."""
        query = self.query
        return tuple(query.order_by) or (
            tuple(self.model._meta.ordering or ()) if query.default_ordering else ()
        )

    # As order_by() above.
    def filter(self, *args: Any, **kwargs: Any) -> PublicationQuerySet:  # type: ignore[override]  # as above
        lookup = next(iter(kwargs)) if not args and len(kwargs) == 1 else None
        if lookup in _POSITION_STEPS and self._records() and isinstance(kwargs[lookup], str | dt.datetime):
            # A cursor page's position on a lazy list: recorded as its step, as below, the value prepared as
            # the lookup prepares it (a malformed one fails here as it would there).
            field = cast(models.Field, self.model._meta.get_field(lookup.partition("__")[0]))
            return self._recorded(lookup, field.get_prep_value(kwargs[lookup]))
        if lookup in _DATE_COPY_POSITIONS:
            # One author's, topic's or outlet's list (_walked_by_date): the cursor's position said on the
            # link's copy of the date too, so the walk of its date index starts there, not at the newest.
            for alias in _DATE_COPIES:
                if alias in self.query.annotations:
                    kwargs = {**kwargs, f"{alias}__{_DATE_COPY_POSITIONS[lookup]}": kwargs[lookup]}
        found = cast(PublicationQuerySet, super().filter(*args, **kwargs))
        if (
            lookup in _POSITION_STEPS
            and self._shape is not None
            and isinstance(kwargs[lookup], str | dt.datetime)
        ):
            # A cursor page's position (DRF's CursorPagination): a step of the shape, its value as the lookup
            # binds it.
            field = cast(models.Field, self.model._meta.get_field(lookup.partition("__")[0]))
            return self._shaped(found, lookup, field.get_prep_value(kwargs[lookup]))
        return found

    def _fetch_all(self) -> None:
        if (
            self._reads_items
            and self._result_cache is None
            and self._iterable_class is ModelIterable
            and not self._prefetch_related_lookups  # type: ignore[attr-defined]  # private, not in the stubs
        ):
            # The stubs type the cache by the queryset's row type; a model iterable's rows are the model's.
            self._result_cache = self._read_items()  # type: ignore[assignment]
        super()._fetch_all()

    def published(self, at: datetime | None = None) -> PublicationQuerySet:
        """Publications visible to the public: status published and `published_at` not in the future."""
        # Python's clock, not the database's now(): a scheduled piece goes live by itself at its time,
        # and tests can move time forward without a job.
        at = at or timezone.now()
        if self._records():
            return self._recorded("published", at)
        return self._shaped(self.filter(published_q(at)), "published", at)

    def _published_read_at_run_time(self, at: datetime) -> PublicationQuerySet:
        """published() at `at`, read by the statement as it runs (_RunTimeValue), not while Postgres plans
        it: for the statements of _list_statement() and _count_statement(), see _TIME_UNPLANNED_STEPS."""
        found = self.filter(published_q(cast("datetime", _RunTimeValue(Value(at)))))
        return self._shaped(found, "published", at)

    def unpublished(self, at: datetime | None = None) -> PublicationQuerySet:
        """Drafts, items in review and items scheduled for later."""
        return self.exclude(published_q(at))

    def withdrawn(self) -> PublicationQuerySet:
        """Pieces taken down with a public notice: the API answers 410 Gone for them."""
        return self.filter(status=PublicationStatus.WITHDRAWN)

    def scheduled(self, at: datetime | None = None) -> PublicationQuerySet:
        """Publications set to go live at a future time (not in the trash, where their time changes nothing);
        found in the live pieces' index."""
        return self.filter(
            status=PublicationStatus.PUBLISHED, published_at__gt=at or timezone.now(), trashed_at__isnull=True
        )

    def kept(self) -> PublicationQuerySet:
        """Publications not in the trash (whatever their state)."""
        return self.filter(trashed_at__isnull=True)

    def trashed(self) -> PublicationQuerySet:
        """Publications in the trash."""
        return self.filter(trashed_at__isnull=False)

    def formerly_at(self, slug: str) -> PublicationQuerySet:
        """Publications that were public at `slug` before it changed (their old slugs)."""
        return self.filter(old_slugs__slug=slug)

    def by_author(self, author_id: int) -> PublicationQuerySet:
        """Publications an author wrote in any role (co-authored pieces included)."""
        return self.filter(authorships__author_id=author_id)

    # --- The public API's reads -------------------------------------------------------------------------
    # Optimization: bylines, topics and cross-posts come back as JSON array columns of the main query
    # (see cissapi.json_arrays), so a list page is one query whatever its size or number of authors.

    def with_listing(self) -> PublicationQuerySet:
        """What a list item shows (byline in order, topics by name, series) in the main query itself."""
        # Optimization: a list item never shows the body, and the stored search vector is kilobytes per row.
        return (
            # The lead image and its renditions (a JSON column) come with the row: no query per rendition.
            self.select_related("series", "lead_image")
            .defer("body", "search_vector", "internal_notes")
            .annotate(**_listing_columns(), **_key_columns())
        )

    def as_items(
        self, addresses: ItemAddresses, *, fields: frozenset[str] | None = None
    ) -> PublicationQuerySet:
        """List items whose JSON Postgres builds (`item`, text), with only what a view reads beside it."""
        if self._records() and self._items is None:
            items = self._recorded()
            items._items, items._reads_items = (addresses, fields), True
            return items
        # The thin read path (issue 16): the list item's one producer is SQL (ListItemJson), so Python neither
        # builds nor parses an item; the row carries only the columns validators, surrogate keys and cursors
        # read (dates, series, the ordering's title) and, read with the item (_read_items), the byline's and
        # topics' ids.
        snippet = self.query.annotations.get("snippet")
        items = (
            self.select_related(None)
            .only(*_ITEM_ROW_FIELDS)
            .annotate(item=ListItemJson(addresses, fields, snippet))
        )
        if snippet is not None:
            # The item carries the snippet; selected on its own as well, ts_headline would run twice a row.
            items.query.set_annotation_mask(set(items.query.annotation_select) - {"snippet"})
        items._reads_items = True
        # The item's columns are part of the statement's key (_list_statement), not of the shape.
        return self._keeping_shape(items)

    def _read_items(self) -> list[Publication]:
        """The rows of this as_items() queryset as model instances carrying `item`, `author_ids` and
        `topic_ids`, read by _items_sql()'s statement: the ids this queryset selects (its filters, order and
        slice, compiled by the ORM), then only those rows, by primary key, in that order.

        Optimization (issue 16): the ORM resolved and compiled the item's statement on every request, a
        filter's conditions twice (the ids' and the rows'), a millisecond or two of Python; and its text held
        the values, so Postgres planned it every time. This statement's text is the same for every list of
        one shape (filters present, order, fields=, search or not), its values bound on the server: prepared
        and planned once per connection (cissapi.prepared). Its byline and topics are read once, for the item
        and the surrogate keys both (_item_laterals)."""
        if self._lazy:
            addresses, fields = cast(tuple, self._items)
            low, high = self._limits or (0, None)
        else:
            column = cast(ListItemJson, self.query.annotations["item"])
            addresses, fields = column.addresses, column.fields
            low, high = self.query.low_mark, self.query.high_mark
        statement = None
        if self._shape is not None:
            # The stubs type the features as the base class, which lacks PostgreSQL's flag.
            binding = cast(Any, connections[self.db].features).uses_server_side_binding
            statement = _list_statement(self.db, binding, self._shape, fields)
        # The queryset's other annotations (a search's rank) come with the row, as the ORM's statement gave
        # them: a cursor's position may be one.
        if statement is not None and (self._lazy or statement.extras == self._extras()):
            extras = statement.extras
        else:
            statement, extras = None, self._extras()
        count_with = self._count_with if statement is not None and self._lazy else None
        try:
            if statement is not None:
                sql, params = statement.bind(self._shape_values, addresses, low, high)
            else:
                sql, params = self._items_statement(extras)
        except EmptyResultSet:
            return []
        if count_with is not None:
            # The list's count as the first column (a subquery Postgres runs once): one round trip for both.
            count_sql, count_params = count_with.bind(self._shape_values)
            sql = sql.replace("SELECT ", f"SELECT ({count_sql}), ", 1)
            params = [*count_params, *params]
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        first = 0
        if count_with is not None:
            first = 1
            self.counted = rows[0][0] if rows else None
        names = _item_row_fields()
        count = len(names)
        end = first + count
        load = _row_loader(self.model, self.db, names)
        # The stubs do not declare a connection's time zone (the one Django's own loader gives times).
        tz = cast(Any, connections[self.db]).timezone
        times = [position for position, name in enumerate(names) if name in _ROW_TIMES]
        items = []
        for row in rows:
            values = list(row[first:end])
            for position in times:
                values[position] = _row_time(values[position], tz)
            item = cast("Publication", load(values))
            item.item, *annotations, item.author_ids, item.topic_ids = row[end:]
            for name, value in zip(extras, annotations, strict=True):
                setattr(item, name, value)
            items.append(item)
        return items

    def _extras(self) -> tuple[str, ...]:
        """The names of the annotations an as_items() row carries besides its item."""
        return tuple(name for name in self.query.annotation_select if name != "item")

    def _items_statement(self, extras: tuple[str, ...]) -> tuple[str, list[Any]]:
        """_read_items()'s statement and parameters as the ORM compiles this queryset (its ids' statement,
        the snippet and the `extras` annotations); EmptyResultSet when it can have no rows."""
        ids_sql, ids_params = self.values("pk").query.get_compiler(self.db).as_sql()
        compiler = self.query.get_compiler(self.db)
        column = cast(ListItemJson, self.query.annotations["item"])
        sql, before, after = _items_sql(column.fields, column.snippet is not None)
        values = _address_values(column.addresses)
        params = [values[name] for name in before]
        if _SNIPPET_SLOT in sql:
            snippet_sql, snippet_params = compiler.compile(column.snippet)
            sql = sql.replace(_SNIPPET_SLOT, snippet_sql)
            params += snippet_params
        extra_sql = ""
        for name in extras:
            compiled, extra_params = compiler.compile(self.query.annotations[name])
            extra_sql += f", {compiled}"
            params += extra_params
        params += [*ids_params, *(values[name] for name in after)]
        return sql.replace(_EXTRAS_SLOT, extra_sql).replace(_IDS_SLOT, ids_sql), params

    def with_detail(self) -> PublicationQuerySet:
        """What a detail page shows: the listing plus cross-posts with their outlets, and corrections."""
        return (
            self.with_listing()
            .defer(None)
            .defer("search_vector", "internal_notes")
            # A dict, like the other columns: django-stubs would read a keyword as redefining the attribute
            # Publication declares for it.
            .annotate(
                **_detail_columns(),
                **_profile_columns(),
                **_correction_columns(),
                **{"body_images": _body_images()},
            )
        )

    def with_feed(self, *, full: bool) -> PublicationQuerySet:
        """What an RSS or Atom item shows: byline, topics and cross-posts as JSON arrays; the body for full
        text."""
        # Optimization: only the columns an item shows (a third of the row's values to load), and the body,
        # kilobytes a row, only when the feed carries it.
        shown = [
            "uuid", "slug", "title", "summary", "language", "published_at", "updated_at", "pdf", "pdf_size",
        ]  # fmt: skip
        return self.only(*shown, *(["body"] if full else [])).annotate(
            **_listing_columns(), **_detail_columns()
        )

    def as_feed_items(self, addresses: FeedAddresses, *, full: bool, at: datetime | None = None) -> QuerySet:
        """JSON Feed items whose JSON Postgres builds, newest first, as rows of FEED_ITEM_ROW.

        `item_head` is the whole item (JSON text); for the full text it ends where the body goes, the
        `item_body` follows as stored (its links are made absolute in Python: publications.feeds) and
        `item_tail` closes the item. `modified` is the item's own date (Last-Modified), `pdf_unmeasured` the
        PDF whose size was never stored, `last_change` when the public catalogue last changed.
        """
        # The thin read path (issue 16): the JSON Feed item's one producer is SQL (FeedItemJson), as the
        # API's list item's is; the rows carry nothing Python would build the item from.
        from publications.models import PublicationChange

        if full:
            parts = {
                "item_head": FeedItemJson(addresses, "before_body"),
                "item_body": F("body"),
                "item_tail": FeedItemJson(addresses, "after_body"),
            }
        else:
            parts = {
                "item_head": FeedItemJson(addresses, "summary"),
                "item_body": _NO_TEXT,
                "item_tail": _NO_TEXT,
            }
        latest_change = (
            PublicationChange.objects.effective(at).order_by("-effective_at").values("effective_at")
        )
        return (
            self.order_by("-published_at", "-id")
            .annotate(
                **parts,
                modified=Greatest("updated_at", "published_at"),
                pdf_unmeasured=Case(
                    When(~Q(pdf="") & Q(pdf_size__isnull=True), then=F("pdf")),
                    output_field=models.TextField(),
                ),
                last_change=Subquery(latest_change[:1]),
            )
            .values_list(*FEED_ITEM_ROW)
        )

    def by_author_slugs(self, slugs: list[str], *, planned: bool = False) -> PublicationQuerySet:
        """Publications by any of the authors, in any byline role. `planned`: the step as a shape recorded it
        (_replayed), its plan not chosen again (_few_linked)."""
        from publications.models import PublicationAuthor

        slugs = _distinct(slugs)
        if not planned and (few := self._read_if_few("by_author_slugs", slugs)) is not None:
            return few
        if self._records():
            return self._recorded("by_author_slugs", *slugs)
        bylines = PublicationAuthor.objects.filter(author__slug__in=slugs)
        return self._linked_to("by_author_slugs", slugs, self._by_one_author, bylines)

    def _linked_to(
        self,
        step: str,
        slugs: list[str],
        walk_one: Callable[[str, datetime], PublicationQuerySet],
        links: models.QuerySet,
    ) -> PublicationQuerySet:
        """The `step` of `slugs`: in a list of published pieces, one slug's pieces walked by date
        (`walk_one`, _walked_by_date); else the pieces with a row of `links` (rows with a `publication`)."""
        at = self._published_at()
        if len(slugs) == 1 and at is not None:
            found = walk_one(slugs[0], at)
        else:
            found = self.filter(Exists(links.filter(publication=OuterRef("pk"))))
        return self._shaped(found, step, *slugs)

    def _by_one_author(self, slug: str, at: datetime) -> PublicationQuerySet:
        """by_author_slugs() of one author among the pieces published at `at`, joined to their bylines by
        date (the `byline_date` alias): only pieces with a date are found so.

        Optimization (issue 16): the EXISTS over a prolific author's bylines (62,000 at 1M pieces) probed
        every one's piece for its date, then sorted them all: half a second. Joined on the byline's copy of
        the date, the list's order (published_at, id) is the order of publicationauthor_date_idx, which
        Postgres walks backwards from the newest, checking each piece's visibility, and stops at the page
        (a deep page reads what it skips; a cursor starts at its date: filter()).
        """
        from authors.models import Author

        author = Author._default_manager.filter(slug=slug).order_by().values("pk")
        # Its time read as the statement runs, as the published rule's is in an author's list (see
        # _TIME_UNPLANNED_STEPS): the same generic plan, kept.
        return self._walked_by_date("byline", "authorships", "author_id", author, _RunTimeValue(Value(at)))

    def _in_one_topic(self, slug: str, at: datetime) -> PublicationQuerySet:
        """in_topics() of one topic among the pieces published at `at`, joined to their filings by date (the
        `filing_date` alias), as _by_one_author() is to bylines.

        Optimization (issue 16): the EXISTS over the topic's filings was checked piece by piece down the
        live index, newest first: cheap for a topic on a third of the pieces, a walk of every live piece for
        a topic with a few old ones (a second at 100,000 pieces). The walk of publication_topics_date_idx
        costs the page whatever the topic's size.
        """
        from taxonomy.models import Topic

        topic = Topic._default_manager.filter(slug=slug).order_by().values("pk")
        # Its time read as the statement runs, as in _by_one_author().
        return self._walked_by_date("filing", "topic_filings", "topic_id", topic, _RunTimeValue(Value(at)))

    def _walked_by_date(
        self, name: str, links: str, key: str, keys: models.QuerySet, at: Func
    ) -> PublicationQuerySet:
        """The pieces published at `at` whose `links` (a reverse relation to rows holding a copy of their
        piece's `published_at`, indexed on (`key`, published_at, publication)) have `key` in `keys` (one
        row): joined to those rows, aliased `<name>_key` and `<name>_date`, and ordered by the copy.

        The key is a subquery, not a join: a value the index is searched by. One link row per piece for a
        key (unique), so the join repeats no piece. The published rule's time is said on the link too: the
        walk skips the pieces with no date (drafts) and those still to come (scheduled) in the index,
        without reading them.

        The list's date order is said on the copy (order_by()), which the database keeps equal to the
        piece's date, rather than by an equality of the two dates: Postgres took that equality for a join
        condition as selective as the piece's id, expected one row, so no early stop at the page, and sorted
        every piece of a topic on a twentieth of the catalogue instead (45 ms, against 0.3 ms walked).
        """
        found = self.alias(
            **{f"{name}_key": F(f"{links}__{key}"), f"{name}_date": F(f"{links}__published_at")}
        ).filter(**{f"{name}_date__lte": at, f"{name}_key": Subquery(keys)})
        return found.order_by(*found._ordering())

    def _published_at(self) -> datetime | None:
        """The time of the published() step this queryset was built by (its shape says), if any: a list of
        published pieces, which all have a date."""
        position = 0
        for step, count in self._shape or ():
            if step == "published":
                return cast("datetime", self._shape_values[position])
            position += count
        return None

    def in_topics(
        self, slugs: list[str], *, match_all: bool = False, planned: bool = False
    ) -> PublicationQuerySet:
        """Publications in any (or, with `match_all`, every one) of the topics. `planned`: as for
        by_author_slugs()."""
        through = self.model.topics.through
        if match_all:
            if not slugs:
                return self
            # Optimization: one grouped subquery whatever the number of slugs. One EXISTS per slug made the
            # planner's work grow steeply with their number (1.2 s of planning at 100 slugs, a minute at 300).
            in_every_topic = (
                through.objects.filter(topic__slug__in=slugs)
                .values("publication_id")
                .annotate(matched=Count("topic_id", distinct=True))
                .filter(matched=len(set(slugs)))  # type: ignore[misc]  # the plugin misses annotations after values()
                .values("publication_id")
            )
            return self.filter(pk__in=in_every_topic)
        slugs = _distinct(slugs)
        if not planned and (few := self._read_if_few("in_topics", slugs)) is not None:
            return few
        if self._records():
            return self._recorded("in_topics", *slugs)
        filings = through.objects.filter(topic__slug__in=slugs)
        return self._linked_to("in_topics", slugs, self._in_one_topic, filings)

    def in_series(self, slugs: list[str], *, planned: bool = False) -> PublicationQuerySet:
        """Publications in any of the series. `planned`: as for by_author_slugs()."""
        slugs = _distinct(slugs)
        if not planned and (few := self._read_if_few("in_series", slugs)) is not None:
            return few
        if self._records():
            return self._recorded("in_series", *slugs)
        if len(slugs) == 1:
            # Optimization (issue 16): the series' id a value (a subquery, not a join), so its pieces are
            # walked newest first on publication_series_live_idx and the walk stops at the page. Joined by
            # slug, a small series walked every live piece to find its few (a large one sorted all of its).
            from taxonomy.models import Series

            series = Series._default_manager.filter(slug=slugs[0]).order_by().values("pk")
            return self._shaped(self.filter(series=Subquery(series)), "in_series", *slugs)
        return self._shaped(self.filter(series__slug__in=slugs), "in_series", *slugs)

    def cross_posted_at(self, outlet_slugs: list[str], *, planned: bool = False) -> PublicationQuerySet:
        """Publications that also appeared at any of the outlets. `planned`: as for by_author_slugs()."""
        from publications.models import CrossPost

        outlet_slugs = _distinct(outlet_slugs)
        if not planned and (few := self._read_if_few("cross_posted_at", outlet_slugs)) is not None:
            return few
        if self._records():
            return self._recorded("cross_posted_at", *outlet_slugs)
        cross_posts = CrossPost.objects.filter(outlet__slug__in=outlet_slugs)
        return self._linked_to("cross_posted_at", outlet_slugs, self._at_one_outlet, cross_posts)

    def of_type(self, publication_type: str) -> PublicationQuerySet:
        """Publications of one type (a Publication.Type value).

        A step of a list's shape (issue 16): `?type=`, the home page's sections and the site's type pages
        share their prepared statements, and a list of published pieces walks publication_type_live_idx
        whatever the type's size (its plan kept, _TIME_UNPLANNED_STEPS)."""
        if self._records():
            return self._recorded("of_type", publication_type)
        return self._shaped(self.filter(type=publication_type), "of_type", publication_type)

    def in_language(self, language: str) -> PublicationQuerySet:
        """Publications in one language (a code, as Publication.language holds it).

        A step of a list's shape (issue 16), as of_type(): `?language=` lists share one prepared statement
        whatever the code, walking publication_language_live_idx (its plan kept, _TIME_UNPLANNED_STEPS)
        where a code spelt in the statement's text was planned on every request."""
        if self._records():
            return self._recorded("in_language", language)
        return self._shaped(self.filter(language=language), "in_language", language)

    def _at_one_outlet(self, slug: str, at: datetime) -> PublicationQuerySet:
        """cross_posted_at() of one outlet among the pieces published at `at`, joined to the outlet's pieces
        (OutletPiece: one row a piece, with its date) by date (the `posting_date` alias), as
        _in_one_topic() is to filings: an outlet with one old cross-post walked every live piece."""
        from taxonomy.models import Outlet

        outlet = Outlet._default_manager.filter(slug=slug).order_by().values("pk")
        return self._walked_by_date("posting", "outlet_pieces", "outlet_id", outlet, _RunTimeValue(Value(at)))

    def _read_if_few(self, step: str, slugs: list[str]) -> PublicationQuerySet | None:
        """The authors', topics', series' or outlets' `step` (a key of _FEW_OF) of several `slugs`, read from
        their links (_linked_few) when they hold few pieces (_few_linked); None when they do not."""
        few, stats = _FEW_OF[step]
        return self._linked_few(few, slugs) if self._few_linked(_stats_named(stats), slugs) else None

    def _few_when_not_walked(self) -> PublicationQuerySet:
        """This lazy list, about to be ordered otherwise than by date, with each one author's, topic's,
        series' or outlet's step whose key holds few pieces (_are_few, one statement for all) read from its
        links instead (its step of _FEW_OF).

        Optimization (issue 16): one key's list is walked down its link's date index, which only a date
        order can use; ordered by title or update time, Postgres walked that order's index over every live
        piece, checking each against the key, planned for a key of average size (a topic of three old pieces
        by title: 0.9 s at 100,000 pieces)."""
        shape, values, position = list(cast(tuple, self._shape)), self._shape_values, 0
        asked: list[tuple[int, type[PublicationStats], list[str]]] = []
        for index, (step, count) in enumerate(shape):
            # Several keys' steps chose when they were taken (_few_linked).
            if step in _FEW_OF and count == 1:
                asked.append(
                    (index, _stats_named(_FEW_OF[step][1]), list(values[position : position + count]))
                )
            position += count
        answers = self._are_few([(stats, slugs) for _, stats, slugs in asked])
        for (index, _stats, _slugs), few in zip(asked, answers, strict=True):
            if few:
                step, count = shape[index]
                shape[index] = (_FEW_OF[step][0], count)
        if shape == list(cast(tuple, self._shape)):
            return self
        replanned = self._recorded()
        replanned._shape = tuple(shape)
        return replanned

    def _few_linked(self, stats: type[PublicationStats], slugs: list[str]) -> bool:
        """Whether a published list filtered by several `slugs` of the owners of `stats` (authors, topics,
        series or outlets) is best read from their dated links (_linked_few): _are_few().

        Optimization (issue 16): one key's list walks its link's date index (_walked_by_date), but several
        keys' lists walked the live pieces newest first, probing each, planned for keys of an average size:
        two topics with a few old pieces each read every live piece (0.6 s at 100,000, past the statement
        timeout at 1M). Reading all their pieces and sorting them costs what they hold; walking costs the
        distance to the page, short when they hold many. Postgres cannot tell the two apart from a
        statement's text, so one small query tells it here, for lists of several keys only (and one key's
        list ordered otherwise than by date: _few_when_not_walked).
        """
        return len(slugs) > 1 and self._are_few([(stats, slugs)])[0]

    def _are_few(self, keys: Sequence[tuple[type[PublicationStats], list[str]]]) -> list[bool]:
        """For each of `keys` (a stats model and slugs of its owners), whether the slugs' owners have at most
        FEW_LINKED dated links among them by their stored counts (an owner without one counted on its links,
        up to the bound), in one statement; all False when this is not a list of published pieces."""
        if not keys or self._published_at() is None:
            return [False] * len(keys)
        columns: list[str] = []
        params: list[int | list[str]] = []
        for stats, slugs in keys:
            owners = cast(type[models.Model], stats._meta.pk.related_model)._meta.db_table
            key = stats._meta.pk.column
            links = dated_links_of(stats) or self.model._meta.db_table
            columns.append(
                "(SELECT COALESCE(SUM(COALESCE(s.count, (SELECT count(*) FROM (SELECT FROM"
                f" {links} l WHERE l.{key} = o.id LIMIT %s) bounded))), 0) <= %s"
                f" FROM {owners} o LEFT JOIN {stats._meta.db_table} s ON s.{key} = o.id"
                " WHERE o.slug = ANY(%s))"
            )
            params += [FEW_LINKED + 1, FEW_LINKED, slugs]
        with connections[self.db].cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(columns)}", params)
            return [bool(few) for few in cursor.fetchone()]

    def _linked_few(self, step: str, slugs: list[str]) -> PublicationQuerySet:
        """The few-pieces `step` (one of _FEW_STEPS) of a published list: its pieces with a dated link
        (dated_links_of its stats model; a series' pieces name it themselves) to any of `slugs`, read from
        those links by id (_pk_in), then sorted, rather than the live pieces walked."""
        slugs = _distinct(slugs)
        if self._records():
            return self._recorded(step, *slugs)
        at = self._published_at()
        if at is None:
            raise ValueError(f"{step}() reads a published list's links: published() comes first.")
        stats = _stats_named(_FEW_STATS[step])
        owner = cast(type[models.Model], stats._meta.pk.related_model)
        links = _dated_link_model(stats)
        linked = (
            (links or self.model)
            ._default_manager.filter(
                # Its time read as the statement runs, as the walk's is (_walked_by_date).
                published_at__lte=_RunTimeValue(Value(at)),
                **{
                    f"{stats._meta.pk.attname}__in": owner._default_manager.filter(slug__in=slugs).values(
                        "pk"
                    )
                },
            )
            .values("pk" if links is None else "publication_id")
        )
        return self._shaped(self.filter(_pk_in(linked)), step, *slugs)

    def search(self, text: str) -> PublicationQuerySet:
        """Full-text matches for websearch syntax, best first, with a highlighted `snippet`."""
        return self._search(search_query_text(text))

    def _search(self, query_text: str) -> PublicationQuerySet:
        """search() of a query already folded (search_query_text)."""
        if self._records():
            return self._recorded("_search", query_text)
        query = SearchQuery(query_text, search_type="websearch", config=SEARCH_CONFIG)
        # ts_headline is costly; Postgres evaluates it after ORDER BY ... LIMIT, so only for the page.
        snippet = RawSQL(_snippet_sql(), (query_text, query_text), output_field=models.TextField())
        found = (
            self.filter(_looks_for_a_word(query_text), search_vector=query)
            .annotate(rank=SearchRank(F("search_vector"), query), snippet=snippet)
            .order_by(*SEARCH_ORDERING)
        )
        found._search_query = query
        return self._shaped(found, "_search", query_text)

    # --- Pages ------------------------------------------------------------------------------------------
    def page_summary(self, *, limit: int, keep_ranking: bool = False) -> PageSummary:
        """The number of rows up to `limit` and whether that is all of them (else the count is `limit`);
        and, for a search, its ranked window (SearchWindow: where it ends and, with `keep_ranking`, its ids
        best first). Cacheable until the catalogue changes.

        Optimization: `SELECT count(*) FROM (... LIMIT limit + 1)` stops reading at the bound, so a common
        search word costs the bound's rows, not every match's.
        """
        counted = self._counted(max(limit, SEARCH_RANK_WINDOW) + 1)
        window = None
        if self.searches():
            # Ranked whatever the ordering asked: a kept summary is shared by every ordering of the search.
            window = self._ranked_window() if keep_ranking else SearchWindow(None, None)
            if not keep_ranking and counted > SEARCH_RANK_WINDOW:
                window = SearchWindow(self._window_end(), None)
        return min(counted, limit), counted <= limit, window

    def _counted(self, bound: int) -> int:
        """How many rows this queryset has, counting up to `bound`."""
        if self._lazy and self._limits is None and self._shape is not None:
            # Optimization (issue 16): a lazy list's count by its shape's statement (_count_statement),
            # without building the queryset nor compiling the count (~0.5 ms of a counted list's Python).
            # The stubs type the features as the base class, which lacks PostgreSQL's flag.
            binding = cast(Any, connections[self.db].features).uses_server_side_binding
            statement = _count_statement(self.db, binding, self._shape, bound)
            if statement is not None:
                with connections[self.db].cursor() as cursor:
                    cursor.execute(*statement.bind(self._shape_values))
                    # A count's statement always returns its one row.
                    return cast(tuple, cursor.fetchone())[0]
        # Only the ids: the listing's columns (bylines, topics) would be built for every row counted.
        return self.order_by().values("pk")[:bound].count()

    def _ranked_window(self) -> SearchWindow:
        """The newest SEARCH_RANK_WINDOW matches of this search, best first, and where they end if older
        matches follow (one query: the newest found by walking the date index, then only they are ranked)."""
        newest = self.order_by("-published_at", "-id").values("pk")[: SEARCH_RANK_WINDOW + 1]
        rank = SearchRank(F("search_vector"), cast(SearchQuery, self._search_query))
        rows = list(
            self.model._default_manager.filter(_pk_in(newest))
            .annotate(rank=rank)
            .order_by(*SEARCH_ORDERING)
            .values_list("pk", "published_at")
        )
        if len(rows) <= SEARCH_RANK_WINDOW:
            return SearchWindow(None, tuple(pk for pk, _ in rows))
        # One match more than the window was read to tell whether older ones follow: the oldest, left out.
        oldest = min(rows, key=lambda row: (row[1], row[0]))
        window = [row for row in rows if row is not oldest]
        # A live piece always has its time (a check constraint on Publication).
        end = cast("tuple[datetime, int]", min((published_at, pk) for pk, published_at in window))
        return SearchWindow(end, tuple(pk for pk, _ in window))

    def counted_page(self, offset: int, limit: int, *, bound: int) -> tuple[list, int | None] | None:
        """page() of this as_items() list and its number of rows up to `bound`, counted in the page's own
        statement (the count None when no row came back, or the list's statement could not take it); None
        when the list cannot be counted so (a search, whose count comes with its ranked window)."""
        if not (self._lazy and self._reads_items and self._limits is None):
            return None
        shape = cast(tuple, self._shape)
        if any(step == "_search" for step, _ in shape):
            return None
        # The stubs type the features as the base class, which lacks PostgreSQL's flag.
        binding = cast(Any, connections[self.db].features).uses_server_side_binding
        count_with = _count_statement(self.db, binding, shape, bound)
        if count_with is None:
            return None
        page = self[offset : offset + limit]
        page._count_with = count_with
        rows = list(page)
        return rows, page.counted

    def page(self, offset: int, limit: int, *, window: SearchWindow | None = None) -> list:
        """The rows at [offset, offset + limit) of this ordering, as model instances.

        Optimization: the page's ids are sliced first (an index walk for date orderings), and only those
        rows get their bylines, topics and snippets (as_items() rows are read so: _read_items); OFFSET over
        the full rows would build them for every row skipped. A search with a `window` ranks the newest
        matches only and dates the rest; with the window's ranked ids (kept with the count), a page inside it
        is a slice of them, like a list page.
        """
        if window is None or not self._ranks_a_window() or window == SearchWindow(None, None):
            if self._reads_items:
                return list(self[offset : offset + limit])
            return list(self.filter(_pk_in(self.values("pk")[offset : offset + limit])))
        if window.ranked_ids is not None and (window.end is None or offset + limit <= SEARCH_RANK_WINDOW):
            page = self._ranked_slice(window.ranked_ids[offset : offset + limit])
            if page is not None:
                return page
            # A kept id no longer matches (unpublished since the window was kept, and the summary read just
            # before the change): the window's matches as they are now, ranked afresh.
            return self.page(offset, limit, window=SearchWindow(window.end, None))
        # Past the kept ids, or with none kept: the window has an end here (else every match is ranked whole,
        # the first case above).
        at, pk = cast("tuple[datetime, int]", window.end)
        in_window = Q(published_at__gt=at) | Q(published_at=at, pk__gte=pk)
        # _ranks_a_window() above holds only when there is a search query.
        rank = SearchRank(F("search_vector"), cast(SearchQuery, self._search_query))
        ranked = self.annotate(rank=Case(When(in_window, then=rank), default=Value(-1.0)))
        parts = []
        if offset < SEARCH_RANK_WINDOW:
            in_rank_order = ranked.filter(in_window).values("pk")
            parts.append(in_rank_order[offset : min(offset + limit, SEARCH_RANK_WINDOW)])
        if offset + limit > SEARCH_RANK_WINDOW:
            older = ranked.exclude(in_window).order_by("-published_at", "-id").values("pk")
            parts.append(older[max(0, offset - SEARCH_RANK_WINDOW) : offset + limit - SEARCH_RANK_WINDOW])
        ids = parts[0] if len(parts) == 1 else parts[0].union(parts[1], all=True)
        return list(ranked.filter(_pk_in(ids)))

    def searches(self) -> bool:
        """Whether this list is a search's matches (search()), in whatever order."""
        # A lazy list tells it by its shape, without building its query.
        if self._lazy:
            return any(step == "_search" for step, _ in cast(tuple, self._shape))
        return self._search_query is not None

    def orders_by_relevance(self) -> bool:
        """Whether this is a search in its own order, best first (page()'s ranked window, then older
        matches): a cursor walks it with relevance_walk()."""
        return self._ranks_a_window()

    def search_window_end(self) -> tuple[datetime, int] | None:
        """Where this search's ranked window ends when older matches follow it: the (published_at, id) of
        its oldest ranked match (SearchWindow.end); None when every match is ranked."""
        if self._counted(SEARCH_RANK_WINDOW + 1) <= SEARCH_RANK_WINDOW:
            return None
        return self._window_end()

    def _window_end(self) -> tuple[datetime, int]:
        """The (published_at, id) of this search's SEARCH_RANK_WINDOW-th newest match, which it has."""
        by_date = self.order_by("-published_at", "-id").values_list("published_at", "id")
        # A live piece always has its time (a check constraint on Publication).
        return cast("tuple[datetime, int]", tuple(by_date[SEARCH_RANK_WINDOW - 1]))

    def relevance_walk(
        self,
        *,
        end: tuple[datetime, int] | None,
        after: tuple[float, datetime, int] | None,
        reverse: bool,
        limit: int,
    ) -> list:
        """Up to `limit` rows of this search in page()'s order (the window ranked, then the matches older
        than `end` newest first) that follow the row at `after`, or precede it with `reverse`, nearest
        first. `after` is a row's (rank, published_at, id); each row carries its `rank` in the walk, -1 past
        the window.

        Optimization (issue 16): a cursor over relevance used to rank every match on every page (a common
        word: 92,000 stored vectors, 1.2 s at 100,000 pieces). The window's end travels with the cursor, so
        each page ranks the window's matches at most and reads the older ones from the date index; and the
        position is the whole row's order (rank, date, id), so no offset is ever skipped over.
        """
        # A lazy queryset knows its search query once built.
        self.query  # noqa: B018
        rank = SearchRank(F("search_vector"), cast(SearchQuery, self._search_query))
        if end is None:
            in_window = Q()
            ranked = self.annotate(rank=rank)
        else:
            at, pk = end
            in_window = Q(published_at__gt=at) | Q(published_at=at, pk__gte=pk)
            ranked = self.annotate(rank=Case(When(in_window, then=rank), default=Value(-1.0)))
        window = ranked.filter(in_window).order_by(
            *(("rank", "published_at", "id") if reverse else SEARCH_ORDERING)
        )
        # Past the window's end, newest first (from the end on in the date index); none when every match is
        # ranked.
        older = (
            ranked.filter(Q(published_at__lt=end[0]) | Q(published_at=end[0], pk__lt=end[1])).order_by(
                *(("published_at", "id") if reverse else ("-published_at", "-id"))
            )
            if end is not None
            else None
        )
        parts = []
        if after is None:
            parts = [window, older]
        else:
            score, at_time, at_pk = after
            beyond = "gt" if reverse else "lt"
            dated = Q(**{f"published_at__{beyond}": at_time}) | Q(
                published_at=at_time, **{f"pk__{beyond}": at_pk}
            )
            if score >= 0:
                # Inside the window: past the row by rank, then date and id. Walking on, the older follow.
                # The rank is a `real`; read back as text, its shortest spelling is that real again only once
                # cast to it (as a double it is another number, and the row would follow itself).
                at_score = RawSQL("%s::real", (score,), output_field=models.FloatField())
                parts = [window.filter(Q(**{f"rank__{beyond}": at_score}) | (Q(rank=at_score) & dated))]
                if not reverse:
                    parts.append(older)
            elif older is not None:
                # Past the window: by date and id. Walking back, the whole window comes before.
                parts = [older.filter(dated), *([window] if reverse else [])]
        ids = [part.values("pk")[:limit] for part in parts if part is not None]
        if not ids:
            return []
        union = ids[0] if len(ids) == 1 else ids[0].union(*ids[1:], all=True)
        # Best first: the walk's rows are the first `limit` of them, or the last when walking back.
        rows = list(ranked.filter(_pk_in(union)).order_by(*SEARCH_ORDERING))
        return rows[:limit] if not reverse else rows[::-1][:limit]

    def _ranked_slice(self, ids: Sequence[int]) -> list | None:
        """The rows of `ids` in that order, the search's filters and the published rule applied again (a kept
        id is never shown unless it still matches); None when any of them no longer does."""
        if not ids:
            return []
        found = {row.pk: row for row in self._among(*ids)}
        if len(found) < len(ids):
            return None
        return [found[pk] for pk in ids]

    def _among(self, *ids: int) -> PublicationQuerySet:
        """The rows of `ids`, unordered and without the rank, for _ranked_slice()."""
        if self._records():
            return self._recorded("_among", *ids)
        # The order is the ids'; the rank (a stored vector read per row) is not needed to sort them again.
        rows = self.filter(pk__in=ids).order_by()
        rows.query.set_annotation_mask(set(rows.query.annotation_select) - {"rank"})
        return self._shaped(rows, "_among", *ids)

    def _ranks_a_window(self) -> bool:
        if self._lazy:
            # A search orders by SEARCH_ORDERING; of the other steps only _among() orders (by nothing).
            steps = {step for step, _ in cast(tuple, self._shape)}
            return "_search" in steps and "_among" not in steps
        return self._search_query is not None and tuple(self.query.order_by) == SEARCH_ORDERING

    def related_to(
        self, publication: Publication, *, topic_ids: list[int], author_ids: list[int], limit: int = 5
    ) -> list[Publication]:
        """Up to `limit` other publications sharing topics or authors, most shared first, then newest.

        Read from the candidates worked out on write (publications.related) when they give the answer;
        computed live otherwise (none stored yet, or too few of them live).
        """
        compiler = self.query.get_compiler(using=self.db)
        live, live_params = compiler.compile(self.query.where)
        return self.related_among(
            publication, live, list(live_params), topic_ids=topic_ids, author_ids=author_ids, limit=limit
        )

    def related_among(
        self,
        publication: Publication,
        live: str,
        live_params: list,
        *,
        topic_ids: list[int],
        author_ids: list[int],
        limit: int = 5,
    ) -> list[Publication]:
        """related_to() among the publications that satisfy `live` (the SQL of a WHERE on the publication
        table, with its `live_params`) rather than this queryset's own conditions."""
        stored = self._stored_related(publication, live, list(live_params), limit)
        if stored is not None:
            return stored
        return list(self._live_related(publication, topic_ids, author_ids, limit, live, list(live_params)))

    def _stored_related(
        self, publication: Publication, live: str, live_params: list, limit: int
    ) -> list[Publication] | None:
        """The answer from the stored candidates, or None when they do not settle it."""
        with connections[self.db].cursor() as cursor:
            cursor.execute(_STORED_RELATED_SQL.format(live=live), [*live_params, limit, publication.pk])
            rows = cursor.fetchall()
        if not rows:
            return None  # not worked out yet, or staled by a write
        complete = rows[0][0]
        items = [row[1:] for row in rows if row[1] is not None]
        if len(items) < limit and not complete:
            return None  # further candidates may be live: only the live computation knows
        # from_db() takes the loaded values in the model's field order.
        order = [field.attname for field in self.model._meta.concrete_fields]
        related = []
        for *values, lead_image_row, _place in items:
            loaded = sorted(
                zip(_STORED_RELATED_FIELDS, values, strict=True), key=lambda pair: order.index(pair[0])
            )
            names, in_order = [name for name, _ in loaded], [value for _, value in loaded]
            item = cast("Publication", self.model.from_db(self.db, names, in_order))
            item.lead_image_row = lead_image_row
            related.append(item)
        return related

    def _live_related(
        self,
        publication: Publication,
        topic_ids: list[int],
        author_ids: list[int],
        limit: int,
        live: str,
        live_params: list,
    ) -> RawQuerySet:
        """related_to() computed from the links and rows as they are now.

        Optimization: a piece on a busy topic shares something with ~20,000 others, and checking each one's
        date and status costs ~100 ms. Only the RELATED_CANDIDATES sharing the most (ties included) are
        checked first; the rest only when fewer than `limit` of those are live. The answer is the same.
        """
        sql = RELATED_SQL.format(columns=_RELATED_COLUMNS, live=live)
        params = [
            topic_ids, author_ids, publication.pk, RELATED_CANDIDATES, *live_params, limit,
            *live_params, limit, limit, limit,
        ]  # fmt: skip
        return self.model.objects.raw(sql, params)


def _row_loader(
    model: type[models.Model], db: str, names: tuple[str, ...]
) -> Callable[[Sequence[Any]], models.Model]:
    """What makes `model.from_db(db, names, values)` of a row's `values` (of the fields `names`, in the
    model's order; the others deferred): the same instance, built directly when no receiver awaits its init
    signals.

    Optimization (issue 16): Model.__init__ walks every field of the model (DEFERRED for all but a list
    row's five) and sends two signals; for a page of 20 rows that was a tenth of a millisecond.
    """
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        return lambda values: model.from_db(db, list(names), values)

    def load(values: Sequence[Any]) -> models.Model:
        instance = model.__new__(model)
        # As from_db() leaves it: loaded from `db`, not being added.
        state = instance._state = ModelState()
        state.adding, state.db = False, db
        instance.__dict__.update(zip(names, values, strict=True))
        return instance

    return load


class _RunTimeValue(Func):
    """A time Postgres reads as the statement runs (an InitPlan), not while it plans it."""

    template = "(SELECT %(expressions)s::timestamptz)"
    output_field = models.DateTimeField()


class _EqualsAny(Func):
    """`<value> = ANY(<array>)`, a condition."""

    template = "(%(expressions)s))"
    arg_joiner = " = ANY("
    output_field = models.BooleanField()


def _image_columns(prefix: str) -> dict[str, str]:
    """An image's fields (as media.api.documents.image_row_document reads them) behind the lookup `prefix`."""
    names = ("width", "height", "alt", "caption", "credit", "renditions")
    return {"path": f"{prefix}file", **{name: f"{prefix}{name}" for name in names}}


def _public_byline() -> QuerySet:
    """The byline rows of the outer query's publication, in order. A trashed author is deleted to the public:
    left out of bylines until restored."""
    from publications.models import PublicationAuthor

    return PublicationAuthor.objects.filter(
        publication=OuterRef("pk"), author__trashed_at__isnull=True
    ).order_by("position")


# Optimization: the JSON array columns are built and compiled once per process (see json_array; a few ms per
# request otherwise). Django copies an expression into each query that uses it, so one instance serves all.
@functools.cache
def _listing_columns() -> dict[str, RawSQL]:
    from publications.models import Publication
    from taxonomy.models import Topic

    return {
        "byline": json_array(
            Publication,
            _public_byline(),
            id="author_id",
            slug="author__slug",
            name="author__name",
            # How citations split the name ("Abbas, Syed Ali"): publications.citations.
            sort_name="author__sort_name",
            honorific="author__honorific",
            headline="author__headline",
            role="role",
            # The photo with its renditions (a JSON column of the image row): a byline shows it with no query.
            photo=JSONObject(**_image_columns("author__photo__")),
        ),
        "topic_list": json_array(
            Publication,
            Topic.objects.filter(publications=OuterRef("pk")).order_by("name"),
            id="id",
            slug="slug",
            name="name",
        ),
    }


@functools.cache
def _detail_columns() -> dict[str, RawSQL]:
    from publications.models import CrossPost, Publication

    return {
        "cross_post_list": json_array(
            Publication,
            CrossPost.objects.filter(publication=OuterRef("pk")).order_by("id"),
            outlet=JSONObject(
                slug="outlet__slug", name="outlet__name", domain="outlet__domain", homepage="outlet__homepage"
            ),
            url="url",
            relation="relation",
            published_on="published_on",
            is_canonical="is_canonical",
        )
    }


@functools.cache
def _profile_columns() -> dict[str, RawSQL]:
    from authors.models import AuthorLink
    from publications.models import Publication

    return {
        # What a page's bio boxes and its metadata (publications.metadata: Person with sameAs) show of each
        # byline author, in the byline's order; details only, as lists and feeds show none of it.
        "byline_profiles": json_array(
            Publication,
            _public_byline(),
            id="author_id",
            short_bio="author__short_bio",
            kind="author__kind",
            affiliation="author__affiliation",
            photo=JSONObject(
                path="author__photo__file",
                alt="author__photo__alt",
                width="author__photo__width",
                height="author__photo__height",
                renditions="author__photo__renditions",
            ),
            # A Subquery is an expression to Django; the stubs type it apart from Expression.
            links=ArraySubquery(  # type: ignore[arg-type]
                AuthorLink.objects.filter(author=OuterRef("author_id"))
                .order_by("position", "id")
                .values("url")
            ),
        ),
    }


@functools.cache
def _body_images() -> RawSQL:
    """The library images a body shows (its <img> addresses contain their paths), with their renditions.

    Optimization: a column of the detail's own query, not a query per image; it scans the library's paths
    for the one piece a detail shows.
    """
    from media.models import Image
    from publications.models import Publication

    return json_array(
        Publication,
        Image.objects.exclude(file="")
        .annotate(at=StrIndex(OuterRef("body"), F("file")))
        .filter(at__gt=0)
        .order_by("id"),
        path="file",
        width="width",
        height="height",
        renditions="renditions",
    )


# Compiled once per process, as the other detail columns (it compiled anew on every detail: a millisecond).
@functools.cache
def _correction_columns() -> dict[str, RawSQL]:
    from publications.models import Correction, Publication

    return {
        "correction_list": json_array(
            Publication,
            Correction.objects.filter(publication=OuterRef("pk")).order_by("date", "id"),
            date="date",
            text="text",
        )
    }


def _pk_in(ids: models.QuerySet) -> _EqualsAny:
    """`id = ANY(ARRAY(<ids>))`: the ids are computed once, then fetched by primary key.

    Optimization: with `id IN (<ids>)` the planner may apply the page's other filters (an author's thousands
    of pieces) to the whole table first, and only then keep the page.
    """
    return _EqualsAny(F("pk"), ArraySubquery(ids))


# --- The detail, compiled once (issue 16, h18-frame) ----------------------------------------------------
# Samples the compiled detail holds where the slug and the published rule's time go (no slug has a NUL, no
# piece a time in year 1).
_SLUG_SAMPLE = "\x00slug"
_TIME_SAMPLE = dt.datetime(1, 1, 1, tzinfo=dt.UTC)


def public_detail(slug: str, at: datetime | None = None) -> Publication | None:
    """The published piece `slug` with with_detail()'s columns, or None: what
    `Publication.objects.published(at).with_detail().get(slug=slug)` reads, by the same statement.

    Optimization (issue 16): the statement is compiled once per process and database (CompiledQuery), not
    built and compiled on every request (more than a millisecond of Python).
    """
    from publications.models import Publication

    alias = router.db_for_read(Publication)
    # The stubs type the features as the base class, which lacks PostgreSQL's flag.
    binding = cast(Any, connections[alias].features).uses_server_side_binding
    found = _detail_statement(alias, binding).fetch(slug=slug, at=at or timezone.now())
    if len(found) > 1:
        raise Publication.MultipleObjectsReturned(f"{len(found)} publications have the slug {slug!r}.")
    return cast("Publication | None", found[0] if found else None)


def public_related(
    publication: Publication, *, topic_ids: list[int], author_ids: list[int], at: datetime | None = None
) -> list[Publication]:
    """What `Publication.objects.published(at).related_to(publication, ...)` gives, by the same statements.

    Optimization (issue 16): building published()'s condition and compiling it cost a detail more Python
    than anything else it does besides its SQL; it is compiled once per process and database.
    """
    from publications.models import Publication

    alias = router.db_for_read(Publication)
    # The stubs type the features as the base class, which lacks PostgreSQL's flag.
    binding = cast(Any, connections[alias].features).uses_server_side_binding
    live, params = _published_condition(alias, binding)
    moment = at or timezone.now()
    return Publication.objects.using(alias).related_among(
        publication,
        live,
        [moment if value == _TIME_SAMPLE else value for value in params],
        topic_ids=topic_ids,
        author_ids=author_ids,
    )


@functools.lru_cache(maxsize=16)
def _published_condition(alias: str, server_side_binding: bool) -> tuple[str, tuple[Any, ...]]:
    """published()'s WHERE as SQL for the database `alias` (with or without server-side binding), at the
    time sample; see public_related."""
    from publications.models import Publication

    queryset = Publication.objects.using(alias).published(_TIME_SAMPLE)
    live, params = queryset.query.get_compiler(using=alias).compile(queryset.query.where)
    if _TIME_SAMPLE not in params:
        raise ValueError("The published rule no longer reads its time as a parameter.")
    return live, tuple(params)


@functools.lru_cache(maxsize=16)
def _detail_statement(alias: str, server_side_binding: bool) -> CompiledQuery:
    """The detail's statement for the database `alias`, as Django writes it with or without server-side
    binding (cissapi.prepared.server_binding): as QuerySet.get() writes it (no ordering, at most
    MAX_GET_RESULTS rows)."""
    from publications.models import Publication

    queryset = (
        Publication.objects.using(alias).published(_TIME_SAMPLE).with_detail().filter(slug=_SLUG_SAMPLE)
    )
    return CompiledQuery(queryset.order_by()[:MAX_GET_RESULTS], slug=_SLUG_SAMPLE, at=_TIME_SAMPLE)


# --- The list item, built by Postgres ---------------------------------------------------------------
# Optimization (issue 16, the thin read path): building each list item in Python from JSON columns cost
# about as much as the whole SQL of a page. Postgres builds the item as JSON text instead (json, not jsonb,
# so keys keep the order below), and the API embeds it untouched (orjson.Fragment). This is the list item's
# one producer; PublicationListSerializer is its schema (tests/api/test_documents_schema.py and
# tests/publications/test_item_json.py hold them together).


class ItemAddresses(NamedTuple):
    """What a list item's URLs and dates depend on besides the row: the response's API URLs around a slug
    (`before`, `after`), the public site, the absolute prefix of library files and the time zone shown."""

    publication_url: tuple[str, str]
    author_url: tuple[str, str]
    topic_url: tuple[str, str]
    site_url: str
    media_url: str
    time_zone: str


# What a list item's row loads as model fields: Last-Modified reads the dates, surrogate keys the series, and
# a cursor the first field of its ordering (published_at, updated_at or title).
_ITEM_ROW_FIELDS = ("id", "published_at", "updated_at", "series_id", "title")
# Where the search's snippet goes in an item's SQL (no SQL text contains it).
_SNIPPET_SLOT = "\x00snippet\x00"


def api_datetime_sql(column: str, tz: str = "%(tz)s") -> str:
    """`column` (a timestamptz) as api_datetime() writes it: ISO 8601 in the time zone `tz` (SQL: the
    item's %(tz)s parameter, or a quoted literal), microseconds only when set, "Z" for UTC. The bench's floor
    writes its dates with it too."""
    local = f"({column} AT TIME ZONE {tz})"
    offset = f"({local} - ({column} AT TIME ZONE 'UTC'))"
    return (
        f"CASE WHEN {column} IS NOT NULL THEN to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        f" || CASE WHEN mod(extract(microseconds FROM {column})::int, 1000000) <> 0"
        f" THEN to_char({local}, '.US') ELSE '' END"
        f" || CASE WHEN {offset} = interval '0' THEN 'Z'"
        f" WHEN {offset} > interval '0' THEN '+' || to_char({offset}, 'HH24:MI')"
        f" ELSE '-' || to_char(-{offset}, 'HH24:MI') END END"
    )


def _byline_sql(table: str) -> tuple[str, str]:
    """The byline of the publication row of `table` (a quoted alias): an entry's JSON (author `a`, link
    `pa`; order by pa.position) and the rows' FROM and WHERE. A trashed author is left out (as
    _public_byline() leaves them)."""
    from authors.models import Author
    from publications.models import PublicationAuthor

    entry = f"""json_build_object('slug', a.slug, 'name', a.name,
            'honorific', NULLIF(a.honorific, ''), 'role', pa.role, 'headline', NULLIF(a.headline, ''),
            'url', %(author_before)s || a.slug || %(author_after)s,
            'public_url', %(site)s || '/authors/' || a.slug || '/',
            'photo', {image_json_sql("a.photo_id")})"""
    rows = f"""FROM {PublicationAuthor._meta.db_table} pa
        JOIN {Author._meta.db_table} a ON a.id = pa.author_id
        WHERE pa.publication_id = {table}.id AND a.trashed_at IS NULL"""
    return entry, rows


def _topics_sql(table: str) -> tuple[str, str]:
    """The topics of the publication row of `table`: an entry's JSON (topic `tp`; order by tp.name) and the
    rows' FROM and WHERE."""
    from publications.models import Publication
    from taxonomy.models import Topic

    entry = """json_build_object('slug', tp.slug, 'name', tp.name,
            'url', %(topic_before)s || tp.slug || %(topic_after)s,
            'public_url', %(site)s || '/topics/' || tp.slug || '/')"""
    rows = f"""FROM {Publication.topics.through._meta.db_table} pt
        JOIN {Topic._meta.db_table} tp ON tp.id = pt.topic_id WHERE pt.publication_id = {table}.id"""
    return entry, rows


def _item_laterals(table: str) -> str:
    """Joins giving the publication row of `table` its byline and topics (`byline`, `topics`) as the item's
    JSON arrays (`items`) and as the ids of its surrogate keys (`ids`, in the same order as _key_columns'):
    each relation read once for both."""
    byline, byline_rows = _byline_sql(table)
    topic, topic_rows = _topics_sql(table)
    return f"""LEFT JOIN LATERAL (SELECT COALESCE(json_agg({byline} ORDER BY pa.position), '[]') AS items,
        COALESCE(array_agg(pa.author_id ORDER BY pa.position), '{{}}') AS ids
    {byline_rows}) AS byline ON true
LEFT JOIN LATERAL (SELECT COALESCE(json_agg({topic} ORDER BY tp.name), '[]') AS items,
        COALESCE(array_agg(tp.id ORDER BY tp.name), '{{}}') AS ids
    {topic_rows}) AS topics ON true"""


def _item_pairs(table: str, *, lateral: bool = False) -> list[tuple[str, str]]:
    """The list item's keys in order (PublicationListSerializer's), each with its SQL, for the publication
    row of `table` (a quoted alias); its byline and topics from _item_laterals' joins when `lateral`."""
    from taxonomy.models import Series

    t = table
    if lateral:
        authors, topics = "byline.items", "topics.items"
    else:
        byline, byline_rows = _byline_sql(t)
        topic, topic_rows = _topics_sql(t)
        authors = f"COALESCE((SELECT json_agg({byline} ORDER BY pa.position) {byline_rows}), '[]')"
        topics = f"COALESCE((SELECT json_agg({topic} ORDER BY tp.name) {topic_rows}), '[]')"
    return [
        ("id", f"{t}.id"),
        ("uuid", f"{t}.uuid"),
        ("slug", f"{t}.slug"),
        ("url", f"%(publication_before)s || {t}.slug || %(publication_after)s"),
        ("public_url", f"%(site)s || '/publications/' || {t}.slug || '/'"),
        ("type", f"{t}.type"),
        ("title", f"{t}.title"),
        ("subtitle", f"NULLIF({t}.subtitle, '')"),
        ("summary", f"NULLIF({t}.summary, '')"),
        ("language", f"{t}.language"),
        ("published_at", api_datetime_sql(f"{t}.published_at")),
        ("updated_at", api_datetime_sql(f"{t}.updated_at")),
        # cissapi.text.reading_minutes
        (
            "reading_minutes",
            f"CASE WHEN {t}.word_count = 0 THEN 0"
            f" ELSE GREATEST(1, ({t}.word_count + {WORDS_PER_MINUTE - 1}) / {WORDS_PER_MINUTE}) END",
        ),
        ("authors", authors),
        ("topics", topics),
        (
            "series",
            f"(SELECT json_build_object('slug', s.slug, 'name', s.name) FROM {Series._meta.db_table} s"
            f" WHERE s.id = {t}.series_id)",
        ),
        ("image", image_json_sql(f"{t}.lead_image_id")),
    ]


# Where the ids' statement and the queryset's other annotations go in _items_sql()'s (no SQL contains them).
_IDS_SLOT = "\x00ids\x00"
_EXTRAS_SLOT = "\x00extras\x00"


@functools.lru_cache(maxsize=256)
def _items_sql(fields: frozenset[str] | None, snippet: bool) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """The statement reading an as_items() queryset's rows (_read_items): its text with `%s` placeholders,
    the snippet's, the other annotations' and the ids' slots, and the ItemAddresses values its placeholders
    take before the ids' (the snippet's parameters follow these) and after them.

    The ids come first (an index walk for a date order), then only those rows, by primary key, in that order.
    The row is named "publications_publication", as in the ORM's statements (the snippet's SQL names it so);
    the ids' own statement names its table the same, in its own scope.
    """
    table = '"publications_publication"'
    item, before = _item_sql(table, fields, snippet, lateral=True)
    columns = ", ".join(
        _row_time_sql(f"{table}.{name}") if name in _ROW_TIMES else f"{table}.{name}"
        for name in _item_row_fields()
    )
    laterals = _item_laterals(table)
    after = tuple(re.findall(r"%\((\w+)\)s", laterals))
    joins = re.sub(r"%\(\w+\)s", "%s", laterals)
    sql = f"""SELECT {columns}, {item}{_EXTRAS_SLOT}, byline.ids, topics.ids
FROM unnest(ARRAY({_IDS_SLOT})) WITH ORDINALITY AS page(id, place)
JOIN publications_publication ON {table}.id = page.id
{joins}
ORDER BY page.place"""
    return sql, before, after


# Optimization (issue 16): psycopg reads a timestamptz through Django's loader, in Python (a page of 20 rows
# spent 0.14 ms of its 0.18 ms of fetching on its 40 dates); a list row's times come as microseconds since the
# epoch instead (an integer, read in C), made datetimes as Django's loader makes them (_row_time).
_ROW_TIMES = frozenset({"published_at", "updated_at"})
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _row_time_sql(column: str) -> str:
    """The timestamptz `column` as microseconds since the epoch (exact: extract() gives a numeric)."""
    return f"(extract(epoch FROM {column}) * 1000000)::bigint"


def _row_time(microseconds: int | None, tz: dt.tzinfo) -> datetime | None:
    """The time `microseconds` after the epoch (_row_time_sql) in the connection's time zone `tz`."""
    if microseconds is None:
        return None
    moment = _EPOCH + dt.timedelta(microseconds=microseconds)
    return moment if tz is dt.UTC else moment.astimezone(tz)


@functools.cache
def _item_row_fields() -> tuple[str, ...]:
    """_ITEM_ROW_FIELDS in the model's field order, as Model.from_db() takes them."""
    from publications.models import Publication

    return tuple(f.attname for f in Publication._meta.concrete_fields if f.attname in _ITEM_ROW_FIELDS)


# Bounded: `?fields=` may name any of 2**18 subsets of the item's keys.
@functools.lru_cache(maxsize=256)
def _item_sql(
    table: str, fields: frozenset[str] | None, snippet: bool, *, lateral: bool = False
) -> tuple[str, tuple[str, ...]]:
    """The item's SQL with `%s` placeholders up to its snippet's (appended last when `snippet`), and the
    ItemAddresses value each placeholder takes, in order (`lateral`: see _item_pairs)."""
    chosen = [
        (key, sql) for key, sql in _item_pairs(table, lateral=lateral) if fields is None or key in fields
    ]
    arguments = ", ".join(f"'{key}', {sql}" for key, sql in chosen)
    if snippet and (fields is None or "snippet" in fields):
        # Last: the snippet's own SQL and parameters go in here when the query is compiled.
        arguments += (", " if arguments else "") + f"'snippet', {_SNIPPET_SLOT}"
    names = tuple(re.findall(r"%\((\w+)\)s", arguments))
    return re.sub(r"%\(\w+\)s", "%s", f"json_build_object({arguments})::text"), names


def _address_values(a: ItemAddresses) -> dict[str, str]:
    """The values of the item SQL's named placeholders."""
    return {
        "publication_before": a.publication_url[0],
        "publication_after": a.publication_url[1],
        "author_before": a.author_url[0],
        "author_after": a.author_url[1],
        "topic_before": a.topic_url[0],
        "topic_after": a.topic_url[1],
        "site": a.site_url,
        "media": a.media_url,
        "tz": a.time_zone,
    }


class ListItemJson(models.Expression):
    """A publication's list item as JSON text (`fields` only, in their order), built by Postgres, with the
    search's `snippet` expression when there is one."""

    output_field = models.TextField()

    def __init__(
        self,
        addresses: ItemAddresses,
        fields: frozenset[str] | None = None,
        snippet: models.Expression | None = None,
    ) -> None:
        super().__init__()
        self.addresses, self.fields, self.snippet = addresses, fields, snippet

    def get_source_expressions(self) -> list:
        return [self.snippet]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.snippet,) = exprs

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, tuple]:
        table = compiler.quote_name_unless_alias(compiler.query.base_table)
        sql, names = _item_sql(table, self.fields, self.snippet is not None)
        values = _address_values(self.addresses)
        params: list[str | int] = [values[name] for name in names]
        if self.snippet is not None and _SNIPPET_SLOT in sql:
            compiled, snippet_params = compiler.compile(self.snippet)
            sql = sql.replace(_SNIPPET_SLOT, compiled)
            params += snippet_params
        return sql, tuple(params)


# --- A list's statement, compiled once per shape (issue 16, h19-list) ------------------------------------
# Optimization: compiling a list's statement (the ids' statement with the filters' subqueries, the search's
# rank and snippet, the item) cost the ORM 0.2-0.4 ms of Python a request, though its text is the same for
# every list of one shape. A shape is the steps its queryset was built by (PublicationQuerySet._shaped), each
# step's name and how many values it took. The kind of value of each step, for the samples a shape is
# compiled with:
_LIST_STEPS = {
    "published": "time",
    "by_author_slugs": "text",
    "in_topics": "text",
    "in_series": "text",
    "cross_posted_at": "text",
    "by_few_authors": "text",
    "in_few_topics": "text",
    "in_few_series": "text",
    "at_few_outlets": "text",
    "of_type": "text",
    "in_language": "text",
    "_search": "text",
    "_among": "id",
    # A cursor page's position past which it starts (PublicationQuerySet.filter).
    "published_at__lt": "time",
    "published_at__gt": "time",
    "updated_at__lt": "time",
    "updated_at__gt": "time",
}
_POSITION_STEPS = frozenset(step for step in _LIST_STEPS if "__" in step)
# The authors', topics', series' and outlets' steps, each with its step reading their few pieces from their
# links (PublicationQuerySet._linked_few) and the name of its owner's stats model.
_FEW_OF = {
    "by_author_slugs": ("by_few_authors", "AuthorPublicationStats"),
    "in_topics": ("in_few_topics", "TopicPublicationStats"),
    "in_series": ("in_few_series", "SeriesPublicationStats"),
    "cross_posted_at": ("at_few_outlets", "OutletPublicationStats"),
}
# Each few-pieces step with its stats model's name.
_FEW_STATS = dict(_FEW_OF.values())
_FEW_STEPS = frozenset(_FEW_STATS)
# Optimization (issue 16, h22-list): the steps of the shapes whose statements read the published rule's time
# as they run (PublicationQuerySet._published_read_at_run_time). Their plan walks the live index newest first
# whatever the time (nearly every live piece is in the past), but Postgres planned their prepared statements
# anew on every run: planned for a given time it sees ~90% of the live pieces, planned for any time a third,
# and that generic plan looked costlier than the others, so it was never kept. A topic filter's statement and
# a deep page's cost ~0.9 ms of planning a request at 100k pieces, as long as running them. A time the
# planner never sees is a third of the rows in both plans: the generic plan is kept, the plan the same. A
# search (its plan depends on its words) keeps the time a parameter. An author's, a topic's or an outlet's
# list walked by the link's date (_walked_by_date) reads it on the link the same way: planned for a given
# time, its walk stops at the page (a small cost), which its generic plan never matched, so an author's page
# was planned anew on every request too (about 1.5 ms of the floor's 4 at 100k pieces).
_TIME_UNPLANNED_STEPS = frozenset(
    {
        "published",
        "by_author_slugs",
        "in_topics",
        "in_series",
        "cross_posted_at",
        "of_type",
        "in_language",
        *_FEW_STEPS,
        *_POSITION_STEPS,
    }
)
# A position on the date, said on a link's copy of it too (PublicationQuerySet._walked_by_date): the aliases
# of the copies on bylines, topic filings and outlets' pieces.
_DATE_COPY_POSITIONS = {"published_at__lt": "lt", "published_at__gt": "gt"}
_DATE_COPIES = ("byline_date", "filing_date", "posting_date")
# The lists' date orders, newest or oldest first (a cursor walks back), each said on a copy as above.
_DATE_ORDERS = {("-published_at", "-id"): "-", ("published_at", "id"): ""}


def public_ordering(ordering: tuple[str, ...]) -> tuple[str, ...]:
    """`ordering` as the piece's fields name it: a list walked by a link's copy of the date (order_by()) is
    in the piece's date order."""
    if len(ordering) == 2 and ordering[0].lstrip("-") in _DATE_COPIES:
        sign = "-" if ordering[0].startswith("-") else ""
        return (f"{sign}published_at", ordering[1])
    return ordering


# A slice no list asks for: Django writes LIMIT and OFFSET as literals (the plan depends on them, so they stay
# literals), found in the sample's statement by this and written in for each list.
_SAMPLE_SLICE = (7_654_321, 8_888_888)
_LIMITS_SLOT = "\x00limits\x00"


def _sample(kind: str, index: int) -> Any:
    """The `index`th value of a shape's sample: one no constant of a list's statement has (no slug has a NUL,
    no piece is of year 1, no id is negative)."""
    if kind == "time":
        return _TIME_SAMPLE + dt.timedelta(microseconds=index)
    if kind == "id":
        return -1_000_000_000 - index
    return f"\x00{index}\x00"


_ADDRESS_SAMPLES = ItemAddresses(
    publication_url=("\x00publication_before\x00", "\x00publication_after\x00"),
    author_url=("\x00author_before\x00", "\x00author_after\x00"),
    topic_url=("\x00topic_before\x00", "\x00topic_after\x00"),
    site_url="\x00site\x00",
    media_url="\x00media\x00",
    time_zone="\x00tz\x00",
)


def _distinct(values: Sequence[str]) -> list[str]:
    """`values` without repeats, in their order: as Django's `__in` lookup binds them."""
    return list(dict.fromkeys(values))


class ListStatement(NamedTuple):
    """A list shape's statement (_read_items()'s) with its samples' parameters, the annotations its rows carry
    besides the item, where each of the shape's values goes (parameter position, index of the value) and each
    address (position, ItemAddresses name)."""

    alias: str
    sql: str
    params: tuple[Any, ...]
    extras: tuple[str, ...]
    values: tuple[tuple[int, int], ...]
    addresses: tuple[tuple[int, str], ...]

    def bind(
        self, values: Sequence[Any], addresses: ItemAddresses, low: int, high: int | None
    ) -> tuple[str, list[Any]]:
        """The statement and parameters of the list with `values`, `addresses` and the slice [low, high):
        what the ORM would compile for it (EmptyResultSet for an empty slice, as the ORM raises)."""
        if high is not None and high <= low:
            raise EmptyResultSet
        params = list(self.params)
        for position, index in self.values:
            params[position] = values[index]
        named = _address_values(addresses)
        for position, name in self.addresses:
            params[position] = named[name]
        limits = ""
        if low or high is not None:
            limits = f" {connections[self.alias].ops.limit_offset_sql(low, high)}"
        return self.sql.replace(_LIMITS_SLOT, limits), params


@functools.lru_cache(maxsize=512)
def _list_statement(
    alias: str,
    server_side_binding: bool,
    shape: tuple[tuple[str, int], ...],
    fields: frozenset[str] | None,
) -> ListStatement | None:
    """The statement of the as_items() lists of `shape` with `fields` on the database `alias` (as Django
    writes it with or without server-side binding: cissapi.prepared), compiled from a queryset built by the
    same steps with samples; None when it cannot be (then each list of the shape is compiled as it is)."""
    from publications.models import Publication

    if any(step not in _LIST_STEPS for step, _ in shape):
        return None
    samples = _shape_samples(shape)
    # Built, not lazy: its statement is compiled here.
    bare = PublicationQuerySet(Publication, query=Query(Publication), using=alias)
    items = _replayed(
        bare,
        shape,
        samples,
        (_ADDRESS_SAMPLES, fields),
        _SAMPLE_SLICE,
        time_at_run_time=_time_unplanned(shape),
    )
    extras = items._extras()
    if items._shape != shape:
        return None
    try:
        sql, params = items._items_statement(extras)
    except EmptyResultSet:
        return None
    limits = f" {connections[alias].ops.limit_offset_sql(*_SAMPLE_SLICE)}"
    if sql.count(limits) != 1:
        return None
    address_names = {value: name for name, value in _address_values(_ADDRESS_SAMPLES).items()}
    address_slots = [
        (position, address_names[param])
        for position, param in enumerate(params)
        if isinstance(param, str) and param in address_names
    ]
    value_slots = _value_slots(samples, params)
    if value_slots is None:
        return None
    return ListStatement(
        alias,
        sql.replace(limits, _LIMITS_SLOT),
        tuple(params),
        extras,
        value_slots,
        tuple(address_slots),
    )


def _time_unplanned(shape: tuple[tuple[str, int], ...]) -> bool:
    """Whether the statements of `shape` read the published rule's time as they run (see
    _TIME_UNPLANNED_STEPS)."""
    return all(step in _TIME_UNPLANNED_STEPS for step, _ in shape)


def _shape_samples(shape: tuple[tuple[str, int], ...]) -> list[Any]:
    """The sample values a statement of `shape` is compiled with, one per value its steps take."""
    samples: list[Any] = []
    for step, count in shape:
        samples += [_sample(_LIST_STEPS[step], len(samples) + index) for index in range(count)]
    return samples


def _value_slots(samples: Sequence[Any], params: Sequence[Any]) -> tuple[tuple[int, int], ...] | None:
    """Where each of `samples` went in a statement's `params` (parameter position, index of the sample);
    None when one went nowhere (Django wrote it into the text, or changed it)."""
    sample_index = {(type(value), value): index for index, value in enumerate(samples)}
    slots = tuple(
        (position, sample_index[(type(param), param)])
        for position, param in enumerate(params)
        if isinstance(param, dt.datetime | str | int) and (type(param), param) in sample_index
    )
    if {index for _, index in slots} != set(range(len(samples))):
        return None
    return slots


class CountStatement(NamedTuple):
    """A list shape's bounded count (PublicationQuerySet._counted) with its samples' parameters and where
    each of the shape's values goes (parameter position, index of the value)."""

    sql: str
    params: tuple[Any, ...]
    values: tuple[tuple[int, int], ...]

    def bind(self, values: Sequence[Any]) -> tuple[str, list[Any]]:
        """The statement and parameters counting the list of `values`: what the ORM would compile."""
        params = list(self.params)
        for position, index in self.values:
            params[position] = values[index]
        return self.sql, params


@functools.lru_cache(maxsize=512)
def _count_statement(
    alias: str, server_side_binding: bool, shape: tuple[tuple[str, int], ...], bound: int
) -> CountStatement | None:
    """The statement counting the lists of `shape` up to `bound` on the database `alias` (as Django writes
    it with or without server-side binding, and as QuerySet.count() of the ids sliced to `bound` does),
    compiled from a queryset built by the same steps with samples; None when it cannot be."""
    from publications.models import Publication

    if any(step not in _LIST_STEPS for step, _ in shape):
        return None
    samples = _shape_samples(shape)
    bare = PublicationQuerySet(Publication, query=Query(Publication), using=alias)
    lists = _replayed(bare, shape, samples, None, None, time_at_run_time=_time_unplanned(shape))
    if lists._shape != shape:
        return None
    try:
        ids_sql, params = lists.order_by().values("pk")[:bound].query.get_compiler(alias).as_sql()
    except EmptyResultSet:
        return None
    value_slots = _value_slots(samples, params)
    if value_slots is None:
        return None
    return CountStatement(f"SELECT COUNT(*) FROM ({ids_sql}) subquery", tuple(params), value_slots)


def _replayed(
    queryset: PublicationQuerySet,
    shape: tuple[tuple[str, int], ...],
    values: Sequence[Any],
    items: tuple[ItemAddresses, frozenset[str] | None] | None,
    limits: tuple[int, int | None] | None,
    *,
    time_at_run_time: bool = False,
) -> PublicationQuerySet:
    """`queryset` (not lazy) built by the steps of `shape` with `values`, then as_items() with `items` and the
    slice `limits` when given: what a lazy queryset recorded, in that order (its filters are ANDed, and the
    masks of as_items() and _among() come out the same either way)."""
    position = 0
    for step, count in shape:
        taken = values[position : position + count]
        position += count
        if step in _POSITION_STEPS:
            queryset = queryset.filter(**{step: taken[0]})
            continue
        if step == "published" and time_at_run_time:
            queryset = queryset._published_read_at_run_time(*taken)
            continue
        if step in _FEW_STEPS:
            queryset = queryset._linked_few(step, list(taken))
        elif step in _FEW_OF:
            # The steps taking their values as one list choose their plan by them: replayed as recorded.
            queryset = getattr(queryset, step)(list(taken), planned=True)
        else:
            queryset = getattr(queryset, step)(*taken)
    if items is not None:
        queryset = queryset.as_items(items[0], fields=items[1])
    if limits is not None:
        queryset = queryset[limits[0] : limits[1]]
    return queryset


# --- The JSON Feed item, built by Postgres -----------------------------------------------------------
# Optimization (issue 16): Django's feed machinery built each JSON Feed item in Python (a dozen calls and a
# dict walk per item, ten times the floor's SQL). Postgres writes the item as the text json.dumps() wrote
# (its separators, its escapes: to_json() escapes exactly the characters json.dumps(ensure_ascii=False)
# does), keys in JSON Feed order, each string through xml_text's twin as every feed's text is.


class FeedAddresses(NamedTuple):
    """What a feed item's URLs depend on besides the row: the public site's origin and the absolute prefix
    of library files on the request's host."""

    site_url: str
    media_url: str


_NO_TEXT = Value(None, output_field=models.TextField())
# The columns of a feed item's row (PublicationQuerySet.as_feed_items).
FEED_ITEM_ROW = ("item_head", "item_body", "item_tail", "modified", "pdf_unmeasured", "last_change")


def rfc3339_sql(column: str) -> str:
    """`column` (a timestamptz) as Django's feeds write it (rfc3339_date: isoformat() of the UTC value)."""
    utc = f"(({column}) AT TIME ZONE 'UTC')"
    return (
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        f" || CASE WHEN mod(extract(microseconds FROM {utc})::int, 1000000) <> 0"
        f" THEN to_char({utc}, '.US') ELSE '' END || '+00:00'"
    )


def _json_text(expression: str) -> str:
    """The JSON string of the text `expression`, through xml_text's twin."""
    return f"to_json({xml_text_sql(expression)})::text"


@functools.cache
def _feed_item_sql(table: str) -> dict[str, str]:
    """The JSON Feed item's SQL for the publication row of `table` (a quoted alias), by section: `summary`
    (the whole item, summary as its content), or `before_body` and `after_body` around the full text's
    content_html value. Placeholders %(site)s and %(media)s."""
    from authors.models import Author
    from media.models import Image
    from publications.models import CrossPost, Publication, PublicationAuthor
    from taxonomy.models import Topic

    t = table
    # As BasePublicationFeed's item methods and JsonFeed's keys say: an empty byline leaves "authors" out,
    # the canonical cross-post is the first by id, the image and the PDF are absolute URLs of this host.
    head = f"""'{{"id": ' || to_json('urn:uuid:' || {t}.uuid)::text
        || ', "url": ' || to_json(%(site)s || '/publications/' || {t}.slug || '/')::text
        || ', "title": ' || {_json_text(f"{t}.title")}
        || ', "summary": ' || {_json_text(f"{t}.summary")}
        || ', "date_published": "' || {rfc3339_sql(f"{t}.published_at")}
        || '", "date_modified": "' || {rfc3339_sql(f"GREATEST({t}.updated_at, {t}.published_at)")} || '"'
        || COALESCE((SELECT ', "authors": [' || string_agg('{{"name": ' || {_json_text("a.name")}
                || ', "url": ' || to_json(%(site)s || '/authors/' || a.slug || '/')::text || '}}', ', '
                ORDER BY pa.position) || ']'
            FROM {PublicationAuthor._meta.db_table} pa JOIN {Author._meta.db_table} a ON a.id = pa.author_id
            WHERE pa.publication_id = {t}.id AND a.trashed_at IS NULL), '')
        || ', "tags": [' || COALESCE((SELECT string_agg({_json_text("tp.name")}, ', ' ORDER BY tp.name)
            FROM {Publication.topics.through._meta.db_table} pt
            JOIN {Topic._meta.db_table} tp ON tp.id = pt.topic_id WHERE pt.publication_id = {t}.id), '')
        || '], "language": ' || to_json({t}.language)::text"""
    tail = f"""COALESCE((SELECT ', "external_url": ' || {_json_text("c.url")}
            FROM {CrossPost._meta.db_table} c WHERE c.publication_id = {t}.id AND c.is_canonical
            ORDER BY c.id LIMIT 1), '')
        || COALESCE((SELECT ', "image": ' || to_json({media_url_sql("i.file")})::text
            FROM {Image._meta.db_table} i WHERE i.id = {t}.lead_image_id AND i.file <> ''), '')
        || CASE WHEN {t}.pdf <> '' AND {t}.pdf_size IS NOT NULL
            THEN ', "attachments": [{{"url": ' || to_json({media_url_sql(f"{t}.pdf")})::text
                || ', "mime_type": "application/pdf", "size_in_bytes": ' || {t}.pdf_size || '}}]'
            ELSE '' END
        || '}}'"""
    return {
        "summary": f"""{head} || ', "content_text": ' || {_json_text(f"{t}.summary")} || {tail}""",
        "before_body": f"""{head} || ', "content_html": '""",
        "after_body": tail,
    }


class FeedItemJson(models.Expression):
    """A publication's JSON Feed item (or a `section` of it: _feed_item_sql) as text, built by Postgres."""

    output_field = models.TextField()

    def __init__(self, addresses: FeedAddresses, section: str) -> None:
        super().__init__()
        self.addresses, self.section = addresses, section

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, tuple]:
        table = compiler.quote_name_unless_alias(compiler.query.base_table)
        sql = _feed_item_sql(table)[self.section]
        values = {"site": self.addresses.site_url, "media": self.addresses.media_url}
        names = re.findall(r"%\((\w+)\)s", sql)
        return re.sub(r"%\(\w+\)s", "%s", sql), tuple(values[name] for name in names)


@functools.cache
def _key_columns() -> dict[str, RawSQL]:
    """The ids of a piece's byline authors (in order) and topics (by name): its surrogate keys."""
    from publications.models import Publication

    return {
        "author_ids": _id_array(Publication, _public_byline().values("author_id")),
        "topic_ids": _id_array(
            Publication,
            Publication.topics.through.objects.filter(publication=OuterRef("pk"))
            .order_by("topic__name")
            .values("topic_id"),
        ),
    }


def _id_array(outer: type[models.Model], ids: QuerySet) -> RawSQL:
    """`ids` (correlated with OuterRef to a row of `outer`) as an integer array column, compiled once (as
    cissapi.json_arrays.json_array, with the same condition of use)."""
    query = outer._base_manager.all().query
    query.get_initial_alias()
    sql, params = query.get_compiler(DEFAULT_DB_ALIAS).compile(ArraySubquery(ids).resolve_expression(query))
    return RawSQL(sql, tuple(params), output_field=ArrayField(models.IntegerField()))


# The published rule, said once in SQL and once in Python: keep the four functions below in step (a test
# holds published(), published_sql() and Publication.is_live_at() to the same answer for every state).
def published_q(at: datetime | None = None) -> Q:
    """The published rule as a Q object, for filtering related querysets (counts, author pages)."""
    # The status is spelled in the statement, never bound: a statement bound on the server and prepared
    # (cissapi.prepared) may be planned once for any values, and only a literal status lets that generic
    # plan use the live pieces' partial indexes (publication_live_idx); with a bound one, list page 1 took
    # 300 ms.
    return Q(
        Exact(F("status"), _PUBLISHED_LITERAL),
        published_at__lte=at or timezone.now(),
        trashed_at__isnull=True,
    )


_PUBLISHED_LITERAL = RawSQL(f"'{PublicationStatus.PUBLISHED}'", (), output_field=models.CharField())


def published_sql(table: str) -> str:
    """The published rule as SQL for the publication row aliased `table`, at the %(now)s parameter: for
    statements Postgres runs as written (authors.querysets.public_bio's count)."""
    return (
        f"{table}.status = '{PublicationStatus.PUBLISHED}' AND {table}.published_at <= %(now)s"
        f" AND {table}.trashed_at IS NULL"
    )


def is_live_at(
    status: str, published_at: datetime | None, moment: datetime, *, trashed_at: datetime | None
) -> bool:
    """The published rule for one row already in memory (Publication.is_live_at)."""
    return (
        status == PublicationStatus.PUBLISHED
        and published_at is not None
        and published_at <= moment
        and trashed_at is None
    )


# --- Publication counts of the models publications point at ---------------------------------------------
# Topics, series, outlets and authors know nothing of publications (they sit below them), so what counts an
# author's or a topic's published pieces lives here, with the published rule.


def with_publication_counts(collections: QuerySet) -> QuerySet:
    """Topics, series or outlets with `publication_count` and `last_published_at` of their published pieces
    (an outlet's: those cross-posted there)."""
    # Optimization (issue 16): each one's numbers by publication_stats_sql (the stored count and the pieces
    # gone live since), as subqueries Postgres runs for the rows a page returns only. Counting every filing of
    # every topic and grouping them cost 1.9 s at 100,000 pieces (219,337 filings) for a page of 20 topics,
    # and the topics' sitemap as much; the series' list 0.3 s, the outlets' (every cross-post grouped by its
    # piece) 0.7 s.
    return _with_publication_stats(collections).order_by("name", "id")


def with_live_publications(collections: QuerySet) -> QuerySet:
    """Only topics, series or outlets with a published piece (an outlet's: cross-posted there): one with
    nothing live is not public at all."""
    return _with_live_publications(collections)


def with_last_published_at(collections: QuerySet[Topic] | QuerySet[Series]) -> QuerySet:
    """Topics or series with a published piece, with `last_published_at`, the newest one's date (no count)."""
    # Optimization (issue 16): the newest piece read down the date index (newest_publication_sql) costs the
    # same whether or not the worker has stored the counts; with_publication_counts() without stored rows
    # counts each topic's pieces live, twice (1.8 s for the topics' sitemap at 100,000 pieces).
    return _with_live_publications(collections).annotate(last_published_at=_newest_publication(collections))


def _with_live_publications(owners: QuerySet) -> QuerySet:
    """`owners` (topics, series or outlets) having a published piece, by newest_publication_sql."""
    # Optimization (issue 16): a scalar subquery, which Postgres runs for each row, walking the owner's date
    # index down to its newest live piece. An EXISTS it turned into a semi-join over every filing and live
    # piece: 0.36 s for the 40 topics at 100,000 pieces, on every page of the list, once counts were stored.
    newest = _newest_publication(owners)
    return owners.filter(
        RawSQL(f"{newest.sql} IS NOT NULL", newest.params, output_field=models.BooleanField())
    )


def _newest_publication(owners: QuerySet) -> RawSQL:
    """newest_publication_sql() of each of `owners` (topics, series or outlets), as a subquery."""
    newest_sql = newest_publication_sql(_stats_of(owners), owner_id=f"{owners.model._meta.db_table}.id")
    params = [timezone.now()] * newest_sql.count("%(now)s")
    return RawSQL(f"({newest_sql.replace('%(now)s', '%s')})", params, output_field=models.DateTimeField())


def authors_with_publication_counts(authors: QuerySet[Author]) -> QuerySet[Author]:
    """Authors with `publication_count` and `last_published_at` over their published pieces only."""
    # Optimization: each author's numbers by the bio's statement (publication_stats_sql: the stored count and
    # the pieces gone live since), as subqueries that Postgres runs for the rows a page returns only. Grouping
    # every byline of every author (190,000 at 100,000 pieces) cost ~0.7 s for any page of the list, any
    # `?q=` or `?page_size=`, and the authors' sitemap.
    return _with_publication_stats(authors).order_by("sort_name", "name", "id")


def _with_publication_stats(owners: QuerySet) -> QuerySet:
    """`owners` (authors, topics, series or outlets) annotated with `publication_count` and
    `last_published_at` read by publication_stats_sql from their stats model."""
    stats_sql = publication_stats_sql(_stats_of(owners), owner_id=f"{owners.model._meta.db_table}.id")
    one_row = stats_sql.replace("%(now)s", "%s")
    params = [timezone.now()] * stats_sql.count("%(now)s")
    return owners.annotate(
        publication_count=RawSQL(
            f"(SELECT stats.count FROM ({one_row}) AS stats)", params, output_field=models.IntegerField()
        ),
        last_published_at=RawSQL(
            f"(SELECT stats.latest FROM ({one_row}) AS stats)", params, output_field=models.DateTimeField()
        ),
    )


def author_publication_stats_sql(author_id: str = "a.id") -> str:
    """publication_stats_sql() of the author whose id is `author_id` (the author aliased `a`), for
    authors.querysets.public_bio."""
    from publications.models import AuthorPublicationStats

    return publication_stats_sql(AuthorPublicationStats, owner_id=author_id)


def publication_stats_sql(stats: type[PublicationStats], *, owner_id: str) -> str:
    """SQL of one row (`count`, `latest`) of the published pieces at %(now)s of the author, topic, series
    or outlet whose id is `owner_id`, by its `stats` model (AuthorPublicationStats, TopicPublicationStats,
    SeriesPublicationStats or OutletPublicationStats)."""
    from publications.models import Publication

    # Optimization: worked out on write (publications.related) as of `as_of`, exact from then on once the
    # pieces gone live since are added (scheduled ones: no write marks their time; any write that changes what
    # was counted deletes the row). Those few are read from the owner's date index (an author's bylines,
    # a topic's filings, an outlet's pieces: (owner, published_at, publication); a series' live pieces:
    # publication_series_live_idx), so a row stays cheap past its `valid_until` until the worker counts
    # again. The dates there are copies: the piece's own row still says whether it is published. Without a
    # row every dated link is counted, as counting a prolific author's thousands of bylines costs
    # milliseconds (a quarter of a second at 1M). One statement, kept short: with the bio around it, under
    # psycopg's 4,096 bytes for a statement whose parsing it keeps.
    key = stats._meta.pk.column
    since = "> COALESCE(s.as_of, '-infinity')"
    pieces = Publication._meta.db_table
    links = dated_links_of(stats)
    if links is None:  # a series: a column of the piece
        counted = (
            f" LEFT JOIN {pieces} p ON p.series_id = {owner_id} AND p.published_at {since}"
            f" AND {published_sql('p')}"
        )
    else:
        counted = (
            f" LEFT JOIN {links} l ON l.{key} = {owner_id} AND l.published_at {since}"
            " AND l.published_at <= %(now)s"
            f" LEFT JOIN {pieces} p ON p.id = l.publication_id AND {published_sql('p')}"
        )
    return (
        "SELECT COALESCE(s.count, 0) + count(p.id) AS count,"
        " GREATEST(s.last_published_at, max(p.published_at)) AS latest"
        f" FROM (SELECT 1) one LEFT JOIN {stats._meta.db_table} s"
        f" ON s.{key} = {owner_id} AND s.as_of <= %(now)s"
        f"{counted}"
        f" GROUP BY s.{key}"  # its primary key: its row's other columns come with it
    )


def newest_publication_sql(stats: type[PublicationStats], *, owner_id: str) -> str:
    """SQL of the `published_at` of the newest published piece at %(now)s of the author, topic, series or
    outlet whose id is `owner_id` (by its `stats` model, as for publication_stats_sql), or of no row when it
    has none: its pieces walked down its date index to the first one published."""
    from publications.models import Publication

    pieces = Publication._meta.db_table
    links = dated_links_of(stats)
    if links is None:  # a series: a column of the piece
        return (
            f"SELECT p.published_at FROM {pieces} p WHERE p.series_id = {owner_id} AND {published_sql('p')}"
            " ORDER BY p.published_at DESC LIMIT 1"
        )
    return (
        f"SELECT p.published_at FROM {links} l JOIN {pieces} p ON p.id = l.publication_id"
        f" WHERE l.{stats._meta.pk.column} = {owner_id} AND l.published_at <= %(now)s"
        f" AND {published_sql('p')}"
        " ORDER BY l.published_at DESC LIMIT 1"
    )


def _stats_named(name: str) -> type[PublicationStats]:
    """The PublicationStats model called `name`."""
    from publications.models import PUBLICATION_STATS

    return next(stats for stats in PUBLICATION_STATS if stats.__name__ == name)


def _stats_of(owners: QuerySet) -> type[PublicationStats]:
    """The PublicationStats model of a queryset of authors, topics, series or outlets."""
    from publications.models import PUBLICATION_STATS

    for stats in PUBLICATION_STATS:
        if stats._meta.pk.related_model is owners.model:
            return stats
    raise TypeError(f"No publication stats for {owners.model.__name__}")


def dated_links_of(stats: type[PublicationStats]) -> str | None:
    """The table linking the owner of `stats` to its pieces with each piece's date, keyed by the same
    column as `stats` (an author's bylines, a topic's filings, an outlet's pieces); None for a series, whose
    pieces name it themselves."""
    links = _dated_link_model(stats)
    return None if links is None else links._meta.db_table


def _dated_link_model(stats: type[PublicationStats]) -> type[models.Model] | None:
    """The model of dated_links_of(`stats`)."""
    from publications.models import (
        AuthorPublicationStats,
        OutletPiece,
        OutletPublicationStats,
        PublicationAuthor,
        TopicFiling,
        TopicPublicationStats,
    )

    links = {
        AuthorPublicationStats: PublicationAuthor,
        TopicPublicationStats: TopicFiling,
        OutletPublicationStats: OutletPiece,
    }.get(stats)
    return links


class PublicationChangeQuerySet(models.QuerySet["PublicationChange"]):
    def effective(self, at: datetime | None = None) -> PublicationChangeQuerySet:
        """Changes already public: their effective time is not in the future."""
        return self.filter(effective_at__lte=at or timezone.now())

    def pending(self, at: datetime | None = None) -> PublicationChangeQuerySet:
        """Changes waiting for their time (scheduled go-lives); no reader has seen them."""
        return self.filter(effective_at__gt=at or timezone.now())

    def after(self, effective_at: datetime, pk: int) -> PublicationChangeQuerySet:
        """Changes that come after the cursor (effective_at, pk) in the change feed's order."""
        return self.filter(
            Q(effective_at__gt=effective_at) | Q(effective_at=effective_at, pk__gt=pk)
        ).order_by("effective_at", "pk")

    def current_states(self) -> PublicationChangeQuerySet:
        """Each publication's last change among these (by effective_at, id): its public state as OAI-PMH
        reports it, and when that state began."""
        later = self.filter(publication_id=OuterRef("publication_id")).filter(
            Q(effective_at__gt=OuterRef("effective_at"))
            | Q(effective_at=OuterRef("effective_at"), pk__gt=OuterRef("pk"))
        )
        return self.filter(~Exists(later))
