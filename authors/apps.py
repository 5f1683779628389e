from django.apps import AppConfig


class AuthorsConfig(AppConfig):
    name = "authors"

    def ready(self) -> None:
        from authors import signals  # noqa: F401
