"""Sitemaps for search engines: an index at /sitemap.xml over publications, authors and topics, and a
Google News sitemap at /sitemap-news.xml of the pieces published in the last two days.

Locations point at the public site (SITE_URL), not at this server. Authors are listed when they have
published work or are current staff (a staff bio page is worth indexing before the first piece); topics
when they have published work.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import wraps
from html import escape
from typing import Any, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Max, Q, QuerySet
from django.db.models.functions import Greatest
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import conditional_page, require_safe
from rest_framework.exceptions import Throttled

from authors.models import Author
from cissapi.api.exceptions import problem_response
from cissapi.api.http_caching import cache_public_response
from cissapi.api.throttling import AnonymousRateThrottle
from cissapi.text import xml_text
from publications.models import Publication
from publications.querysets import authors_with_publication_counts, with_last_published_at
from taxonomy.models import Topic

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
        # Optimization: rows of (slug, lastmod), not Publications: a page has 50,000 of them, and building
        # each model and reading both of its times cost a third of the page.
        return (
            Publication.objects.published()
            # Edits made while still scheduled predate the go-live. A published piece always has its time.
            .annotate(lastmod=Greatest("updated_at", "published_at"))
            .order_by("-published_at", "-id")
            .values_list("slug", "lastmod", named=True)  # type: ignore[misc]  # the plugin misses annotations
        )

    def location(self, row: Any) -> str:
        return Publication.path_of(row.slug)

    def lastmod(self, row: Any) -> dt.datetime:
        return row.lastmod

    def get_latest_lastmod(self) -> dt.datetime | None:
        latest = Publication.objects.published().aggregate(
            updated=Max("updated_at"), published=Max("published_at")
        )
        return max(filter(None, latest.values()), default=None)


class AuthorSitemap(PublicSiteSitemap):
    def items(self) -> QuerySet[Author]:
        return (
            authors_with_publication_counts(Author.objects.public())
            .filter(
                Q(publication_count__gt=0) | Q(kind=Author.Kind.STAFF, affiliation=Author.Affiliation.CURRENT)
            )
            .only("slug", "updated_at")
            .order_by("slug")
        )

    def lastmod(self, author: Author) -> dt.datetime:
        return max(filter(None, [author.updated_at, author.last_published_at]))

    def get_latest_lastmod(self) -> dt.datetime | None:
        return max((self.lastmod(author) for author in self.items()), default=None)


class TopicSitemap(PublicSiteSitemap):
    def items(self) -> QuerySet[Topic]:
        return with_last_published_at(Topic.objects.all()).only("slug", "updated_at").order_by("slug")

    def location(self, topic: Topic) -> str:
        return f"/topics/{topic.slug}/"

    def lastmod(self, topic: Topic) -> dt.datetime:
        # items() keeps only topics with a published piece.
        return max(topic.updated_at, cast(dt.datetime, topic.last_published_at))

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


def _throttled(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The API's anonymous throttle (per client address) on a plain Django view; a 429 problem past it."""

    @wraps(view)
    def throttled_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        throttle = AnonymousRateThrottle()
        # The anonymous throttle reads only the address and `user`, which a Django request has too.
        if throttle.allow_request(request, None):
            return view(request, *args, **kwargs)
        refusal = Throttled(throttle.wait())
        response = problem_response(request, refusal.status_code, str(refusal.detail))
        response["Retry-After"] = str(int(refusal.wait or 0))  # type: ignore[attr-defined]  # set by DRF
        return response

    return throttled_view


def _sitemap_query(request: HttpRequest, **kwargs: Any) -> str:
    # Django's sitemap views read `p` (the page) alone; _plain_page() lets only one spelling of it through.
    page = request.GET.get("p")
    return "" if page is None else f"p={page}"


# A page number as the index links it: plain digits, no leading zero.
PLAIN_PAGE = re.compile(r"[1-9][0-9]{0,8}")


def _plain_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A 404 problem for a page number spelt otherwise than PLAIN_PAGE (`01`, `+1`, `१`, which int() reads).

    Each spelling was served afresh and never cached, a whole page of up to 50,000 URLs (20 s at 100,000
    pieces before urlset_xml, over a second after) for anyone who varied it; crawlers only follow the
    index's links, which are plain.
    """

    @wraps(view)
    def plain_page_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        page = request.GET.get("p")
        if page is not None and not PLAIN_PAGE.fullmatch(page):
            return problem_response(request, 404, f"No page {page!r}: page numbers are plain digits (p=2).")
        return view(request, *args, **kwargs)

    return plain_page_view


def urlset_xml(urls: list[dict[str, Any]]) -> bytes | None:
    """The document Django's sitemap.xml template renders for `urls` (Sitemap.get_urls()), byte for byte; None
    when an entry has what only the template writes (a change frequency, a priority, alternates).

    Optimization: the template's loop, tags and date filter cost ~0.4 ms per URL, 20 s for a section's page
    of 50,000 at 100,000 pieces; cold (the first crawl after any edit) that was the dearest answer of the
    whole site. `{% spaceless %}` leaves each entry on one line.
    """
    # The template's date filter shows an aware time in the current time zone (timezone.localtime), read
    # once here rather than per URL.
    zone = timezone.get_current_timezone()
    entries = []
    for url in urls:
        if url["changefreq"] or url["priority"] or url["alternates"]:
            return None
        # Django's escape() is html.escape(), marked safe.
        entry = f"<url><loc>{escape(url['location'])}</loc>"
        if lastmod := url["lastmod"]:
            day = lastmod.astimezone(zone) if timezone.is_aware(lastmod) else lastmod
            entry += f"<lastmod>{day.year:04d}-{day.month:02d}-{day.day:02d}</lastmod>"
        entries.append(f"{entry}</url>")
    return (_URLSET_HEAD + "".join(entries) + _URLSET_TAIL).encode()


_URLSET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
)
_URLSET_TAIL = "\n</urlset>\n"


def section_sitemap(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    """Django's sitemap view (its pages, 404s and Last-Modified), its urlset written by urlset_xml()."""
    response = sitemap_views.sitemap(request, **kwargs)
    # Django's view always gives its template the urlset; the stubs allow a response without a context.
    content = urlset_xml(cast(dict[str, Any], response.context_data)["urlset"])
    if content is not None:
        # Setting the content marks a TemplateResponse rendered: the template is never run.
        response.content = content
    return response


def _cached(view):
    cached_view = cache_public_response(surrogate_keys=["sitemaps"], query=_sitemap_query)(view)
    return require_safe(
        _throttled(
            _plain_page(conditional_page(cache_control(public=True, max_age=SITEMAP_MAX_AGE)(cached_view)))
        )
    )


@require_safe
@cache_control(public=True, max_age=SITEMAP_MAX_AGE)
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Names the sitemaps, absolute on the host serving them, and keeps crawlers out of the admin and the
    JSON API (the pages live on SITE_URL). A frontend on another host references or proxies these (README)."""
    sitemaps = [reverse("sitemap-index"), reverse("sitemap-news")]
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /api/",
        "",
        *(f"Sitemap: {request.build_absolute_uri(url)}" for url in sitemaps),
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


# Included at the site root by cissapi.urls. Sections are classes so every request builds fresh
# instances (Django's views keep per-request state such as latest_lastmod on them).
urlpatterns = [
    path("robots.txt", robots_txt, name="robots-txt"),
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
        _cached(section_sitemap),
        {"sitemaps": SECTIONS},
        name="sitemap-section",
    ),
]
