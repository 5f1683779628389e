"""Read rules for publications: the one definition of what the public may see."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import models
from django.db.models import Count, Exists, F, Func, IntegerField, Max, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce, Concat, JSONObject
from django.utils import timezone

from cissapi.json_arrays import json_array
from publications.search import SEARCH_CONFIG, search_query_text

if TYPE_CHECKING:
    from datetime import datetime

    from publications.models import Publication


class PublicationQuerySet(models.QuerySet):
    def published(self, at: datetime | None = None) -> PublicationQuerySet:
        """Publications visible to the public: status published and `published_at` not in the future."""
        # Python's clock, not the database's now(): a scheduled piece goes live by itself at its time,
        # and tests can move time forward without a job.
        return self.filter(published_q(at))

    def unpublished(self, at: datetime | None = None) -> PublicationQuerySet:
        """Drafts, items in review and items scheduled for later."""
        return self.exclude(published_q(at))

    def scheduled(self, at: datetime | None = None) -> PublicationQuerySet:
        """Publications set to go live at a future time."""
        return self.filter(status="published", published_at__gt=at or timezone.now())

    def with_related(self) -> PublicationQuerySet:
        """Everything a detail page shows, fetched in a fixed number of queries."""
        from publications.models import CrossPost, PublicationAuthor

        return self.select_related("series").prefetch_related(
            Prefetch(
                "authorships",
                queryset=PublicationAuthor.objects.select_related("author").order_by("position"),
            ),
            "topics",
            Prefetch("cross_posts", queryset=CrossPost.objects.select_related("outlet").order_by("id")),
        )

    def by_author(self, author_id: int) -> PublicationQuerySet:
        """Publications an author wrote in any role (co-authored pieces included)."""
        return self.filter(authorships__author_id=author_id)

    # --- The public API's reads -------------------------------------------------------------------------
    # Optimization: bylines, topics and cross-posts come back as JSON array columns of the main query
    # (see cissapi.json_arrays), so a list page is one query whatever its size or number of authors.

    def with_listing(self) -> PublicationQuerySet:
        """What a list item shows (byline in order, topics by name, series) in the main query itself."""
        from publications.models import PublicationAuthor, Topic

        byline = json_array(
            PublicationAuthor.objects.filter(publication=OuterRef("pk")).order_by("position"),
            id="author_id",
            slug="author__slug",
            name="author__name",
            honorific="author__honorific",
            headline="author__headline",
            role="role",
        )
        topic_list = json_array(
            Topic.objects.filter(publications=OuterRef("pk")).order_by("name"),
            id="id",
            slug="slug",
            name="name",
        )
        return self.select_related("series").annotate(byline=byline, topic_list=topic_list)

    def with_detail(self) -> PublicationQuerySet:
        """What a detail page shows: the listing plus cross-posts with their outlets."""
        from publications.models import CrossPost

        cross_post_list = json_array(
            CrossPost.objects.filter(publication=OuterRef("pk")).order_by("id"),
            outlet=JSONObject(
                slug="outlet__slug", name="outlet__name", domain="outlet__domain", homepage="outlet__homepage"
            ),
            url="url",
            relation="relation",
            published_on="published_on",
            is_canonical="is_canonical",
        )
        return self.with_listing().annotate(cross_post_list=cross_post_list)

    def by_author_slugs(self, slugs: list[str]) -> PublicationQuerySet:
        """Publications by any of the authors, in any byline role."""
        from publications.models import PublicationAuthor

        return self.filter(
            Exists(PublicationAuthor.objects.filter(publication=OuterRef("pk"), author__slug__in=slugs))
        )

    def in_topics(self, slugs: list[str], *, match_all: bool = False) -> PublicationQuerySet:
        """Publications in any (or, with `match_all`, every one) of the topics."""
        through = self.model.topics.through
        if match_all:
            queryset = self
            for slug in slugs:
                queryset = queryset.filter(
                    Exists(through.objects.filter(publication=OuterRef("pk"), topic__slug=slug))
                )
            return queryset
        return self.filter(Exists(through.objects.filter(publication=OuterRef("pk"), topic__slug__in=slugs)))

    def in_series(self, slugs: list[str]) -> PublicationQuerySet:
        """Publications in any of the series."""
        return self.filter(series__slug__in=slugs)

    def cross_posted_at(self, outlet_slugs: list[str]) -> PublicationQuerySet:
        """Publications that also appeared at any of the outlets."""
        from publications.models import CrossPost

        return self.filter(
            Exists(CrossPost.objects.filter(publication=OuterRef("pk"), outlet__slug__in=outlet_slugs))
        )

    def search(self, text: str) -> PublicationQuerySet:
        """Full-text matches for websearch syntax, best first, with a highlighted `snippet`."""
        query = SearchQuery(search_query_text(text), search_type="websearch", config=SEARCH_CONFIG)
        # ts_headline is costly; Postgres evaluates it after ORDER BY ... LIMIT, so only for the page.
        text = models.TextField()
        plain_body = Func(
            F("body"), Value("<[^>]+>"), Value(" "), Value("g"), function="regexp_replace", output_field=text
        )
        snippet = SearchHeadline(
            Concat(F("summary"), Value(" ", output_field=text), plain_body, output_field=text),
            query,
            config=SEARCH_CONFIG,
            start_sel="<mark>",
            stop_sel="</mark>",
            max_words=35,
            min_words=15,
        )
        return (
            self.filter(search_vector=query)
            .annotate(rank=SearchRank(F("search_vector"), query), snippet=snippet)
            .order_by("-rank", "-published_at", "-id")
        )

    def related_to(
        self, publication: Publication, *, topic_ids: list[int], author_ids: list[int], limit: int = 5
    ) -> PublicationQuerySet:
        """Up to `limit` other publications sharing topics or authors, most shared first, then newest."""
        from publications.models import PublicationAuthor

        through = self.model.topics.through
        shared_topics = through.objects.filter(publication=OuterRef("pk"), topic_id__in=topic_ids)
        shared_authors = PublicationAuthor.objects.filter(
            publication=OuterRef("pk"), author_id__in=author_ids
        )
        return (
            self.exclude(pk=publication.pk)
            .filter(Exists(shared_topics) | Exists(shared_authors))
            .annotate(shared=_count(shared_topics) + _count(shared_authors))
            .order_by("-shared", "-published_at", "-id")
            .only("id", "slug", "title", "type", "published_at")[:limit]
        )


class CatalogueQuerySet(models.QuerySet):
    """Topics and series: things publications belong to directly."""

    def with_publication_counts(self) -> CatalogueQuerySet:
        """Annotate `publication_count` and `last_published_at`, counting published publications only."""
        live = published_q_via("publications")
        # Django leaves Meta.ordering out of GROUP BY queries, so the order by name is restated.
        return self.annotate(
            publication_count=Count("publications", filter=live),
            last_published_at=Max("publications__published_at", filter=live),
        ).order_by("name", "id")


class OutletQuerySet(models.QuerySet):
    def with_publication_counts(self) -> OutletQuerySet:
        """Annotate `publication_count` and `last_published_at` of published pieces cross-posted here."""
        live = published_q_via("cross_posts__publication")
        # Django leaves Meta.ordering out of GROUP BY queries, so the order by name is restated.
        return self.annotate(
            publication_count=Count("cross_posts__publication", filter=live, distinct=True),
            last_published_at=Max("cross_posts__publication__published_at", filter=live),
        ).order_by("name", "id")


def _count(queryset: models.QuerySet) -> Coalesce:
    """The number of rows of a correlated subquery, as an integer expression."""
    counted = queryset.order_by().annotate(n=Func(Value(1), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def published_q(at: datetime | None = None) -> Q:
    """The published rule as a Q object, for filtering related querysets (counts, author pages)."""
    return Q(status="published", published_at__lte=at or timezone.now())


def published_q_via(prefix: str, at: datetime | None = None) -> Q:
    """The published rule seen through a relation, e.g. `published_q_via("publications")`."""
    return Q(**{f"{prefix}__status": "published", f"{prefix}__published_at__lte": at or timezone.now()})


class PublicationChangeQuerySet(models.QuerySet):
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
