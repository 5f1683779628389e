"""What the WordPress import remembers, so a second run updates instead of duplicating."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class ImportedObject(models.Model):
    """One object an import wrote, keyed on where it came from (`source`, `kind`, `wp_id`).

    `fingerprint` hashes the values the import last wrote: when the object's current values no longer
    hash to it, an editor changed it since, and a re-import leaves it alone (unless told to overwrite).
    """

    class Kind(models.TextChoices):
        PUBLICATION = "publication", "Publication"
        AUTHOR = "author", "Author"
        TOPIC = "topic", "Topic"
        IMAGE = "image", "Image"

    # The exported site's address (wp:base_site_url), so two sites' post 12 are two objects.
    source = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind)
    # A post id, a user's login or a term's slug, as the kind needs: WordPress keys them differently.
    wp_id = models.CharField("WordPress id", max_length=200)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    fingerprint = models.CharField(max_length=64)
    # What the export said of it last time (a piece's source values, hashed): an unchanged post is skipped.
    source_fingerprint = models.CharField(max_length=64, blank=True)
    imported_at = models.DateTimeField(auto_now=True)

    target = GenericForeignKey("content_type", "object_id")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "kind", "wp_id"], name="importedobject_unique_source")
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="importedobject_target_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.wp_id} from {self.source}"
