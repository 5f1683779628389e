"""What publications and authors are filed under: topics, series (journals, newsletters) and outside outlets.

The bottom layer of the catalogue: it knows nothing of publications or authors, which point at it. The
tables keep the names they had when these models lived in `publications` (see migrations/0001_initial.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models

from cissapi.text import PlainTextFields

if TYPE_CHECKING:
    from datetime import datetime


class Topic(PlainTextFields, models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=140, unique=True)
    description = models.TextField(blank=True)
    # The broader topic, as nested WordPress categories keep it (tooling.wordpress); None at the top.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    single_line_fields = ("name",)
    multi_line_fields = ("description",)

    if TYPE_CHECKING:
        # Never stored: the counts the publications app adds (publications.querysets), and what the
        # pre_save receiver keeps for a bare save (taxonomy.signals).
        publication_count: int
        last_published_at: datetime | None
        _stored_before: dict[str, Any] | None

    class Meta:
        db_table = "publications_topic"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def public_url(self) -> str:
        return self.public_url_of(self.slug)

    @staticmethod
    def public_url_of(slug: str) -> str:
        """The topic's page on the public site (SITE_URL), as authors' are at /authors/<slug>/: for topics
        that are JSON rather than Topics."""
        return f"{settings.SITE_URL}/topics/{slug}/"


class Series(PlainTextFields, models.Model):
    """A run of publications under one title, such as the journal "CISS Insight"."""

    class Kind(models.TextChoices):
        JOURNAL = "journal", "Journal"
        SERIES = "series", "Series"
        NEWSLETTER = "newsletter", "Newsletter"

    name = models.CharField(max_length=160, unique=True)
    slug = models.SlugField(max_length=180, unique=True)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.SERIES)
    description = models.TextField(blank=True)
    issn = models.CharField("ISSN", max_length=9, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    single_line_fields = ("name",)
    multi_line_fields = ("description",)

    if TYPE_CHECKING:
        # Never stored: the counts the publications app adds (publications.querysets), and what the
        # pre_save receiver keeps for a bare save (taxonomy.signals).
        publication_count: int
        last_published_at: datetime | None
        _stored_before: dict[str, Any] | None

    class Meta:
        db_table = "publications_series"
        ordering = ["name"]
        verbose_name_plural = "series"

    def __str__(self) -> str:
        return self.name


class Outlet(PlainTextFields, models.Model):
    """An external publication our work appears in, such as The National Interest or Strafasia."""

    name = models.CharField(max_length=160)
    slug = models.SlugField(max_length=180, unique=True)
    homepage = models.URLField(max_length=300, blank=True)
    domain = models.CharField(
        max_length=253, unique=True, help_text='Host name without "www.", e.g. "strafasia.com".'
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    single_line_fields = ("name",)

    if TYPE_CHECKING:
        # Never stored: the counts the publications app adds (publications.querysets), and what the
        # pre_save receiver keeps for a bare save (taxonomy.signals).
        publication_count: int
        last_published_at: datetime | None
        _stored_before: dict[str, Any] | None

    class Meta:
        db_table = "publications_outlet"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.domain = normalize_domain(self.domain)
        super().save(*args, **kwargs)


def normalize_domain(value: str) -> str:
    """Lower-case host name without scheme, path or a leading "www."."""
    value = value.strip().lower()
    for prefix in ("https://", "http://"):
        value = value.removeprefix(prefix)
    value = value.split("/", 1)[0]
    return value.removeprefix("www.")
