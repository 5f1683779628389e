from django.apps import AppConfig


class CissapiConfig(AppConfig):
    """Project-level pieces: management commands for running the service, shared API machinery."""

    name = "cissapi"
    verbose_name = "CISS API"
