"""The JSON documents of authors in API v1: one function each, their schema in authors/api/serializers.py.

Each is the only producer of its document (see cissapi.api.documents). Nothing here queries: bio
sections arrive as JSON arrays annotated by AuthorQuerySet.with_bio, counts of published pieces as
annotations made by the publications app (which the authors app cannot know). The API's bio is Postgres's
to build (authors.querysets.public_bio, with the response's bio_addresses()); author_detail makes the same
document for the site's author page, and tests/authors/test_bio_json.py holds the two equal byte for byte.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage

from authors.models import Author
from authors.querysets import BioAddresses
from cissapi.api.documents import ApiUrls
from cissapi.bounded import keep_bounded
from media.api.documents import image_document
from taxonomy.api.documents import topic_summary

# A bio's addresses per (origin, script prefix, URLconf, public site, media prefix): bounded, the oldest going
# first, as the origin is the client's Host header (within ALLOWED_HOSTS).
_addresses: dict[tuple[str, str, str | None, str, str], BioAddresses] = {}
MAX_ADDRESSES = 256


def bio_addresses(urls: ApiUrls) -> BioAddresses:
    """What the bio Postgres builds (authors.querysets.public_bio) needs to know of this response: its URLs
    on the client's host, the public site and the media files' prefix."""
    # The storage's URL of a file is this prefix and its (quoted) path.
    media = default_storage.url("")
    # Optimization (issue 16): the same for every bio a process serves on one origin (a few percent of a
    # bio's time to work out: three URL names, the media prefix made absolute).
    key = (*urls.scope(), settings.SITE_URL, media)
    addresses = _addresses.get(key)
    if addresses is None:
        addresses = BioAddresses(
            author_url=urls.around_slug("author-detail"),
            publications_url=urls.around_slug("author-publications"),
            topic_url=urls.around_slug("topic-detail"),
            site_url=settings.SITE_URL,
            media_url=urls.fixed(media),
        )
        keep_bounded(_addresses, key, addresses, MAX_ADDRESSES)
    return addresses


def author_item(author: Author, *, urls: ApiUrls) -> dict[str, Any]:
    """A lean list item (AuthorListSerializer)."""
    return {
        "slug": author.slug,
        "name": author.name,
        "honorific": author.honorific or None,
        "display_name": author.display_name,
        "headline": author.headline or None,
        "photo": image_document(author.photo, urls=urls),
        "kind": author.kind,
        "affiliation": author.affiliation,
        "url": urls.resource("author-detail", author.slug),
        "public_url": author.public_url,
        "publication_count": author.publication_count,
    }


def author_detail(author: Author, *, urls: ApiUrls) -> dict[str, Any]:
    """The whole bio (AuthorDetailSerializer): the list item's fields, then every bio section."""
    return {
        **author_item(author, urls=urls),
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
        "interests": [topic_summary(topic, urls=urls) for topic in author.interest_list],
        "outlets": [
            {
                "slug": outlet["slug"],
                "name": outlet["name"],
                "domain": outlet["domain"],
                "homepage": outlet["homepage"] or None,
            }
            for outlet in author.outlet_list
        ],
        "publications_url": urls.resource("author-publications", author.slug),
    }
