"""The shapes of author bios in API v1 (never the private email): their OpenAPI schema only.

The documents themselves are produced by authors/api/documents.py (see cissapi.api.documents); a test
holds every produced document to these shapes.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiTypes
from rest_framework import serializers

from authors.models import Author, AuthorLink, Education, Work
from cissapi.api.documents import computed_field
from cissapi.api.serializers import BlankAsNullCharField
from media.api.serializers import ImageSerializer
from taxonomy.api.serializers import OutletSummarySerializer, TopicSummarySerializer


class PositionSerializer(serializers.Serializer):
    title = serializers.CharField()
    organization = BlankAsNullCharField()
    start_year = serializers.IntegerField(allow_null=True)
    end_year = serializers.IntegerField(allow_null=True)
    is_current = serializers.BooleanField()


class EducationSerializer(serializers.Serializer):
    degree = serializers.CharField()
    field = BlankAsNullCharField()
    institution = serializers.CharField()
    status = serializers.ChoiceField(choices=Education.Status.choices)
    year = serializers.IntegerField(allow_null=True)


class WorkSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Work.Kind.choices)
    title = serializers.CharField()
    publisher = BlankAsNullCharField()
    year = serializers.IntegerField(allow_null=True)
    isbn = BlankAsNullCharField()
    url = BlankAsNullCharField()


class LinkSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AuthorLink.Kind.choices)
    url = serializers.URLField()
    handle = BlankAsNullCharField()


class AuthorListSerializer(serializers.Serializer):
    """A lean list item."""

    slug = serializers.CharField()
    name = serializers.CharField()
    honorific = BlankAsNullCharField()
    display_name = serializers.CharField()
    headline = BlankAsNullCharField()
    photo = computed_field(ImageSerializer(allow_null=True))
    kind = serializers.ChoiceField(choices=Author.Kind.choices)
    affiliation = serializers.ChoiceField(choices=Author.Affiliation.choices)
    url = computed_field(OpenApiTypes.URI)
    public_url = serializers.URLField()
    publication_count = serializers.IntegerField()


class AuthorDetailSerializer(AuthorListSerializer):
    """The whole bio."""

    short_bio = BlankAsNullCharField()
    bio = BlankAsNullCharField()
    positions = PositionSerializer(many=True)
    education = EducationSerializer(many=True)
    works = WorkSerializer(many=True)
    links = LinkSerializer(many=True)
    interests = TopicSummarySerializer(many=True)
    outlets = OutletSummarySerializer(many=True)
    publications_url = computed_field(OpenApiTypes.URI)
