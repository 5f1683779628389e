"""Publication, topic, series and outlet representations for API v1.

Nothing here queries: bylines, topics and cross-posts arrive as JSON arrays annotated by the queryset
(PublicationQuerySet.with_listing / with_detail), related pieces through the serializer context.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cissapi.api.serializers import BlankAsNullCharField, SparseFieldsMixin, absolute_url
from publications.models import CrossPost, Publication, PublicationAuthor
from taxonomy.api.serializers import OutletSummarySerializer, TopicSummarySerializer
from taxonomy.models import Series

# Stands for the slug while a publication's URL is built once per response (see PublicationListSerializer).
_SLUG_PLACEHOLDER = "slug-placeholder"


def _api_url(request: Any, name: str, slug: str) -> str:
    return absolute_url(request, reverse(f"v1:{name}", kwargs={"slug": slug}))


def _datetime(value: datetime | None) -> str | None:
    """What DRF's DateTimeField renders: ISO 8601 in the current time zone, "Z" for UTC."""
    if not value:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _byline(entries: list[dict]) -> list[dict]:
    return [
        {
            "slug": entry["slug"],
            "name": entry["name"],
            "honorific": entry["honorific"] or None,
            "role": entry["role"],
            "headline": entry["headline"] or None,
        }
        for entry in entries
    ]


class BylineSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    honorific = BlankAsNullCharField()
    role = serializers.ChoiceField(choices=PublicationAuthor.Role.choices)
    headline = BlankAsNullCharField()


class SeriesSummarySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class ImageSerializer(serializers.Serializer):
    url = serializers.URLField()
    caption = BlankAsNullCharField()
    credit = BlankAsNullCharField()
    alt = BlankAsNullCharField()


class CrossPostSerializer(serializers.Serializer):
    outlet = OutletSummarySerializer()
    url = serializers.URLField()
    relation = serializers.ChoiceField(choices=CrossPost.Relation.choices)
    published_on = serializers.DateField(allow_null=True)
    is_canonical = serializers.BooleanField()


class RelatedPublicationSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    type = serializers.ChoiceField(choices=Publication.Type.choices)
    published_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()

    def get_url(self, publication: Publication) -> str:
        return _api_url(self.context.get("request"), "publication-detail", publication.slug)


class PublicationListSerializer(SparseFieldsMixin, serializers.Serializer):
    """A lean list item: no body."""

    id = serializers.IntegerField()
    uuid = serializers.UUIDField()
    slug = serializers.CharField()
    url = serializers.SerializerMethodField()
    public_url = serializers.URLField()
    type = serializers.ChoiceField(choices=Publication.Type.choices)
    title = serializers.CharField()
    subtitle = BlankAsNullCharField()
    summary = BlankAsNullCharField()
    language = serializers.CharField()
    published_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    reading_minutes = serializers.IntegerField()
    authors = BylineSerializer(source="byline", many=True)
    topics = TopicSummarySerializer(source="topic_list", many=True)
    series = SeriesSummarySerializer(allow_null=True)
    image = serializers.SerializerMethodField()
    # Only with ?q=: the matching passage, with matches in <mark> (HTML).
    snippet = serializers.CharField(
        required=False,
        help_text="Only with q: the best passage of summary and body, escaped HTML whose only markup is "
        "<mark> around the matches.",
    )

    def get_url(self, publication: Publication) -> str:
        before, _, after = self._detail_url_around_slug
        return f"{before}{publication.slug}{after}"

    @cached_property
    def _detail_url_around_slug(self) -> tuple[str, str, str]:
        # Optimization: reverse() and build_absolute_uri() once per response, not once per item (a tenth of
        # a list's serializing time). The slug is the URL's last variable part, and slugs need no quoting.
        url = _api_url(self.context.get("request"), "publication-detail", _SLUG_PLACEHOLDER)
        return url.rpartition(_SLUG_PLACEHOLDER)

    def to_representation(self, publication: Publication) -> dict[str, Any]:
        # Optimization: DRF's field-by-field machinery costs about half a millisecond per item, most of a
        # list request's Python time; this builds the same document directly. The fields declared above
        # stay the schema, and the whole-document tests hold both to the same output.
        document = self.represent(publication)
        fields = self.fields
        return {name: value for name, value in document.items() if name in fields}

    def represent(self, publication: Publication) -> dict[str, Any]:
        """Every field of the item, as the declared fields would render them."""
        series = publication.series
        document = {
            "id": publication.id,
            "uuid": str(publication.uuid),
            "slug": publication.slug,
            "url": self.get_url(publication),
            "public_url": publication.public_url,
            "type": publication.type,
            "title": publication.title,
            "subtitle": publication.subtitle or None,
            "summary": publication.summary or None,
            "language": publication.language,
            "published_at": _datetime(publication.published_at),
            "updated_at": _datetime(publication.updated_at),
            "reading_minutes": publication.reading_minutes,
            "authors": _byline(publication.byline),
            "topics": [{"slug": topic["slug"], "name": topic["name"]} for topic in publication.topic_list],
            "series": {"slug": series.slug, "name": series.name} if series else None,
            "image": self.get_image(publication),
        }
        if hasattr(publication, "snippet"):
            document["snippet"] = publication.snippet
        return document

    @extend_schema_field(ImageSerializer(allow_null=True))
    def get_image(self, publication: Publication) -> dict | None:
        if not publication.image:
            return None
        return {
            "url": absolute_url(self.context.get("request"), publication.image.url),
            "caption": publication.image_caption or None,
            "credit": publication.image_credit or None,
            "alt": publication.image_alt or None,
        }


class PublicationDetailSerializer(PublicationListSerializer):
    """The whole piece: body, files, identifiers, cross-posts and related publications."""

    body = serializers.CharField()
    word_count = serializers.IntegerField()
    first_published_at = serializers.DateTimeField(allow_null=True)
    pdf = serializers.SerializerMethodField()
    doi = BlankAsNullCharField()
    report_number = BlankAsNullCharField()
    volume = BlankAsNullCharField()
    issue = BlankAsNullCharField()
    comments_enabled = serializers.BooleanField()
    canonical_url = serializers.SerializerMethodField()
    cross_posts = CrossPostSerializer(source="cross_post_list", many=True)
    related = serializers.SerializerMethodField()

    def get_pdf(self, publication: Publication) -> str | None:
        return absolute_url(self.context.get("request"), publication.pdf.url) if publication.pdf else None

    def get_canonical_url(self, publication: Publication) -> str:
        canonical = [post["url"] for post in publication.cross_post_list if post["is_canonical"]]
        return canonical[0] if canonical else publication.public_url

    def represent(self, publication: Publication) -> dict[str, Any]:
        request = self.context.get("request")
        return {
            **super().represent(publication),
            "body": publication.body,
            "word_count": publication.word_count,
            "first_published_at": _datetime(publication.first_published_at),
            "pdf": self.get_pdf(publication),
            "doi": publication.doi or None,
            "report_number": publication.report_number or None,
            "volume": publication.volume or None,
            "issue": publication.issue or None,
            "comments_enabled": publication.comments_enabled,
            "canonical_url": self.get_canonical_url(publication),
            "cross_posts": [
                {
                    "outlet": {
                        "slug": post["outlet"]["slug"],
                        "name": post["outlet"]["name"],
                        "domain": post["outlet"]["domain"],
                        "homepage": post["outlet"]["homepage"] or None,
                    },
                    "url": post["url"],
                    "relation": post["relation"],
                    "published_on": post["published_on"],
                    "is_canonical": post["is_canonical"],
                }
                for post in publication.cross_post_list
            ],
            "related": [
                {
                    "slug": item.slug,
                    "title": item.title,
                    "type": item.type,
                    "published_at": _datetime(item.published_at),
                    "url": _api_url(request, "publication-detail", item.slug),
                }
                for item in self.context.get("related", [])
            ],
        }

    @extend_schema_field(RelatedPublicationSerializer(many=True))
    def get_related(self, publication: Publication) -> list[dict]:
        return RelatedPublicationSerializer(
            self.context.get("related", []), many=True, context=self.context
        ).data


class CollectionSerializer(serializers.Serializer):
    """Common fields of topics, series and outlets: each with the count of its published pieces."""

    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.SerializerMethodField()
    publications_url = serializers.SerializerMethodField()
    publication_count = serializers.IntegerField()

    url_name = ""

    def get_url(self, instance: Any) -> str:
        return _api_url(self.context.get("request"), f"{self.url_name}-detail", instance.slug)

    def get_publications_url(self, instance: Any) -> str:
        return _api_url(self.context.get("request"), f"{self.url_name}-publications", instance.slug)


class TopicSerializer(CollectionSerializer):
    description = BlankAsNullCharField()
    url_name = "topic"


class SeriesSerializer(CollectionSerializer):
    kind = serializers.ChoiceField(choices=Series.Kind.choices)
    description = BlankAsNullCharField()
    issn = BlankAsNullCharField()
    url_name = "series"


class OutletSerializer(CollectionSerializer):
    domain = serializers.CharField()
    homepage = BlankAsNullCharField()
    url_name = "outlet"
