"""API v1, part of the composition root (only cissapi.urls imports it): every resource registered once, URL
names like `v1:publication-list`, and the index of resources, feeds and sitemaps.

A breaking change gets a v2 module beside this one; v1 stays as it is.
"""

from __future__ import annotations

from typing import Any

from django.urls import path, reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from cissapi.api.feed_links import FEED_MEDIA_TYPES, feed_urls
from cissapi.api.http_caching import ConditionalGetMixin, answer_from_cache
from cissapi.api.schema import ApiSchemaView
from publications.api.authors import AuthorViewSet
from publications.api.changes import ChangeFeedView
from publications.api.export import ExportView
from publications.api.preview import PreviewView
from publications.api.views import OutletViewSet, PublicationViewSet, SeriesViewSet, TopicViewSet

router = SimpleRouter()
router.register("publications", PublicationViewSet, basename="publication")
router.register("authors", AuthorViewSet, basename="author")
router.register("topics", TopicViewSet, basename="topic")
router.register("series", SeriesViewSet, basename="series")
router.register("outlets", OutletViewSet, basename="outlet")


class FeedIndexSerializer(serializers.Serializer):
    """The site-wide feeds by format, and URI templates (RFC 6570) for the others."""

    rss = serializers.URLField()
    atom = serializers.URLField()
    json = serializers.URLField()
    author = serializers.CharField(help_text="URI template: {slug} and {format} (one of `formats`).")
    topic = serializers.CharField(help_text="URI template: {slug} and {format}.")
    series = serializers.CharField(help_text="URI template: {slug} and {format}.")
    type = serializers.CharField(help_text="URI template: {type} (a publication type) and {format}.")
    formats = serializers.ListField(child=serializers.CharField())


class SitemapIndexSerializer(serializers.Serializer):
    index = serializers.URLField()
    news = serializers.URLField()


class ApiIndexSerializer(serializers.Serializer):
    """The index's shape (its schema only; ApiIndexView builds it)."""

    publications = serializers.URLField()
    authors = serializers.URLField()
    topics = serializers.URLField()
    series = serializers.URLField()
    outlets = serializers.URLField()
    changes = serializers.URLField()
    export = serializers.URLField()
    feeds = FeedIndexSerializer()
    sitemaps = SitemapIndexSerializer()
    schema = serializers.URLField()
    docs = serializers.URLField()


def feed_index(request: Request) -> dict[str, Any]:
    """The feeds for the API index: the site-wide ones, then URI templates (RFC 6570) for the others."""

    def template(name: str, variable: str, **kwargs: str) -> str:
        (placeholder,) = kwargs.values()
        url = request.build_absolute_uri(reverse(f"feeds:{name}-rss", kwargs=kwargs))
        return url.replace(placeholder, "{" + variable + "}").removesuffix("rss/") + "{format}/"

    return {
        **feed_urls(request, "site"),
        "author": template("author", "slug", slug="__slug__"),
        "topic": template("topic", "slug", slug="__slug__"),
        "series": template("series", "slug", slug="__slug__"),
        "type": template("type", "type", publication_type="__type__"),
        "formats": list(FEED_MEDIA_TYPES),
    }


def sitemap_index(request: Request) -> dict[str, str]:
    """The sitemaps for the API index."""
    return {
        "index": request.build_absolute_uri(reverse("sitemap-index")),
        "news": request.build_absolute_uri(reverse("sitemap-news")),
    }


class ApiIndexView(ConditionalGetMixin, APIView):
    """Where each resource of API v1 lives, the change feed, the feeds and sitemaps, schema and docs."""

    @extend_schema(summary="The resources of API v1", responses={200: ApiIndexSerializer})
    @answer_from_cache
    def get(self, request: Request) -> Response:
        links: dict[str, Any] = {
            prefix: request.build_absolute_uri(reverse(f"v1:{basename}-list"))
            for prefix, _viewset, basename in router.registry
        }
        links["changes"] = request.build_absolute_uri(reverse("v1:change-list"))
        links["export"] = request.build_absolute_uri(reverse("v1:export"))
        links["feeds"] = feed_index(request)
        links["sitemaps"] = sitemap_index(request)
        links["schema"] = request.build_absolute_uri(reverse("v1:schema"))
        links["docs"] = request.build_absolute_uri(reverse("api-docs"))
        return Response(links)


urlpatterns = [
    path("", ApiIndexView.as_view(), name="index"),
    path("schema/", ApiSchemaView.as_view(api_version="v1"), name="schema"),
    path("changes/", ChangeFeedView.as_view(), name="change-list"),
    path("export/", ExportView.as_view(), name="export"),
    path("preview/<str:token>/", PreviewView.as_view(), name="preview"),
    *router.urls,
]
