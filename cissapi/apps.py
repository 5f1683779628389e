from django.apps import AppConfig


class CissapiConfig(AppConfig):
    """Project-level pieces: management commands for running the service, shared API machinery."""

    name = "cissapi"
    verbose_name = "CISS API"

    def ready(self) -> None:
        from cissapi import purge
        from cissapi.api.invalidation import surrogate_keys_changed

        surrogate_keys_changed.connect(purge.on_surrogate_keys_changed, dispatch_uid="cache-purge")
