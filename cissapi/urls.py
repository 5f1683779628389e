"""The composition root: the one place that imports the apps (with cissapi.v1, which only it imports)."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, reverse
from django.utils.functional import lazy
from django.views.static import serve
from drf_spectacular.views import SpectacularSwaggerView

from cissapi import v1 as api_v1
from cissapi.public_site import public_or_api
from cissapi.view_on_site import view_on_site

admin.site.site_header = "CISS publications"
admin.site.site_title = "CISS publications"
admin.site.index_title = "Catalogue"
# "View site": the public site when one answers at SITE_URL, else the API's index (see public_site.py).
# Lazy, because it resolves URLs, which cannot happen while this module is being imported.
admin.site.site_url = lazy(lambda: public_or_api(f"{settings.SITE_URL}/", reverse("v1:index")), str)()

urlpatterns = [
    # Before the admin's own: its "view on site" redirect, only for rows the person may see there
    # (cissapi/view_on_site.py).
    path("admin/r/<path:content_type_id>/<path:object_id>/", admin.site.admin_view(view_on_site)),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1.urlpatterns, "v1"), namespace="v1")),
    path(
        "api/docs/",
        # The stock page with its inline script and style marked by the CSP nonce.
        SpectacularSwaggerView.as_view(url_name="v1:schema", template_name="cissapi/swagger_ui.html"),
        name="api-docs",
    ),
    path("feeds/", include("publications.feeds")),
    path("oai/", include("oai.urls")),
    path("", include("publications.sitemaps")),
    # The public reference site (issue #15), last: the addresses every public_url names.
    path("", include("website.urls")),
]

# Unknown addresses and crashes under /api/ answer in problem+json, never an HTML page.
handler400 = "cissapi.api.errorpages.bad_request"
handler404 = "cissapi.api.errorpages.not_found"
handler500 = "cissapi.api.errorpages.server_error"

if settings.SERVE_MEDIA:
    # Uploads are served by the app only where no web server or object store does it (make run).
    urlpatterns += [
        path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})
    ]
