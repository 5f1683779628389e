"""Publication, topic, series and outlet representations for API v1.

Nothing here queries: bylines, topics and cross-posts arrive as JSON arrays annotated by the queryset
(PublicationQuerySet.with_listing / with_detail), related pieces through the serializer context.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cissapi.api.serializers import BlankAsNullCharField, SparseFieldsMixin, absolute_url
from publications.models import CrossPost, Publication, PublicationAuthor, Series


def _api_url(request: Any, name: str, slug: str) -> str:
    return absolute_url(request, reverse(f"v1:{name}", kwargs={"slug": slug}))


class BylineSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    honorific = BlankAsNullCharField()
    role = serializers.ChoiceField(choices=PublicationAuthor.Role.choices)
    headline = BlankAsNullCharField()


class TopicSummarySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class SeriesSummarySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class OutletSummarySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    domain = serializers.CharField()
    homepage = BlankAsNullCharField()


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
    snippet = serializers.CharField(required=False)

    def get_url(self, publication: Publication) -> str:
        return _api_url(self.context.get("request"), "publication-detail", publication.slug)

    @extend_schema_field(ImageSerializer(allow_null=True))
    def get_image(self, publication: Publication) -> dict | None:
        if not publication.image:
            return None
        return ImageSerializer(
            {
                "url": absolute_url(self.context.get("request"), publication.image.url),
                "caption": publication.image_caption,
                "credit": publication.image_credit,
                "alt": publication.image_alt,
            }
        ).data


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
