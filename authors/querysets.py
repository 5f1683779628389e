"""Read rules for author bios: what a bio page shows and how names are searched."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import models
from django.db.models import (
    OuterRef,
    Q,
)
from django.db.models.expressions import RawSQL

from cissapi.json_arrays import json_array
from cissapi.text import fold_accents

if TYPE_CHECKING:
    from authors.models import Author  # noqa: F401  (named as a string in AuthorQuerySet's base)

# Word similarity from which a name counts as a match for a misspelt query ("ahmed" finds "Ahmad").
NAME_SIMILARITY_THRESHOLD = 0.3


class AuthorQuerySet(models.QuerySet["Author"]):
    def public(self) -> AuthorQuerySet:
        """Authors the public may see: those not in the trash."""
        return self.filter(trashed_at__isnull=True)

    def trashed(self) -> AuthorQuerySet:
        """Authors in the trash."""
        return self.filter(trashed_at__isnull=False)

    def with_bio(self) -> AuthorQuerySet:
        """Everything a bio page shows, as JSON array columns of one query (see cissapi.json_arrays)."""
        return self.annotate(**_bio_columns())

    def search_names(self, text: str) -> AuthorQuerySet:
        """Authors whose name matches `text`, tolerating typos and accents, closest first."""
        folded = fold_accents(text).lower().strip()
        return (
            self.annotate(similarity=TrigramWordSimilarity(folded, "search_name"))
            # search_name is stored folded and lower-case, so a plain LIKE is the case-insensitive fallback,
            # and unlike UPPER(...) LIKE it can use the trigram index.
            .filter(Q(similarity__gte=NAME_SIMILARITY_THRESHOLD) | Q(search_name__contains=folded))
            .order_by("-similarity", "sort_name", "id")
        )


# Optimization: the bio's JSON array columns are built and compiled once per process (see json_array; Django
# copies an expression into each query that uses it, so one instance serves all).
@functools.cache
def _bio_columns() -> dict[str, RawSQL]:
    from authors.models import Author, AuthorLink, Education, Position, Work
    from taxonomy.models import Outlet, Topic

    mine = {"author": OuterRef("pk")}
    return {
        "position_list": json_array(
            Author,
            Position.objects.filter(**mine).order_by("position", "id"),
            title="title",
            organization="organization",
            start_year="start_year",
            end_year="end_year",
            is_current="is_current",
        ),
        "education_list": json_array(
            Author,
            Education.objects.filter(**mine).order_by("position", "id"),
            degree="degree",
            field="field",
            institution="institution",
            status="status",
            year="year",
        ),
        "work_list": json_array(
            Author,
            Work.objects.filter(**mine).order_by("position", "-year", "id"),
            kind="kind",
            title="title",
            publisher="publisher",
            year="year",
            isbn="isbn",
            url="url",
        ),
        "link_list": json_array(
            Author,
            AuthorLink.objects.filter(**mine).order_by("position", "id"),
            kind="kind",
            url="url",
            handle="handle",
        ),
        "interest_list": json_array(
            Author,
            Topic.objects.filter(interested_authors=OuterRef("pk")).order_by("name"),
            slug="slug",
            name="name",
        ),
        "outlet_list": json_array(
            Author,
            Outlet.objects.filter(authors=OuterRef("pk")).order_by("name"),
            slug="slug",
            name="name",
            domain="domain",
            homepage="homepage",
        ),
    }
