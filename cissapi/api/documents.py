"""What every JSON document producer shares: one function per document, its serializer the schema only.

Optimization: DRF's field-by-field machinery costs about half a millisecond per list item, most of a list
request's Python time. So each document of API v1 (`publications/api/documents.py`,
`authors/api/documents.py`) is built by one plain function from what the queryset annotated, and its
declared serializer is only its shape: drf-spectacular reads it for the schema, `?fields=` names are
checked against it, and nothing calls it to produce output. Tests (tests/api/test_documents_schema.py)
validate produced documents against the served schema, so the two cannot drift apart.
"""

from __future__ import annotations

import functools
from collections.abc import Container
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import orjson
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cissapi.api.serializers import FIELDS_PARAM, absolute_url
from cissapi.bounded import keep_bounded

if TYPE_CHECKING:
    from cissapi.api.viewsets import PublicReadOnlyViewSet

# What a producer returns: a document, or its JSON built by a query (embedded as it is).
Document = dict[str, Any] | orjson.Fragment

# Stands for the slug while a resource's URL is built once per response (see ApiUrls.resource).
_SLUG_PLACEHOLDER = "slug-placeholder"


def api_datetime(value: datetime | None) -> str | None:
    """What DRF's DateTimeField renders: ISO 8601 in the current time zone, "Z" for UTC."""
    if not value:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# Absolute URLs of the few fixed paths a process serves (a URL name's with the slug placeholder, the media
# prefix, a feed's), by the origin a request names ("http://host/") and the path; bounded, the oldest going
# first, as the origin is the client's Host header (within ALLOWED_HOSTS).
_fixed_urls: dict[tuple[str, str], str] = {}
MAX_FIXED_URLS = 1024
# Where a request keeps what the ApiUrls of its response share (see ApiUrls.__init__).
_SHARED_ATTRIBUTE = "api_urls"


class _RequestUrls:
    """What every ApiUrls of one request works out alike: the origin, the script prefix and URLconf, and
    what comes before and after the slug in each URL name's absolute URLs."""

    __slots__ = ("around_slug", "reversing", "root")

    def __init__(self) -> None:
        self.root: str | None = None
        self.reversing: tuple[str, str | None] | None = None
        self.around_slug: dict[str, tuple[str, str]] = {}


class ApiUrls:
    """Absolute URLs of one response, on the host the client used (paths alone without a request)."""

    def __init__(self, request: Any) -> None:
        self.request = request
        # Optimization (issue 16): a response makes several ApiUrls (its documents', a bio's addresses, its
        # feed links), each needing the origin (~8 microseconds to build) and the script prefix and URLconf
        # (context-local lookups); they are the request's, so its ApiUrls share them, worked out once per
        # request (as Django keeps the scheme and host that build_absolute_uri() reads).
        django_request = getattr(request, "_request", request)  # Django's, under a DRF request
        shared = getattr(django_request, _SHARED_ATTRIBUTE, None) if request is not None else None
        if shared is None:
            shared = _RequestUrls()
            if request is not None:
                setattr(django_request, _SHARED_ATTRIBUTE, shared)
        self._shared: _RequestUrls = shared

    def absolute(self, path: str) -> str:
        """`path` (a media file's, say) as an absolute URL."""
        return absolute_url(self.request, path)

    def fixed(self, path: str) -> str:
        """absolute(`path`) for a path from the site's root ("/...") that many responses share (a URL
        name's, the media prefix): worked out once per process and origin."""
        # Optimization (issue 16): build_absolute_uri() costs ~10 microseconds a call, four or more a bio. For
        # a path from the root it depends on nothing of the request but the origin (scheme and host, as
        # build_absolute_uri("/") spells them), so the two name the answer.
        if not path.startswith("/"):
            return self.absolute(path)  # a relative path is resolved against the request's own path
        shared = self._shared
        if shared.root is None:
            shared.root = self.absolute("/")
        key = (shared.root, path)
        url = _fixed_urls.get(key)
        if url is None:
            url = self.absolute(path)
            keep_bounded(_fixed_urls, key, url, MAX_FIXED_URLS)
        return url

    def scope(self) -> tuple[str, str, str | None]:
        """What every absolute URL of this response depends on besides its path: the origin (as
        build_absolute_uri("/") spells it), the script prefix and the URLconf; a key for what is worked out
        once per process from them."""
        shared = self._shared
        if shared.root is None:
            shared.root = self.absolute("/")
        if shared.reversing is None:
            shared.reversing = (get_script_prefix(), get_urlconf())
        return (shared.root, *shared.reversing)

    def resource(self, url_name: str, slug: str) -> str:
        """The absolute URL of v1's `url_name` (`publication-detail`, ...) for `slug`."""
        before, after = self.around_slug(url_name)
        return f"{before}{slug}{after}"

    def around_slug(self, url_name: str) -> tuple[str, str]:
        """What comes before and after the slug in the absolute URLs of v1's `url_name`."""
        # Optimization: reverse() and build_absolute_uri() once per URL name and response, not once per
        # item (a tenth of a list's producing time). The slug is the URL's last variable part, and slugs
        # need no quoting.
        shared = self._shared
        if url_name not in shared.around_slug:
            if shared.reversing is None:
                # Read once per request: each is a context-local lookup of a few microseconds.
                shared.reversing = (get_script_prefix(), get_urlconf())
            url = self.fixed(_placeholder_path(url_name, *shared.reversing))
            before, _, after = url.rpartition(_SLUG_PLACEHOLDER)
            shared.around_slug[url_name] = (before, after)
        return shared.around_slug[url_name]


# Optimization (issue 16): reverse() costs 30 microseconds or more, and a list item or a bio needs three URL
# names; the URLconf never changes while a process runs, so each name is reversed once per process (per
# script prefix and URLconf, which reverse() reads itself: part of the key).
@functools.lru_cache(maxsize=256)
def _placeholder_path(url_name: str, script_prefix: str, urlconf: str | None) -> str:
    """The path of v1's `url_name` with the slug placeholder for its slug."""
    return reverse(f"v1:{url_name}", kwargs={"slug": _SLUG_PLACEHOLDER}, urlconf=urlconf)


def computed_field(schema: Any) -> serializers.Field:
    """A read-only field whose value the producer computes (a URL, a nested document); `schema` is what
    the OpenAPI document says of it, as drf-spectacular's `extend_schema_field` takes it."""
    return extend_schema_field(schema)(type("ComputedField", (serializers.ReadOnlyField,), {}))()


class Produced:
    """Output a producer made, where the base viewset reads a serializer's `.data`."""

    def __init__(self, data: Any) -> None:
        self.data = data


if TYPE_CHECKING:
    # What the mixin is mixed into, for the type checker only.
    _ViewBase = PublicReadOnlyViewSet
else:
    _ViewBase = object


class ProducedDocumentsMixin(_ViewBase):
    """For viewsets whose documents a producer function makes (mix in before PublicReadOnlyViewSet).

    Override point: `produce(item, urls)` returns the document of `item` for the current action. The
    serializer class stays the documents' schema: drf-spectacular reads it, and `chosen_fields()` checks
    `?fields=` against it.
    """

    def produce(self, item: Any, urls: ApiUrls) -> Document:
        """The whole document of `item` for the current action, or its JSON as a Fragment with only the
        chosen_fields() (built so by the query)."""
        raise NotImplementedError

    def chosen_fields(self) -> set[str] | None:
        """The top-level fields `?fields=` chose (an unknown one is a 400); None for the whole document."""
        # Optimization: building the schema serializer (its nested ones, their fields deep-copied) costs
        # about a millisecond; it is built only when `?fields=` asks for a check, once per request.
        if not "".join(self.request.query_params.getlist(FIELDS_PARAM)).replace(",", "").strip():
            return None
        if not hasattr(self, "_chosen_fields"):
            # The declared schema serializers are DRF Serializers (with fields); the stubs know
            # BaseSerializer.
            shape = cast(serializers.Serializer, super().get_serializer())
            fields = set(shape.fields)
            # Whole documents are not trimmed to the schema, so a key the producer adds cannot hide from the
            # schema tests (nor cost a lookup per key).
            self._chosen_fields = None if fields == set(shape._declared_fields) else fields
        return self._chosen_fields

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if not args:
            # No instance: drf-spectacular asks for the schema.
            return super().get_serializer(*args, **kwargs)
        fields = self.chosen_fields()
        urls = ApiUrls(self.request)
        if kwargs.get("many"):
            return Produced([only(self.produce(item, urls), fields) for item in args[0]])
        return Produced(only(self.produce(args[0], urls), fields))


def only(document: Document, fields: Container[str] | None) -> Document:
    """`document` with only `fields` (all of them for None), in the document's order. A Fragment (JSON a
    query built with the chosen fields already) is left as it is."""
    if fields is None or isinstance(document, orjson.Fragment):
        return document
    return {name: value for name, value in document.items() if name in fields}
