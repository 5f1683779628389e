from django.apps import AppConfig

from cissapi.api import invalidation


class AuthorsConfig(AppConfig):
    name = "authors"

    def ready(self) -> None:
        from authors import signals  # noqa: F401

        # A bio, a name or a link shows in the API's cached answers.
        invalidation.connect(self)
