"""Read rules for author bios: what a bio page shows and how names are searched."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import models
from django.db.models import (
    Count,
    F,
    Func,
    JSONField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import JSONObject
from django.db.models.query import ModelIterable
from django.utils.dateparse import parse_datetime

from cissapi.json_arrays import json_array
from cissapi.text import fold_accents
from publications.querysets import published_q_via

if TYPE_CHECKING:
    from authors.models import Author

# Word similarity from which a name counts as a match for a misspelt query ("ahmed" finds "Ahmad").
NAME_SIMILARITY_THRESHOLD = 0.3


class AuthorQuerySet(models.QuerySet):
    def with_publication_count(self) -> AuthorQuerySet:
        """Annotate `publication_count` and `last_published_at` over published publications only."""
        live = published_q_via("authorships__publication")
        # Django leaves Meta.ordering out of GROUP BY queries, so the alphabetical order is restated.
        return self.annotate(
            publication_count=Count("authorships", filter=live),
            last_published_at=Max("authorships__publication__published_at", filter=live),
        ).order_by("sort_name", "name", "id")

    def with_bio(self) -> AuthorQuerySet:
        """Everything a bio page shows, as JSON array columns of one query (see cissapi.json_arrays), with
        `publication_count` and `last_published_at` over published publications only."""
        from publications.models import PublicationAuthor

        # Optimization: for one author, counting in a subquery beats with_publication_count's GROUP BY, which
        # sorts a copy of the whole bio row for each of a prolific author's thousands of pieces; and the
        # count and the newest date come from one pass over those pieces (a JSON object), not two
        # subqueries that each read them all. (Built per call: the published rule reads the clock.)
        live = PublicationAuthor.objects.filter(
            published_q_via("publication"), author=OuterRef("pk")
        ).order_by()
        stats = JSONObject(
            count=Func(Value(1), function="COUNT"),
            latest=Func(F("publication__published_at"), function="MAX"),
        )
        bios = self.annotate(
            publication_stats=Subquery(live.values(stats=stats), output_field=JSONField()),
            **_bio_columns(),
        )
        bios._iterable_class = _BioIterable
        return bios

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


class _BioIterable(ModelIterable):
    """Authors with `publication_stats` unpacked into the attributes with_publication_count() annotates."""

    def __iter__(self) -> Iterator[Author]:
        for author in super().__iter__():
            stats = author.__dict__.pop("publication_stats")
            author.publication_count = stats["count"]
            author.last_published_at = parse_datetime(stats["latest"]) if stats["latest"] else None
            yield author


# Optimization: the bio's JSON array columns are built and compiled once per process (see json_array; Django
# copies an expression into each query that uses it, so one instance serves all).
@functools.cache
def _bio_columns() -> dict[str, RawSQL]:
    from authors.models import Author, AuthorLink, Education, Position, Work
    from publications.models import Outlet, Topic

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
