"""Related rows as a JSON array column, so a list page needs one query however many rows it has.

`prefetch_related` costs one query per relation; an `ARRAY(SELECT jsonb_build_object(...))` subquery folds
each relation into the main query instead, and psycopg hands back a list of dicts.
"""

from __future__ import annotations

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Expression, QuerySet
from django.db.models.functions import JSONObject


def json_array(queryset: QuerySet, **fields: str | Expression) -> ArraySubquery:
    """`queryset` (correlated with OuterRef) as an array of JSON objects with the given fields."""
    return ArraySubquery(queryset.values(json=JSONObject(**fields)).values("json"))
