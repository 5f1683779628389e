from django.apps import AppConfig


class PublicationsConfig(AppConfig):
    name = "publications"

    def ready(self) -> None:
        from publications import signals  # noqa: F401
