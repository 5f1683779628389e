from django.apps import AppConfig

from cissapi.api import invalidation


class TaxonomyConfig(AppConfig):
    """Topics, series and outlets: the bottom of the catalogue, below authors and publications."""

    name = "taxonomy"

    def ready(self) -> None:
        from taxonomy import signals  # noqa: F401
        from taxonomy.models import Outlet, Series, Topic

        # A topic's own page and the topics list; what a rename changes in the publications filed under it
        # is publications' to say (taxonomy_changed).
        invalidation.connect(
            self, {Topic: invalidation.own_keys, Series: invalidation.own_keys, Outlet: invalidation.own_keys}
        )
