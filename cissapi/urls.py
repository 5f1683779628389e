from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

admin.site.site_header = "CISS publications"
admin.site.site_title = "CISS publications"
admin.site.index_title = "Catalogue"

urlpatterns = [
    path("admin/", admin.site.urls),
    # The change feed (issue 6); its own module until it joins the v1 router of the API.
    path("api/v1/changes/", include("publications.api.changes")),
    path("feeds/", include("publications.feeds")),
    path("", include("publications.sitemaps")),
]

if settings.SERVE_MEDIA:
    # Uploads are served by the app only where no web server or object store does it (make run).
    urlpatterns += [
        path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})
    ]
