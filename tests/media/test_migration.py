"""The move into the media library: every stored lead image and author photo becomes a library image."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("publications", "0008_trash"), ("authors", "0005_trash")]
AFTER = [("publications", "0010_history_follows_media"), ("authors", "0007_history_follows_media")]


def migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def _back_to_the_latest_migrations():
    """Leave the database at every app's newest migration, as the rest of the suite expects."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_existing_image_fields_become_library_images():
    old = migrate(BEFORE)
    author = old.get_model("authors", "Author").objects.create(
        name="Amna Khan", honorific="Dr", slug="amna", photo="authors/photos/amna.jpg"
    )
    piece = old.get_model("publications", "Publication").objects.create(
        title="Launch",
        slug="launch",
        image="publications/images/2026/launch.jpg",
        image_caption="The launch",
        image_credit="ISPR",
        image_alt="A rocket lifting off",
    )
    bare = old.get_model("publications", "Publication").objects.create(title="Bare", slug="bare")

    new = migrate(AFTER)

    Publication, Author = new.get_model("publications", "Publication"), new.get_model("authors", "Author")
    image = Publication.objects.select_related("lead_image").get(pk=piece.pk).lead_image
    assert (image.file.name, image.alt, image.caption, image.credit) == (
        "publications/images/2026/launch.jpg",
        "A rocket lifting off",
        "The launch",
        "ISPR",
    )
    photo = Author.objects.select_related("photo").get(pk=author.pk).photo
    assert (photo.file.name, photo.alt) == ("authors/photos/amna.jpg", "Dr Amna Khan")
    assert Publication.objects.get(pk=bare.pk).lead_image_id is None
    assert new.get_model("media", "Image").objects.count() == 2
