from django.apps import AppConfig


class ToolingConfig(AppConfig):
    """Generators of content for demos and benchmarks (`seed_demo`, `generate_corpus`); no models.

    It sits above every app (it writes authors, taxonomy and publications) and nothing imports it.
    """

    name = "tooling"
