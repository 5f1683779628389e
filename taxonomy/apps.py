from django.apps import AppConfig

from cissapi.api import invalidation


class TaxonomyConfig(AppConfig):
    """Topics, series and outlets: the bottom of the catalogue, below authors and publications."""

    name = "taxonomy"

    def ready(self) -> None:
        from taxonomy import signals  # noqa: F401

        # A renamed topic, series or outlet shows in the API's cached answers.
        invalidation.connect(self)
