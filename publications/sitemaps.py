"""Sitemaps for search engines: an index at /sitemap.xml over publications, authors and topics, and a
Google News sitemap at /sitemap-news.xml of the pieces published in the last two days.

Locations point at the public site (SITE_URL), not at this server. Authors are listed when they have
published work or are current staff (a staff bio page is worth indexing before the first piece); topics
when they have published work.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Count, Max, Q, QuerySet
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import conditional_page, require_safe

from authors.models import Author
from cissapi.text import xml_text
from publications.models import Publication, Topic
from publications.querysets import published_q_via

SITEMAP_MAX_AGE = 3600
NEWS_WINDOW = dt.timedelta(days=2)


class PublicSiteSitemap(Sitemap):
    """Builds locations on SITE_URL, where the pages live, whatever host serves the sitemap."""

    def get_protocol(self, protocol: str | None = None) -> str:
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None) -> str:
        parts = urlsplit(settings.SITE_URL)
        return f"{parts.netloc}{parts.path}"

    def get_urls(self, page=1, site=None, protocol=None) -> list[dict]:
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        for url in urls:
            # Whatever the database holds (text written around the models' save()), the XML stays well-formed.
            url["location"] = xml_text(url["location"])
        return urls


class PublicationSitemap(PublicSiteSitemap):
    def items(self) -> QuerySet[Publication]:
        return (
            Publication.objects.published()
            .only("slug", "published_at", "updated_at")
            .order_by("-published_at", "-id")
        )

    def lastmod(self, publication: Publication) -> dt.datetime:
        # Edits made while still scheduled predate the go-live.
        return max(publication.updated_at, publication.published_at)

    def get_latest_lastmod(self) -> dt.datetime | None:
        latest = self.items().aggregate(updated=Max("updated_at"), published=Max("published_at"))
        return max(filter(None, latest.values()), default=None)


class AuthorSitemap(PublicSiteSitemap):
    def items(self) -> QuerySet[Author]:
        return (
            Author.objects.annotate(
                published_count=Count("authorships", filter=published_q_via("authorships__publication")),
                latest_published=Max(
                    "authorships__publication__published_at",
                    filter=published_q_via("authorships__publication"),
                ),
            )
            .filter(
                Q(published_count__gt=0) | Q(kind=Author.Kind.STAFF, affiliation=Author.Affiliation.CURRENT)
            )
            .only("slug", "updated_at")
            .order_by("slug")
        )

    def lastmod(self, author: Author) -> dt.datetime:
        return max(filter(None, [author.updated_at, author.latest_published]))

    def get_latest_lastmod(self) -> dt.datetime | None:
        return max((self.lastmod(author) for author in self.items()), default=None)


class TopicSitemap(PublicSiteSitemap):
    def items(self) -> QuerySet[Topic]:
        return (
            Topic.objects.annotate(
                latest_published=Max("publications__published_at", filter=published_q_via("publications"))
            )
            .filter(latest_published__isnull=False)
            .only("slug", "updated_at")
            .order_by("slug")
        )

    def location(self, topic: Topic) -> str:
        return f"/topics/{topic.slug}/"

    def lastmod(self, topic: Topic) -> dt.datetime:
        return max(topic.updated_at, topic.latest_published)

    def get_latest_lastmod(self) -> dt.datetime | None:
        return max((self.lastmod(topic) for topic in self.items()), default=None)


class NewsSitemap(PublicSiteSitemap):
    """Google News: published pieces of the last two days (https://developers.google.com/search/docs/
    crawling-indexing/sitemaps/news-sitemap)."""

    limit = 1000  # Google News reads at most 1,000 URLs per news sitemap.

    def items(self) -> QuerySet[Publication]:
        now = timezone.now()
        return (
            Publication.objects.published(at=now)
            .filter(published_at__gte=now - NEWS_WINDOW)
            .only("slug", "title", "language", "published_at")
            .order_by("-published_at", "-id")
        )

    def get_urls(self, page=1, site=None, protocol=None) -> list[dict]:
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        for url in urls:
            # W3C datetime with a colon in the offset, which Django's date filter cannot write.
            url["publication_date"] = url["item"].published_at.replace(microsecond=0).isoformat()
            url["title"] = xml_text(url["item"].title)
        return urls


SECTIONS: dict[str, type[Sitemap]] = {
    "publications": PublicationSitemap,
    "authors": AuthorSitemap,
    "topics": TopicSitemap,
}


def _cached(view):
    return require_safe(conditional_page(cache_control(public=True, max_age=SITEMAP_MAX_AGE)(view)))


# Included at the site root by cissapi.urls. Sections are classes so every request builds fresh
# instances (Django's views keep per-request state such as latest_lastmod on them).
urlpatterns = [
    path(
        "sitemap.xml",
        _cached(sitemap_views.index),
        {"sitemaps": SECTIONS, "sitemap_url_name": "sitemap-section"},
        name="sitemap-index",
    ),
    # Before the section pattern, which would otherwise take "news" for a section name.
    path(
        "sitemap-news.xml",
        _cached(sitemap_views.sitemap),
        {"sitemaps": {"news": NewsSitemap}, "template_name": "sitemaps/news.xml"},
        name="sitemap-news",
    ),
    path(
        "sitemap-<section>.xml",
        _cached(sitemap_views.sitemap),
        {"sitemaps": SECTIONS},
        name="sitemap-section",
    ),
]
