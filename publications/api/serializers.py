"""The shapes of publication, topic, series, outlet documents in API v1: their OpenAPI schema only.

The documents themselves are produced by publications/api/documents.py (see cissapi.api.documents); a
test holds every produced document to these shapes.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiTypes
from rest_framework import serializers

from cissapi.api.documents import computed_field
from cissapi.api.serializers import BlankAsNullCharField, SparseFieldsMixin
from media.api.serializers import ImageSerializer
from publications.models import CrossPost, Publication, PublicationAuthor
from publications.search import SNIPPET_SCOPE
from taxonomy.api.serializers import OutletSummarySerializer, TopicSummarySerializer
from taxonomy.models import Series

# The API's own URL of a resource, computed by the producer.
API_URL = OpenApiTypes.URI
# An uploaded file's absolute URL, or null without one.
FILE_URL = {"type": ["string", "null"], "format": "uri"}


class BylineSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    honorific = BlankAsNullCharField()
    role = serializers.ChoiceField(choices=PublicationAuthor.Role.choices)
    headline = BlankAsNullCharField()
    url = computed_field(API_URL)
    public_url = serializers.URLField(help_text="The author's page on the public site.")
    photo = computed_field(ImageSerializer(allow_null=True))


class SeriesSummarySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


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
    url = computed_field(API_URL)
    public_url = serializers.URLField()
    image = computed_field(ImageSerializer(allow_null=True))


class CorrectionSerializer(serializers.Serializer):
    """A dated correction note, oldest first."""

    date = serializers.DateField()
    text = serializers.CharField()


class MetaTagSerializer(serializers.Serializer):
    """One <meta> tag of the piece's page: Highwire `citation_*`, Dublin Core `DC.*` and Twitter tags by
    `name`, OpenGraph's by `property`; exactly one of the two."""

    name = serializers.CharField(required=False)
    property = serializers.CharField(required=False)
    content = serializers.CharField()


class PublicationListSerializer(SparseFieldsMixin, serializers.Serializer):
    """A lean list item: no body."""

    id = serializers.IntegerField()
    uuid = serializers.UUIDField()
    slug = serializers.CharField()
    url = computed_field(API_URL)
    public_url = serializers.URLField()
    type = serializers.ChoiceField(choices=Publication.Type.choices)
    title = serializers.CharField()
    subtitle = BlankAsNullCharField()
    summary = BlankAsNullCharField()
    language = serializers.CharField()
    published_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    reading_minutes = serializers.IntegerField()
    authors = BylineSerializer(many=True)
    topics = TopicSummarySerializer(many=True)
    series = SeriesSummarySerializer(allow_null=True)
    image = computed_field(ImageSerializer(allow_null=True))
    # Only with ?q=: the matching passage, with matches in <mark> (HTML).
    snippet = serializers.CharField(
        required=False,
        help_text=f"Only with q: the best passage of summary and body (among their first {SNIPPET_SCOPE} "
        "characters, unless the match lies only further on), escaped HTML whose only markup is <mark> around "
        "the matches.",
    )


class PublicationDetailSerializer(PublicationListSerializer):
    """The whole piece: body, files, identifiers, cross-posts and related publications."""

    # Search results are lists; a detail has no passage to show. (DRF removes a field set to None; the
    # stubs know only fields.)
    snippet = None  # type: ignore[assignment]
    body = serializers.CharField()
    word_count = serializers.IntegerField()
    first_published_at = serializers.DateTimeField(allow_null=True)
    pdf = computed_field(FILE_URL)
    pdf_size = serializers.IntegerField(allow_null=True, help_text="The PDF's size in bytes.")
    pdf_pages = serializers.IntegerField(
        allow_null=True, help_text="The PDF's number of pages (null when it could not be read)."
    )
    doi = BlankAsNullCharField()
    report_number = BlankAsNullCharField()
    volume = BlankAsNullCharField()
    issue = BlankAsNullCharField()
    comments_enabled = serializers.BooleanField()
    canonical_url = computed_field(OpenApiTypes.URI)
    cross_posts = CrossPostSerializer(many=True)
    corrections = CorrectionSerializer(many=True)
    related = computed_field(RelatedPublicationSerializer(many=True))
    meta = computed_field(MetaTagSerializer(many=True))
    jsonld = computed_field(
        {
            "type": "object",
            "additionalProperties": True,
            "description": "The piece's schema.org JSON-LD document (Report, ScholarlyArticle, "
            "OpinionNewsArticle or Book), as its page embeds it.",
        }
    )


class WithdrawnPublicationSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    withdrawn_at = serializers.DateTimeField()


class WithdrawnProblemSerializer(serializers.Serializer):
    """The 410 Gone answer of a withdrawn piece: RFC 9457 problem details with the public notice."""

    type = serializers.CharField()
    title = serializers.CharField(help_text="The problem's title, \"Gone\"; the piece's is in `publication`.")
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField()
    notice = serializers.CharField(help_text="The public notice the publishers gave when withdrawing it.")
    publication = WithdrawnPublicationSerializer()


class CollectionSerializer(serializers.Serializer):
    """Common fields of topics, series and outlets: each with the count of its published pieces."""

    slug = serializers.CharField()
    name = serializers.CharField()
    url = computed_field(API_URL)
    publications_url = computed_field(API_URL)
    publication_count = serializers.IntegerField()


class TopicSerializer(CollectionSerializer):
    public_url = serializers.URLField(help_text="The topic's page on the public site.")
    description = BlankAsNullCharField()
    # DRF's metaclass moves declared fields into _declared_fields, so this never shadows Field.parent.
    parent = serializers.CharField(  # type: ignore[assignment]  # a declared field, not Field.parent
        allow_null=True,
        help_text="The slug of the broader topic this one is part of (null at the top). The broader topic "
        "may have no published piece of its own, and then is not listed.",
    )


class SeriesSerializer(CollectionSerializer):
    kind = serializers.ChoiceField(choices=Series.Kind.choices)
    description = BlankAsNullCharField()
    issn = BlankAsNullCharField()


class OutletSerializer(CollectionSerializer):
    domain = serializers.CharField()
    homepage = BlankAsNullCharField()
