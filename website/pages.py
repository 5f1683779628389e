"""What every page of the public site shares: its query parameters, paging, and HTTP caching like the API's.

Pages are cached as feeds are (cissapi.api.http_caching): the whole 200 answer in the shared cache per
catalogue generation, keyed on the parameters the page reads; a strong ETag and 304s; Cache-Control from
API_CACHE_*; Last-Modified from what the page shows; `Surrogate-Key`/`Cache-Tag` naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.template.response import TemplateResponse
from django.utils.http import http_date, parse_http_date_safe
from django.views.decorators.http import require_safe

from cissapi.api.http_caching import ResponseMeta, cache_public_response, finalize, surrogate_headers
from cissapi.prepared import server_binding
from publications.querysets import PageSummary

# Pages are the same for every client: no cookies are read, no credentials honoured.
PAGE_VARY = ("Accept-Encoding",)
# A page number past this is refused before any query: nobody reads 20,000 pieces by paging.
MAX_PAGE = 1000
MAX_QUERY_LENGTH = 200


class BadParameter(Exception):
    """A query parameter a page cannot read; the page answers 400 naming it."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


def single(request: HttpRequest, name: str) -> str:
    """The one value of parameter `name` ("" when absent); given twice is a BadParameter."""
    values = request.GET.getlist(name)
    if len(values) > 1:
        raise BadParameter(name, "give this parameter once.")
    value = values[0] if values else ""
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise BadParameter(name, "control characters are not allowed.")
    return value


def choice(request: HttpRequest, name: str, choices: list[str]) -> str:
    """The one value of parameter `name` ("" when absent), which must be one of `choices`."""
    value = single(request, name)
    if value and value not in choices:
        raise BadParameter(name, f"one of {', '.join(choices)}.")
    return value


def page_number(request: HttpRequest) -> int:
    """`?page=` as a number from 1 to MAX_PAGE (1 when absent)."""
    raw = single(request, "page")
    if not raw:
        return 1
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise BadParameter("page", f"a page number from 1 to {MAX_PAGE}.")
    return int(raw)


@dataclass
class Paging:
    """One page of a list: its rows, its number and how many there are (at least, when not `exact`)."""

    rows: list[Any]
    number: int
    count: int
    size: int
    # False past settings.API_EXACT_COUNT_LIMIT, as in the API: `count` is then the bound.
    exact: bool = True
    # A search's: how many of its matches page numbers reach (as in the API), else None.
    bound: int | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        if self.bound is not None and self.number * self.size >= self.bound:
            return False
        if not self.exact:
            return len(self.rows) == self.size
        return self.number < self.pages


def paged(publications: Any, number: int, *, summarize: Callable[[Any], PageSummary]) -> Paging | None:
    """Page `number` of a PublicationQuerySet (the page sliced by id first), or None when there is no such
    page (past the last; page 1 of an empty list exists). `summarize(publications)`: their page_summary(),
    kept (kept_summary) or stored (stored_summary), asked only for a page its count may reach."""
    size = settings.API_PAGE_SIZE
    limit = settings.API_EXACT_COUNT_LIMIT
    offset = (number - 1) * size
    # A search's pages reach as far as its count does (as the API's: PublicationPagination.page_rows).
    bound = limit if publications.searches() else None
    if bound is not None and offset >= bound:
        return None
    # As the API's lists: their statements bound on the server, prepared and planned once per connection
    # (cissapi.prepared; planning a list's statement cost more than running it).
    with server_binding(publications.db):
        count, exact, window = summarize(publications)
        if exact and number > 1 and offset >= count:
            return None
        rows = publications.page(offset, size, window=window) if count else []
    if not rows and number > 1:
        return None
    return Paging(rows=rows, number=number, count=count, size=size, exact=exact, bound=bound)


def stored_summary(count: int) -> Callable[[Any], PageSummary]:
    """paged()'s `summarize` for a list whose count is stored (a topic's or series'), as page_summary()
    would say it: the bound past the bound (a topic or series is never a search)."""
    limit = settings.API_EXACT_COUNT_LIMIT
    return lambda publications: (min(count, limit), count <= limit, None)


def site_context() -> dict[str, Any]:
    """What every page's frame prints: the site's and the publisher's names, the site's address."""
    return {
        "site_name": settings.SITE_NAME,
        "publisher_name": settings.PUBLISHER_NAME,
        "site_url": settings.SITE_URL,
    }


def page_response(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    keys: Iterable[str],
    modified: Iterable[datetime | None],
    status: int = 200,
) -> HttpResponse:
    """A rendered page carrying Last-Modified (the newest of `modified`) and the surrogate keys of what it
    shows."""
    response = TemplateResponse(request, template, {**site_context(), **context}, status=status)
    response.render()
    meta = ResponseMeta()
    meta.note_last_modified(modified)
    if meta.last_modified is not None:
        response.headers["Last-Modified"] = http_date(meta.last_modified.timestamp())
    for name, value in surrogate_headers(keys).items():
        response.headers[name] = value
    return response


def error_page(request: HttpRequest, template: str, status: int, **context: Any) -> HttpResponse:
    """A 400 or 404 page of the site, never stored (finalize marks errors no-store)."""
    response = TemplateResponse(request, template, {**site_context(), **context}, status=status).render()
    return finalize(request, response, ResponseMeta(surrogate_keys=None), vary=PAGE_VARY)


def _cache_query(request: HttpRequest, *, params: dict[str, Any], **kwargs: Any) -> str:
    # Only the parameters the page read, in one spelling: utm_* and the like never split the cache.
    return urlencode(sorted((name, str(value)) for name, value in params.items()))


def public_page(
    read_parameters: Callable[[HttpRequest], dict[str, Any]] = lambda request: {},
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponseBase]]:
    """Decorator for a page view: GET and HEAD only; `read_parameters(request)` checks the query (a
    BadParameter is a 400 page naming it) and gives the view its values as `params` (which also key its
    answer in the shared cache); then the API's validators, lifetimes and surrogate keys."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponseBase]:
        cached = cache_public_response(surrogate_keys=["pages"], query=_cache_query)(view)

        @require_safe
        @wraps(view)
        def page(request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
            try:
                params = read_parameters(request)
            except BadParameter as error:
                return error_page(request, "website/bad_request.html", 400, error=error)
            try:
                response = cached(request, params=params, **kwargs)
            except Http404:
                # The site's own page, and no-store: a piece not yet live may be live in a minute.
                return error_page(request, "website/not_found.html", 404)
            modified = parse_http_date_safe(response.headers.get("Last-Modified", ""))
            meta = ResponseMeta(
                last_modified=datetime.fromtimestamp(modified, tz=UTC) if modified is not None else None,
                surrogate_keys=None,
            )
            return finalize(request, response, meta, vary=PAGE_VARY)

        return page

    return decorator
