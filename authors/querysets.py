"""Read rules for author bios: what a bio page shows and how names are searched."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import models
from django.db.models import (
    OuterRef,
    Q,
)
from django.db.models.expressions import RawSQL

from cissapi.json_arrays import json_array
from cissapi.prepared import fetch_one
from cissapi.text import fold_accents
from media.image_json import image_json_sql

if TYPE_CHECKING:
    from django.db.models.options import Options

    from authors.models import Author  # noqa: F401  # named in a string: models.QuerySet["Author"]

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


# --- The bio Postgres builds --------------------------------------------------------------------------
class BioAddresses(NamedTuple):
    """What a bio Postgres builds (public_bio) needs to know of the response: its URLs on the client's host
    (each as what comes before and after the slug), the public site and the media files' prefix."""

    author_url: tuple[str, str]
    publications_url: tuple[str, str]
    topic_url: tuple[str, str]
    site_url: str
    media_url: str


class PublicBio:
    """A public author as public_bio reads them: what their bio's response says of them besides the bio
    (its validators read `updated_at` and `last_published_at`, its surrogate key the model's name and `pk`)
    and `bio_json`, the bio itself.

    Optimization (issue 16): not a model instance, whose building (field by field, with the model's init
    signals) cost a bio a tenth of its Python time for five values.
    """

    __slots__ = ("bio_json", "last_published_at", "pk", "slug", "updated_at")

    def __init__(
        self, *, pk: int, slug: str, updated_at: datetime, last_published_at: datetime | None, bio_json: str
    ) -> None:
        self.pk = pk
        self.slug = slug
        self.updated_at = updated_at
        self.last_published_at = last_published_at
        self.bio_json = bio_json

    @property
    def _meta(self) -> Options:
        """The Author model's options, as an instance's (surrogate keys name the model: `author-12`)."""
        from authors.models import Author

        return Author._meta


def public_bio(
    slug: str, *, addresses: BioAddresses, stats: str, stats_params: dict[str, Any]
) -> PublicBio | None:
    """The public author `slug` (as AuthorQuerySet.public) with `bio_json`, their whole bio as JSON text
    built by Postgres (authors.api.documents.author_detail's document, key for key), and the
    `last_published_at` of their published pieces; None when there is no such author.

    `stats` is SQL of one row (`count`, `latest`) of the published pieces of the author aliased `a`, with
    its `stats_params`: the publications app's to say (authors know nothing of publications).

    Optimization (issue 16): one statement, its SQL written once per process, prepared (planned once per
    connection) and its row read as it comes; building and compiling the ORM query of six JSON array columns
    and a count cost five times what Postgres takes to run it, and planning it three times more.
    """
    from authors.models import Author

    a = addresses
    params = {
        **stats_params,
        "slug": slug,
        "author_before": a.author_url[0],
        "author_after": a.author_url[1],
        "publications_before": a.publications_url[0],
        "publications_after": a.publications_url[1],
        "topic_before": a.topic_url[0],
        "topic_after": a.topic_url[1],
        "site": a.site_url,
        "media": a.media_url,
    }
    row = fetch_one(Author.objects.db, _bio_sql(stats), params)
    if row is None:
        return None
    pk, updated_at, last_published_at, document = row
    return PublicBio(
        pk=pk, slug=slug, updated_at=updated_at, last_published_at=last_published_at, bio_json=document
    )


@functools.cache
def _bio_sql(stats: str) -> str:
    """The bio statement for the publication `stats` SQL (see public_bio)."""
    from authors.models import Author, AuthorLink, Education, Position, Work

    interests = Author.interests.through._meta.db_table
    outlets = Author.outlets.through._meta.db_table
    topic = Author._meta.get_field("interests").related_model._meta.db_table
    outlet = Author._meta.get_field("outlets").related_model._meta.db_table
    # Key for key as author_item and author_detail write them (tests/authors/test_bio_json.py holds them
    # equal): empty optional strings as null, sections in the order with_bio() reads them.
    sql = f"""SELECT a.id, a.updated_at, stats.latest, json_build_object(
            'slug', a.slug, 'name', a.name, 'honorific', NULLIF(a.honorific, ''),
            'display_name', btrim(a.honorific || ' ' || a.name, E' \\t\\n\\r\\f'),
            'headline', NULLIF(a.headline, ''),
            'photo', {image_json_sql("a.photo_id")},
            'kind', a.kind, 'affiliation', a.affiliation,
            'url', %(author_before)s || a.slug || %(author_after)s,
            'public_url', %(site)s || '/authors/' || a.slug || '/',
            'publication_count', stats.count,
            'short_bio', NULLIF(a.short_bio, ''), 'bio', NULLIF(a.bio, ''),
            'positions', COALESCE((SELECT json_agg(json_build_object('title', x.title,
                'organization', NULLIF(x.organization, ''), 'start_year', x.start_year,
                'end_year', x.end_year, 'is_current', x.is_current) ORDER BY x.position, x.id)
                FROM {Position._meta.db_table} x WHERE x.author_id = a.id), '[]'),
            'education', COALESCE((SELECT json_agg(json_build_object('degree', x.degree,
                'field', NULLIF(x.field, ''), 'institution', x.institution, 'status', x.status,
                'year', x.year) ORDER BY x.position, x.id)
                FROM {Education._meta.db_table} x WHERE x.author_id = a.id), '[]'),
            'works', COALESCE((SELECT json_agg(json_build_object('kind', x.kind, 'title', x.title,
                'publisher', NULLIF(x.publisher, ''), 'year', x.year, 'isbn', NULLIF(x.isbn, ''),
                'url', NULLIF(x.url, '')) ORDER BY x.position, x.year DESC, x.id)
                FROM {Work._meta.db_table} x WHERE x.author_id = a.id), '[]'),
            'links', COALESCE((SELECT json_agg(json_build_object('kind', x.kind, 'url', x.url,
                'handle', NULLIF(x.handle, '')) ORDER BY x.position, x.id)
                FROM {AuthorLink._meta.db_table} x WHERE x.author_id = a.id), '[]'),
            'interests', COALESCE((SELECT json_agg(json_build_object('slug', t.slug, 'name', t.name,
                'url', %(topic_before)s || t.slug || %(topic_after)s,
                'public_url', %(site)s || '/topics/' || t.slug || '/') ORDER BY t.name)
                FROM {interests} x JOIN {topic} t ON t.id = x.topic_id WHERE x.author_id = a.id), '[]'),
            'outlets', COALESCE((SELECT json_agg(json_build_object('slug', o.slug, 'name', o.name,
                'domain', o.domain, 'homepage', NULLIF(o.homepage, '')) ORDER BY o.name)
                FROM {outlets} x JOIN {outlet} o ON o.id = x.outlet_id WHERE x.author_id = a.id), '[]'),
            'publications_url', %(publications_before)s || a.slug || %(publications_after)s
        )::text
        FROM {Author._meta.db_table} a LEFT JOIN LATERAL ({stats}) AS stats ON true
        -- AuthorQuerySet.public()
        WHERE a.slug = %(slug)s AND a.trashed_at IS NULL"""
    # Optimization (issue 16): without its indentation the statement stays under psycopg's limit for
    # caching a statement's parsing (4,096 bytes), so its placeholders are not parsed anew on every run. No
    # literal spans lines, so none loses its spaces.
    return "\n".join(line.strip() for line in sql.splitlines())
