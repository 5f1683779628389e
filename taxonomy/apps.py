from django.apps import AppConfig


class TaxonomyConfig(AppConfig):
    """Topics, series and outlets: the bottom of the catalogue, below authors and publications."""

    name = "taxonomy"

    def ready(self) -> None:
        from taxonomy import signals  # noqa: F401
