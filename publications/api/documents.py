"""The JSON documents of publications, topics, series, outlets and changes in API v1: one function each.

Each is the only producer of its document (see cissapi.api.documents); the serializers in
publications/api/serializers.py are their schema. Nothing here queries: bylines, topics and cross-posts
arrive as JSON arrays annotated by the queryset (PublicationQuerySet.with_detail), counts as annotations
(with_publication_counts), related pieces as an argument. The list item is Postgres's to build
(PublicationQuerySet.as_items, with the response's item_addresses()).
"""

from __future__ import annotations

from typing import Any

import orjson
from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import get_script_prefix
from django.utils import timezone

from authors.models import Author
from cissapi.api.documents import ApiUrls, api_datetime
from media.api.documents import body_with_renditions, image_document, image_row_document
from publications.metadata import publication_jsonld, publication_meta
from publications.models import Publication, PublicationChange
from publications.querysets import ItemAddresses
from taxonomy.api.documents import topic_summary
from taxonomy.models import Outlet, Series, Topic

# item_addresses() by what they depend on; a few hosts and zones at most (ALLOWED_HOSTS), cleared when full.
_ADDRESSES: dict[tuple, ItemAddresses] = {}
_ADDRESSES_KEPT = 64


def item_addresses(urls: ApiUrls) -> ItemAddresses:
    """What the list items Postgres builds (PublicationQuerySet.as_items) need to know of this response:
    its URLs on the client's host, the public site, the media files' prefix and the time zone."""
    request = urls.request
    if request is None:
        return _item_addresses(urls)
    # Optimization: three reverse()s and four absolute URLs cost most of a millisecond on every list; they
    # depend only on the client's scheme and host, the URL prefix and conf, the settings and the time zone.
    key = (
        request.scheme,
        request.get_host(),
        get_script_prefix(),
        getattr(request, "urlconf", None),
        settings.SITE_URL,
        default_storage.url(""),
        timezone.get_current_timezone_name(),
    )
    addresses = _ADDRESSES.get(key)
    if addresses is None:
        if len(_ADDRESSES) >= _ADDRESSES_KEPT:
            _ADDRESSES.clear()
        addresses = _ADDRESSES[key] = _item_addresses(urls)
    return addresses


def _item_addresses(urls: ApiUrls) -> ItemAddresses:
    return ItemAddresses(
        publication_url=urls.around_slug("publication-detail"),
        author_url=urls.around_slug("author-detail"),
        topic_url=urls.around_slug("topic-detail"),
        site_url=settings.SITE_URL,
        # The storage's URL of a file is this prefix and its (quoted) path.
        media_url=urls.absolute(default_storage.url("")),
        time_zone=timezone.get_current_timezone_name(),
    )


def _detail_head(publication: Publication, *, urls: ApiUrls) -> dict[str, Any]:
    """The detail's first fields, those of a list item (PublicationListSerializer).

    Lists, the change feed and the site's list pages take the list item Postgres builds (ListItemJson in
    publications.querysets, its one producer); a detail makes these fields in Python from the row it read,
    since a preview shows an autosave's unsaved text in it. tests/publications/test_item_json.py holds the
    two to the same document.
    """
    series = publication.series
    return {
        "id": publication.id,
        "uuid": str(publication.uuid),
        "slug": publication.slug,
        "url": urls.resource("publication-detail", publication.slug),
        "public_url": publication.public_url,
        "type": publication.type,
        "title": publication.title,
        "subtitle": publication.subtitle or None,
        "summary": publication.summary or None,
        "language": publication.language,
        "published_at": api_datetime(publication.published_at),
        "updated_at": api_datetime(publication.updated_at),
        "reading_minutes": publication.reading_minutes,
        "authors": [
            {
                "slug": entry["slug"],
                "name": entry["name"],
                "honorific": entry["honorific"] or None,
                "role": entry["role"],
                "headline": entry["headline"] or None,
                "url": urls.resource("author-detail", entry["slug"]),
                "public_url": Author.public_url_of(entry["slug"]),
                "photo": image_row_document(entry["photo"], urls=urls),
            }
            for entry in publication.byline
        ],
        "topics": [topic_summary(topic, urls=urls) for topic in publication.topic_list],
        "series": {"slug": series.slug, "name": series.name} if series else None,
        "image": image_document(publication.lead_image, urls=urls),
    }


def publication_detail(
    publication: Publication, *, urls: ApiUrls, related: list[Publication]
) -> dict[str, Any]:
    """The whole piece (PublicationDetailSerializer): the list item's fields, then body, files,
    identifiers, cross-posts, the `related` pieces, and its page's metadata (`meta`, `jsonld`:
    publications.metadata), so every frontend emits the tags the public site does."""
    canonical = [post["url"] for post in publication.cross_post_list if post["is_canonical"]]
    return {
        **_detail_head(publication, urls=urls),
        "body": body_with_renditions(publication.body, publication.body_images, urls=urls),
        "word_count": publication.word_count,
        "first_published_at": api_datetime(publication.first_published_at),
        "pdf": urls.absolute(publication.pdf.url) if publication.pdf else None,
        "pdf_size": publication.pdf_size if publication.pdf else None,
        "pdf_pages": publication.pdf_pages if publication.pdf else None,
        "doi": publication.doi or None,
        "report_number": publication.report_number or None,
        "volume": publication.volume or None,
        "issue": publication.issue or None,
        "comments_enabled": publication.comments_enabled,
        "canonical_url": canonical[0] if canonical else publication.public_url,
        # Key by key: the arrays are jsonb, whose objects do not keep their keys' order.
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
        "corrections": [
            {"date": correction["date"], "text": correction["text"]}
            for correction in publication.correction_list
        ],
        "related": [
            {
                "slug": item.slug,
                "title": item.title,
                "type": item.type,
                "published_at": api_datetime(item.published_at),
                "url": urls.resource("publication-detail", item.slug),
                "public_url": item.public_url,
                "image": image_row_document(item.lead_image_row, urls=urls),
            }
            for item in related
        ],
        "meta": publication_meta(publication, urls=urls),
        "jsonld": publication_jsonld(publication, urls=urls),
    }


def withdrawn_problem(publication: Publication, *, instance: str) -> dict[str, Any]:
    """The 410 Gone answer for a withdrawn piece (WithdrawnProblemSerializer): problem details carrying the
    public notice, so a reader following an old link learns why the piece is gone. RFC 9457's `title` is the
    problem's ("Gone"), so the piece's own title goes in the `publication` extension member."""
    return {
        "type": "about:blank",
        "title": "Gone",
        "status": 410,
        "detail": "This publication was withdrawn.",
        "instance": instance,
        "notice": publication.withdrawal_notice,
        "publication": {
            "slug": publication.slug,
            "title": publication.title,
            "withdrawn_at": api_datetime(publication.withdrawn_at),
        },
    }


def _collection(collection: Topic | Series | Outlet, url_name: str, urls: ApiUrls) -> dict[str, Any]:
    """The fields topics, series and outlets share (CollectionSerializer)."""
    return {
        "slug": collection.slug,
        "name": collection.name,
        "url": urls.resource(f"{url_name}-detail", collection.slug),
        "publications_url": urls.resource(f"{url_name}-publications", collection.slug),
        "publication_count": collection.publication_count,
    }


def topic_document(topic: Topic, *, urls: ApiUrls) -> dict[str, Any]:
    """A topic with its count of published pieces (TopicSerializer), in lists and alone alike."""
    return {
        **_collection(topic, "topic", urls),
        "public_url": topic.public_url,
        "description": topic.description or None,
        # Loaded with the topic (TopicViewSet.get_queryset).
        "parent": topic.parent.slug if topic.parent is not None else None,
    }


def series_document(series: Series, *, urls: ApiUrls) -> dict[str, Any]:
    """A journal, series or newsletter with its count of published pieces (SeriesSerializer)."""
    return {
        **_collection(series, "series", urls),
        "kind": series.kind,
        "description": series.description or None,
        "issn": series.issn or None,
    }


def outlet_document(outlet: Outlet, *, urls: ApiUrls) -> dict[str, Any]:
    """An outside outlet with its count of published pieces cross-posted there (OutletSerializer)."""
    return {
        **_collection(outlet, "outlet", urls),
        "domain": outlet.domain,
        "homepage": outlet.homepage or None,
    }


def change_item(change: PublicationChange, *, publication: Publication | None) -> dict[str, Any]:
    """One result of the change feed (ChangeSerializer): for an upsert, `publication` is the item's
    current list item, or null when it is no longer public."""
    return {
        "kind": change.kind,
        "time": api_datetime(change.effective_at),
        "id": change.publication_id,
        "uuid": str(change.publication_uuid),
        "slug": change.slug,
        "old_slug": change.old_slug or None,
        "notice": change.notice if change.kind == PublicationChange.Kind.WITHDRAWN else None,
        # Its list item as Postgres built it (PublicationQuerySet.as_items), embedded as it is.
        "publication": orjson.Fragment(publication.item)
        if change.is_upsert and publication is not None
        else None,
    }
