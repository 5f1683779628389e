from django.apps import AppConfig


class CissapiConfig(AppConfig):
    """Project-level pieces: management commands for running the service, shared API machinery."""

    name = "cissapi"
    verbose_name = "CISS API"

    def ready(self) -> None:
        from cissapi import db_router, purge
        from cissapi.api.invalidation import surrogate_keys_changed

        surrogate_keys_changed.connect(purge.on_surrogate_keys_changed, dispatch_uid="cache-purge")
        # Before the apps' own receivers (INSTALLED_APPS lists cissapi first), so the replicas' floor is
        # recorded ahead of each change's after-commit invalidation.
        db_router.connect()
