"""301s from the addresses pieces had on the site they were imported from (LegacyPath, tooling.wordpress).

`?p=ID` and `?page_id=ID` are answered before any view: the public site at `/` would otherwise answer
them with its home page. Any other old path is answered only when the site found nothing there (a 404),
so an old address never shadows a new page. Only live pieces redirect: for a draft, a trashed or an
unknown piece the 404 stands, and nothing unpublished leaks, not even its new address.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect

from publications.models import Publication

# Where an old address is never looked up: these answer their own 404s, in their own format.
_OWN_PATHS = ("/api/", "/admin/", "/feeds/")
_ID_PARAMETERS = ("p", "page_id")
# Where `?p=` is not WordPress's: the sitemaps' pages (django.contrib.sitemaps), whose page 2 would otherwise
# be a 301 to the piece imported as post 2.
_OWN_PAGE_PATHS = (*_OWN_PATHS, "/sitemap")
_MAX_PATH = 500


class LegacyRedirectMiddleware:
    """Answers an imported piece's old address with a 301 to its public address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in {"GET", "HEAD"} and not request.path.startswith(_OWN_PAGE_PATHS):
            wp_id = next((request.GET[name] for name in _ID_PARAMETERS if name in request.GET), None)
            if wp_id is not None and wp_id.isdigit() and len(wp_id) < 19:
                redirect = _redirect(legacy_paths__wp_id=int(wp_id))
                if redirect is not None:
                    return redirect
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.method in {"GET", "HEAD"}
            and not request.path.startswith(_OWN_PATHS)
            and len(request.path) <= _MAX_PATH
            # No stored path holds a NUL (Postgres text cannot), and the lookup would fail on it.
            and "\x00" not in request.path
        ):
            path = request.path.rstrip("/")
            return _redirect(legacy_paths__path=path) or response
        return response


def _redirect(**lookup: object) -> HttpResponsePermanentRedirect | None:
    live = Publication.objects.published().filter(**lookup).only("slug").first()
    return HttpResponsePermanentRedirect(live.public_url) if live is not None else None
