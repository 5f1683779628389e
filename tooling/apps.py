from django.apps import AppConfig


class ToolingConfig(AppConfig):
    """Generators of content for demos and benchmarks (`seed_demo`, `generate_corpus`) and the WordPress
    import (`import_wordpress`), whose one model remembers what it imported (tooling.models).

    It sits above every app (it writes authors, taxonomy and publications) and nothing imports it.
    """

    name = "tooling"
