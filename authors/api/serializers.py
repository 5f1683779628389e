"""Author bios for API v1. Never the private email. Nothing here queries (see AuthorQuerySet.with_bio)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from authors.models import Author, AuthorLink, Education, Work
from cissapi.api.serializers import BlankAsNullCharField, absolute_url
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
    photo = serializers.SerializerMethodField()
    kind = serializers.ChoiceField(choices=Author.Kind.choices)
    affiliation = serializers.ChoiceField(choices=Author.Affiliation.choices)
    url = serializers.SerializerMethodField()
    public_url = serializers.URLField()
    publication_count = serializers.IntegerField()

    def get_photo(self, author: Author) -> str | None:
        return absolute_url(self.context.get("request"), author.photo.url) if author.photo else None

    def get_url(self, author: Author) -> str:
        path = reverse("v1:author-detail", kwargs={"slug": author.slug})
        return absolute_url(self.context.get("request"), path)


class AuthorDetailSerializer(AuthorListSerializer):
    """The whole bio."""

    short_bio = BlankAsNullCharField()
    bio = BlankAsNullCharField()
    positions = PositionSerializer(source="position_list", many=True)
    education = EducationSerializer(source="education_list", many=True)
    works = WorkSerializer(source="work_list", many=True)
    links = LinkSerializer(source="link_list", many=True)
    interests = TopicSummarySerializer(source="interest_list", many=True)
    outlets = OutletSummarySerializer(source="outlet_list", many=True)
    publications_url = serializers.SerializerMethodField()

    def get_publications_url(self, author: Author) -> str:
        path = reverse("v1:author-publications", kwargs={"slug": author.slug})
        return absolute_url(self.context.get("request"), path)

    def to_representation(self, author: Author) -> dict[str, Any]:
        # Optimization: DRF's field-by-field machinery over the nested lists is a tenth of a bio request;
        # this builds the same document directly (as PublicationListSerializer does). The fields declared
        # above stay the schema, and the whole-document test holds both to the same output.
        return {
            "slug": author.slug,
            "name": author.name,
            "honorific": author.honorific or None,
            "display_name": author.display_name,
            "headline": author.headline or None,
            "photo": self.get_photo(author),
            "kind": author.kind,
            "affiliation": author.affiliation,
            "url": self.get_url(author),
            "public_url": author.public_url,
            "publication_count": author.publication_count,
            "short_bio": author.short_bio or None,
            "bio": author.bio or None,
            # Key by key: the arrays are jsonb, whose objects do not keep their keys' order.
            "positions": [
                {
                    "title": position["title"],
                    "organization": position["organization"] or None,
                    "start_year": position["start_year"],
                    "end_year": position["end_year"],
                    "is_current": position["is_current"],
                }
                for position in author.position_list
            ],
            "education": [
                {
                    "degree": entry["degree"],
                    "field": entry["field"] or None,
                    "institution": entry["institution"],
                    "status": entry["status"],
                    "year": entry["year"],
                }
                for entry in author.education_list
            ],
            "works": [
                {
                    "kind": work["kind"],
                    "title": work["title"],
                    "publisher": work["publisher"] or None,
                    "year": work["year"],
                    "isbn": work["isbn"] or None,
                    "url": work["url"] or None,
                }
                for work in author.work_list
            ],
            "links": [
                {"kind": link["kind"], "url": link["url"], "handle": link["handle"] or None}
                for link in author.link_list
            ],
            "interests": [{"slug": topic["slug"], "name": topic["name"]} for topic in author.interest_list],
            "outlets": [
                {
                    "slug": outlet["slug"],
                    "name": outlet["name"],
                    "domain": outlet["domain"],
                    "homepage": outlet["homepage"] or None,
                }
                for outlet in author.outlet_list
            ],
            "publications_url": self.get_publications_url(author),
        }
