"""`/api/v1/changes/`: the change feed partners replay to hold an exact copy of the public catalogue.

`?since=<cursor>` (from a previous `next_cursor`; omit to start from the beginning) and `?limit=` (default
100, at most 500). Each result names the item (`id`, `uuid`, `slug`), the `kind` of change, its `time`,
`old_slug` for slug changes, and for upserts (`published`, `updated`, `slug_changed`) the item's current
lean representation in `publication` — or null when the item is no longer public, in which case a later
`unpublished` or `deleted` result for it follows.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import path
from django.utils.decorators import method_decorator
from django.views.decorators.cache import cache_control
from django.views.decorators.http import conditional_page
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from publications.changelog import changes_page, decode_cursor, encode_cursor
from publications.feeds import problem
from publications.models import Publication, PublicationChange

DEFAULT_LIMIT = 100
MAX_LIMIT = 500


# Minimal lean item per API_CONTRACT.md, until the shared list serializer of the API lands on main.
class AuthorshipSerializer(serializers.Serializer):
    slug = serializers.CharField(source="author.slug")
    name = serializers.CharField(source="author.name")
    honorific = serializers.CharField(source="author.honorific")
    role = serializers.CharField()
    headline = serializers.CharField(source="author.headline")


class NamedSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class ImageSerializer(serializers.Serializer):
    url = serializers.URLField()
    caption = serializers.CharField(allow_null=True)
    credit = serializers.CharField(allow_null=True)
    alt = serializers.CharField(allow_null=True)


class LeanPublicationSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    public_url = serializers.CharField()
    subtitle = serializers.SerializerMethodField()
    reading_minutes = serializers.IntegerField()
    authors = AuthorshipSerializer(source="authorships", many=True)
    topics = NamedSerializer(many=True)
    series = NamedSerializer(allow_null=True)
    image = serializers.SerializerMethodField()

    class Meta:
        model = Publication
        fields = [
            "id",
            "uuid",
            "slug",
            "url",
            "public_url",
            "type",
            "title",
            "subtitle",
            "summary",
            "language",
            "published_at",
            "updated_at",
            "reading_minutes",
            "authors",
            "topics",
            "series",
            "image",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, publication: Publication) -> str:
        return self.context["request"].build_absolute_uri(f"/api/v1/publications/{publication.slug}/")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_subtitle(self, publication: Publication) -> str | None:
        return publication.subtitle or None

    @extend_schema_field(ImageSerializer(allow_null=True))
    def get_image(self, publication: Publication) -> dict | None:
        if not publication.image:
            return None
        return {
            "url": self.context["request"].build_absolute_uri(publication.image.url),
            "caption": publication.image_caption or None,
            "credit": publication.image_credit or None,
            "alt": publication.image_alt or None,
        }


class ChangeSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="publication_id")
    uuid = serializers.UUIDField(source="publication_uuid")
    time = serializers.DateTimeField(source="effective_at")
    old_slug = serializers.SerializerMethodField()
    publication = serializers.SerializerMethodField()

    class Meta:
        model = PublicationChange
        fields = ["kind", "time", "id", "uuid", "slug", "old_slug", "publication"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_old_slug(self, change: PublicationChange) -> str | None:
        return change.old_slug or None

    @extend_schema_field(LeanPublicationSerializer(allow_null=True))
    def get_publication(self, change: PublicationChange) -> dict | None:
        publication = self.context["publications"].get(change.publication_id) if change.is_upsert else None
        if publication is None:
            return None
        return LeanPublicationSerializer(publication, context=self.context).data


class ChangePageSerializer(serializers.Serializer):
    results = ChangeSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)
    has_more = serializers.BooleanField()


@method_decorator(conditional_page, name="dispatch")
@method_decorator(cache_control(public=True, max_age=settings.CHANGES_MAX_AGE), name="dispatch")
class ChangeFeedView(APIView):
    @extend_schema(
        operation_id="changes_list",
        summary="Changes to the public catalogue since a cursor",
        parameters=[
            OpenApiParameter("since", str, description="A next_cursor from an earlier page; omit to start."),
            OpenApiParameter("limit", int, description=f"Changes per page, 1 to {MAX_LIMIT}."),
        ],
        responses={200: ChangePageSerializer},
    )
    def get(self, request: Request) -> Response:
        since = request.query_params.get("since") or None
        try:
            position = decode_cursor(since) if since else None
        except ValueError:
            return problem(
                400,
                "Bad Request",
                "since is not a cursor this feed gave out.",
                errors={"since": ["Not a valid cursor; use a next_cursor from an earlier response."]},
            )
        raw_limit = request.query_params.get("limit", str(DEFAULT_LIMIT))
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
            return problem(
                400,
                "Bad Request",
                f"limit must be a whole number from 1 to {MAX_LIMIT}.",
                errors={"limit": [f"Must be a whole number from 1 to {MAX_LIMIT}."]},
            )
        page = changes_page(since=position, limit=int(raw_limit))
        context = {"request": request, "publications": page.publications}
        return Response(
            {
                "results": ChangeSerializer(page.changes, many=True, context=context).data,
                "next_cursor": encode_cursor(page.changes[-1]) if page.changes else since,
                "has_more": page.has_more,
            }
        )


urlpatterns = [path("", ChangeFeedView.as_view(), name="change-list")]
