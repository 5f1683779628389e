"""Which statements Django compiles: for tests of code that compiles its SQL once per process."""

from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.db.models.sql.compiler import SQLCompiler


@contextmanager
def compiled_models() -> Iterator[list[str]]:
    """The model name of each statement Django's ORM compiles inside the block, in order."""
    compiled: list[str] = []
    as_sql = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        compiled.append(self.query.model.__name__)
        return as_sql(self, *args, **kwargs)

    with mock.patch.object(SQLCompiler, "as_sql", counting):
        yield compiled
