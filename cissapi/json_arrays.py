"""Related rows as a JSON array column, so a list page needs one query however many rows it has.

`prefetch_related` costs one query per relation; an `ARRAY(SELECT jsonb_build_object(...))` subquery folds
each relation into the main query instead, and psycopg hands back a list of dicts.
"""

from __future__ import annotations

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Expression, JSONField, Model, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import JSONObject


def json_array(outer: type[Model], queryset: QuerySet, /, **fields: str | Expression) -> RawSQL:
    """`queryset` (correlated with OuterRef to a row of `outer`) as an array of JSON objects with the fields.

    Optimization: compiled to SQL once, here. Django compiles an ORM expression anew for every query, about
    a millisecond for each such column (a list has two, a bio six), and this SQL never varies: it names the
    outer row as `"<outer table>"."id"`. Hence the one condition of use: the column must be selected by a
    query on `outer` itself, not by one nested into another query, where Django renames the outer table
    (`.values("pk")` and `pk__in=` subqueries drop the column, so they are fine).
    """
    array = ArraySubquery(queryset.values(json=JSONObject(**fields)).values("json"))
    query = outer._base_manager.all().query
    query.get_initial_alias()
    sql, params = query.get_compiler(DEFAULT_DB_ALIAS).compile(array.resolve_expression(query))
    return RawSQL(sql, tuple(params), output_field=ArrayField(JSONField()))
