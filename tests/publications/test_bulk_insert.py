"""Many publications inserted at once (an import's bulk_create) are one short statement of one array per
column (UNNEST), whatever their number, rather than a placeholder per value."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from publications.models import Publication
from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db


def test_publications_are_bulk_inserted_as_arrays_and_read_back_whole():
    made = PublicationFactory.build_batch(3)
    for number, piece in enumerate(made):
        piece.slug = f"bulk-{number}"

    with CaptureQueriesContext(connection) as captured:
        Publication.objects.bulk_create(made)

    (insert,) = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("INSERT")]
    assert "UNNEST(" in insert
    assert '"search_vector"' in insert
    stored = Publication.objects.filter(slug__startswith="bulk-").order_by("slug")
    assert [(p.slug, p.title, p.search_vector) for p in stored] == [(p.slug, p.title, None) for p in made]
