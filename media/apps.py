from django.apps import AppConfig

from cissapi.api import invalidation


class MediaConfig(AppConfig):
    """The media library: images (with their renditions) that publications and authors use; the bottom
    layer beside taxonomy, so every app above may point at it."""

    name = "media"
    verbose_name = "Media library"

    def ready(self) -> None:
        from media import signals  # noqa: F401

        # A changed alt text or newly made renditions show in the API's cached answers. Not attributed (an
        # image shows in pieces and bios alike, with no key of its own): a change ends the generation.
        invalidation.connect(self, {})
