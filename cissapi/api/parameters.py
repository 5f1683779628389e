"""The query parameters of API views: each view names those it reads, and anything else is refused.

Checked after authentication and throttling but before any work or response-cache lookup, so a typo
(`?topics=` for `?topic=`) is a 400 naming it rather than an unfiltered list, and the response cache keys
on the canonical query (known parameters, sorted by name): reordering or adding parameters cannot make a
new entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import QueryDict
from rest_framework.exceptions import ValidationError

FORMAT_PARAM = "format"


@dataclass(frozen=True)
class Parameter:
    """How a view reads one query parameter."""

    # Given more than once (`?author=a&author=b`); any other parameter given twice is a 400.
    repeatable: bool = False
    # Any Unicode (search words, language codes, opaque cursors). Every other value must be ASCII: int() and
    # Django's date parsing read non-ASCII digits (`page=१`), which would make the same request spelt
    # another way.
    free_text: bool = False


def check_query_parameters(query: QueryDict, accepted: dict[str, Parameter]) -> None:
    """Refuse unknown, repeated and non-ASCII parameters with a ValidationError naming each."""
    errors: dict[str, str] = {}
    for name, values in query.lists():
        parameter = accepted.get(name)
        if parameter is None:
            errors[name] = f"Unknown query parameter. This endpoint accepts: {', '.join(sorted(accepted))}."
        elif len(values) > 1 and not parameter.repeatable:
            errors[name] = "Give this parameter once."
        elif not parameter.free_text and not all(value.isascii() for value in values):
            errors[name] = "Use ASCII characters only (digits 0-9)."
        elif any("\x00" in value for value in values):
            # Refused on every parameter, whether or not this request reads it (a cursor in page mode), as
            # the schema says: no value holds one, and Postgres text cannot.
            errors[name] = "Null characters are not allowed."  # Django's own wording (forms)
    if errors:
        raise ValidationError(errors)


def canonical_query(query: QueryDict, accepted: dict[str, Parameter] | None = None) -> str:
    """The query string with only `accepted` parameters (all when None), sorted by name; the values of a
    repeated parameter keep their order, as the response's links (next, previous) keep it."""
    return urlencode(
        [
            (name, value)
            for name in sorted(query)
            if accepted is None or name in accepted
            for value in query.getlist(name)
        ]
    )
