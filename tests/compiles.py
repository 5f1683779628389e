"""Which statements Django compiles: for tests of code that compiles its SQL once per process."""

from contextlib import AbstractContextManager

from django.db.models.sql.compiler import SQLCompiler

from tests.calls import recorded_calls


def compiled_models() -> AbstractContextManager[list[str]]:
    """The model name of each statement Django's ORM compiles inside the block, in order."""
    return recorded_calls(
        SQLCompiler, "as_sql", lambda compiler, *args, **kwargs: compiler.query.model.__name__
    )
