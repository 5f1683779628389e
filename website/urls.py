"""The public site's pages, included at / by cissapi.urls after the admin, the API, feeds and sitemaps.

These are the addresses every `public_url` already names (Publication.get_absolute_url, Author's, the
topics' and series' in the feeds and sitemaps). URL names like "website:publication".
"""

from django.urls import path

from website import views

app_name = "website"
urlpatterns = [
    path("", views.home, name="home"),
    path("publications/", views.publication_list, name="publication-list"),
    path("publications/<slug:slug>/", views.publication, name="publication"),
    path("authors/", views.people, name="people"),
    path("authors/<slug:slug>/", views.author, name="author"),
    path("topics/", views.topics, name="topics"),
    path("topics/<slug:slug>/", views.topic, name="topic"),
    path("series/", views.series_index, name="series-index"),
    path("series/<slug:slug>/", views.series, name="series"),
    path("search/", views.search, name="search"),
]
