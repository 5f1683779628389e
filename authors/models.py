"""Author bios: people who write for the think tank (not login accounts) and what hangs off a bio."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from authors.querysets import AuthorQuerySet
from cissapi.revisions import RevisionRecords
from cissapi.text import PlainTextFields, fold_accents, sanitize_html

if TYPE_CHECKING:
    from datetime import datetime


class Author(PlainTextFields, models.Model):
    class Kind(models.TextChoices):
        STAFF = "staff", "Staff"
        FELLOW = "fellow", "Fellow"
        GUEST = "guest", "Guest contributor"

    class Affiliation(models.TextChoices):
        CURRENT = "current", "Current"
        ALUMNI = "alumni", "Alumni"

    honorific = models.CharField(max_length=40, blank=True, help_text='e.g. "Dr", "Mr", "Prof", "Amb (R)".')
    name = models.CharField(max_length=160)
    slug = models.SlugField(max_length=180, unique=True)
    sort_name = models.CharField(
        max_length=160, blank=True, help_text='For alphabetical lists, e.g. "Abbas, Syed Ali".'
    )
    headline = models.CharField(
        max_length=200, blank=True, help_text='Current headline role, e.g. "Director Research".'
    )
    short_bio = models.TextField(blank=True, help_text="Plain text, one or two sentences.")
    bio = models.TextField(blank=True, help_text="HTML; scripts, styles and event handlers are removed.")
    photo = models.ForeignKey(
        "media.Image", null=True, blank=True, on_delete=models.PROTECT, related_name="photo_of"
    )
    email = models.EmailField(blank=True, help_text="Private: for editors only, never public.")
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.STAFF)
    affiliation = models.CharField(max_length=20, choices=Affiliation, default=Affiliation.CURRENT)
    interests = models.ManyToManyField(
        "taxonomy.Topic", blank=True, related_name="interested_authors", verbose_name="areas of interest"
    )
    outlets = models.ManyToManyField(
        "taxonomy.Outlet", blank=True, related_name="authors", help_text="Outlets they have written for."
    )
    # Lower-case, accent-folded name for typo-tolerant search ("Ahmed" finds "Ahmad", "Perez" "Pérez").
    search_name = models.CharField(max_length=160, editable=False, default="")
    # In the trash when set: absent from the API, feeds, sitemaps and bylines until restored.
    trashed_at = models.DateTimeField(null=True, blank=True, editable=False)
    trashed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    single_line_fields = ("honorific", "name", "sort_name", "headline")
    multi_line_fields = ("short_bio",)

    objects = AuthorQuerySet.as_manager()
    # Revisions (authors.revisions): fields that follow from every save are never in the history.
    # The trash is a state of the row, not part of the bio: a restore never moves it.
    history = RevisionRecords(
        excluded_fields=["search_name", "created_at", "updated_at", "trashed_at", "trashed_by"]
    )

    if TYPE_CHECKING:
        # Never stored: the JSON array columns of AuthorQuerySet.with_bio(), the counts the publications
        # app adds (publications.querysets.authors_with_publication_counts), and what the pre_save receiver
        # keeps for a bare save (authors.signals).
        position_list: list[dict[str, Any]]
        education_list: list[dict[str, Any]]
        work_list: list[dict[str, Any]]
        link_list: list[dict[str, Any]]
        interest_list: list[dict[str, Any]]
        outlet_list: list[dict[str, Any]]
        bio_json: str  # the whole bio as Postgres builds it (authors.querysets.public_bio)
        publication_count: int
        last_published_at: datetime | None
        publication_total: int  # the admin's count of pieces in any state (authors.admin)
        _stored_before: dict[str, Any] | None

    class Meta:
        ordering = ["sort_name", "name"]
        indexes = [
            # Typo-tolerant name search (pg_trgm similarity and ILIKE).
            GinIndex(fields=["search_name"], opclasses=["gin_trgm_ops"], name="author_search_name_trgm_idx"),
            models.Index(fields=["kind", "affiliation"], name="author_kind_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs) -> None:
        self.clean_plain_text()  # before sort_name and search_name are derived from the name
        self.bio = sanitize_html(self.bio)
        if not self.sort_name:
            self.sort_name = self.name
        self.search_name = fold_accents(self.name).lower()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return f"/authors/{self.slug}/"

    @property
    def public_url(self) -> str:
        return self.public_url_of(self.slug)

    @staticmethod
    def public_url_of(slug: str) -> str:
        """The public page of the author with this slug, for bylines that are JSON rather than Authors.

        Optimization: building an Author just for its URL costs ~10 us; a feed has a hundred bylines.
        """
        return f"{settings.SITE_URL}/authors/{slug}/"

    @property
    def display_name(self) -> str:
        return f"{self.honorific} {self.name}".strip()


class AuthorLink(PlainTextFields, models.Model):
    class Kind(models.TextChoices):
        X = "x", "X (Twitter)"
        LINKEDIN = "linkedin", "LinkedIn"
        ORCID = "orcid", "ORCID"
        GOOGLE_SCHOLAR = "google_scholar", "Google Scholar"
        RESEARCHGATE = "researchgate", "ResearchGate"
        WEBSITE = "website", "Website"

    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=20, choices=Kind)
    url = models.URLField("URL", max_length=300)
    handle = models.CharField(max_length=100, blank=True, help_text='e.g. "@jafar_mobeen".')
    position = models.PositiveSmallIntegerField(default=0)

    single_line_fields = ("handle",)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "link"
        constraints = [
            models.UniqueConstraint(
                fields=["author", "url"],
                name="authorlink_unique_url",
                violation_error_message="This link is already on the bio.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.handle or self.url}"


class Position(PlainTextFields, models.Model):
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="positions")
    title = models.CharField(max_length=200)
    organization = models.CharField(max_length=200, blank=True)
    start_year = models.PositiveSmallIntegerField(null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(null=True, blank=True)
    is_current = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    single_line_fields = ("title", "organization")

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_year__isnull=True)
                | Q(start_year__isnull=True)
                | Q(end_year__gte=models.F("start_year")),
                name="position_years_in_order",
                violation_error_message="The end year cannot be before the start year.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title}, {self.organization}" if self.organization else self.title

    def clean(self) -> None:
        if self.is_current and self.end_year:
            raise ValidationError({"end_year": "A current position has no end year."})


class Education(PlainTextFields, models.Model):
    class Status(models.TextChoices):
        COMPLETED = "completed", "Completed"
        PURSUING = "pursuing", "Pursuing"

    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="education")
    degree = models.CharField(max_length=100, help_text='e.g. "Ph.D.", "M.Phil.".')
    field = models.CharField(max_length=200, blank=True)
    institution = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status, default=Status.COMPLETED)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    single_line_fields = ("degree", "field", "institution")

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "education"

    def __str__(self) -> str:
        return f"{self.degree} {self.field}, {self.institution}".replace(" ,", ",")


class Work(PlainTextFields, models.Model):
    """A book or outside work by the author (not a publication of ours)."""

    class Kind(models.TextChoices):
        BOOK = "book", "Book"
        EDITED_VOLUME = "edited_volume", "Edited volume"
        CHAPTER = "chapter", "Book chapter"
        ARTICLE = "article", "Article"
        REPORT = "report", "Report"

    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="works")
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.BOOK)
    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    isbn = models.CharField("ISBN", max_length=17, blank=True)
    url = models.URLField("URL", max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    single_line_fields = ("title", "publisher")

    class Meta:
        ordering = ["position", "-year", "id"]
        verbose_name = "book or outside work"
        verbose_name_plural = "books and outside works"

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.isbn:
            self.isbn = normalize_isbn(self.isbn)
            if not is_valid_isbn(self.isbn):
                raise ValidationError({"isbn": "Enter a valid ISBN-10 or ISBN-13."})


def normalize_isbn(value: str) -> str:
    """Digits (and a final X) only, as ISBNs are compared."""
    return "".join(ch for ch in value.upper() if ch.isdigit() or ch == "X")


def is_valid_isbn(value: str) -> bool:
    """Check the ISBN-10 or ISBN-13 check digit."""
    if len(value) == 13 and value.isdigit():
        total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(value))
        return total % 10 == 0
    if len(value) == 10 and value[:9].isdigit() and (value[9].isdigit() or value[9] == "X"):
        digits = [int(d) for d in value[:9]] + [10 if value[9] == "X" else int(value[9])]
        return sum((10 - i) * d for i, d in enumerate(digits)) % 11 == 0
    return False
