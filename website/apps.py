from django.apps import AppConfig


class WebsiteConfig(AppConfig):
    """The public reference site: server-rendered pages of the published catalogue, at /."""

    name = "website"
    verbose_name = "Public site"
