"""Topics', series' and outlets' counts of published pieces as the readers say them and as the pieces do."""

import datetime as dt

from django.db.models import Max

from publications.models import Publication
from publications.querysets import with_publication_counts
from taxonomy.models import Outlet, Series, Topic


def live_numbers() -> dict[tuple[str, int], tuple[int, dt.datetime | None]]:
    """The reference: each topic's, series' and outlet's published pieces counted from the pieces, now."""
    numbers = {}
    published = Publication.objects.published()
    for kind, owners, link in (
        ("topic", Topic.objects.all(), "topics"),
        ("series", Series.objects.all(), "series"),
        ("outlet", Outlet.objects.all(), "cross_posts__outlet"),
    ):
        for owner in owners:
            pieces = published.filter(**{link: owner}).order_by().values("pk").distinct()
            found = Publication.objects.filter(pk__in=pieces).aggregate(latest=Max("published_at"))
            numbers[kind, owner.pk] = (pieces.count(), found["latest"])
    return numbers


def read_numbers() -> dict[tuple[str, int], tuple[int, dt.datetime | None]]:
    """What the readers say (the stored count and the pieces gone live since, or a live count)."""
    numbers = {}
    for kind, owners in (
        ("topic", with_publication_counts(Topic.objects.all())),
        ("series", with_publication_counts(Series.objects.all())),
        ("outlet", with_publication_counts(Outlet.objects.all())),
    ):
        for owner in owners:
            numbers[kind, owner.pk] = (owner.publication_count, owner.last_published_at)
    return numbers
