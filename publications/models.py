"""The catalogue: publications, their bylines, and their life on other outlets (topics, series and outlets
are in taxonomy)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Deferrable, Q
from django.utils import timezone

from cissapi.revisions import RevisionRecords
from cissapi.text import PlainTextFields, html_to_text, reading_minutes, sanitize_html, word_count
from cissapi.uploads import unguessable_path
from publications.choices import PublicationStatus, PublicationType
from publications.querysets import PublicationChangeQuerySet, PublicationQuerySet, is_live_at
from publications.validators import validate_doi, validate_language
from taxonomy.models import Outlet, Series, Topic

if TYPE_CHECKING:
    from publications.services import StoredPublication


# The rows the published rule can find, whatever the time: the partial indexes' condition (Publication.Meta).
_PUBLISHED_KEPT = Q(status=PublicationStatus.PUBLISHED, trashed_at__isnull=True)


def pdf_upload_path(publication: Publication, filename: str) -> str:
    """Where a publication's PDF is stored: `publications/pdf/<year>/<random>/<name>.pdf` (see
    cissapi.uploads.unguessable_path)."""
    return unguessable_path("publications/pdf", filename)


class Publication(PlainTextFields, models.Model):
    Type = PublicationType
    Status = PublicationStatus

    # A stable identity for feeds and partners that survives slug changes.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(max_length=20, choices=Type, default=Type.COMMENTARY)
    title = models.CharField(max_length=300)
    subtitle = models.CharField(max_length=300, blank=True)
    slug = models.SlugField(max_length=200, unique=True)
    summary = models.TextField(blank=True, help_text="Plain text shown in lists and feeds.")
    body = models.TextField(blank=True, help_text="HTML; scripts, styles and event handlers are removed.")
    language = models.CharField(max_length=12, default="en", validators=[validate_language])

    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="When it goes (or went) live. A future time schedules it."
    )
    first_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Moves only when something public changes (publications.services.publication_changed), so a new
    # `updated_at` in the API always comes with an `updated` change row.
    updated_at = models.DateTimeField(auto_now_add=True)

    # From the media library, with its alt text, caption, credit and renditions; an image in use cannot be
    # deleted from the library.
    lead_image = models.ForeignKey(
        "media.Image", null=True, blank=True, on_delete=models.PROTECT, related_name="lead_of"
    )
    pdf = models.FileField(
        "PDF",
        upload_to=pdf_upload_path,
        blank=True,
        validators=[FileExtensionValidator(["pdf"])],
    )
    # Filled when a PDF is stored (publications.services), so readers see them before downloading.
    pdf_size = models.PositiveBigIntegerField("PDF size (bytes)", null=True, blank=True, editable=False)
    pdf_pages = models.PositiveIntegerField("PDF pages", null=True, blank=True, editable=False)
    doi = models.CharField("DOI", max_length=200, blank=True, validators=[validate_doi])
    report_number = models.CharField(max_length=60, blank=True)
    comments_enabled = models.BooleanField(default=False)

    series = models.ForeignKey(
        Series, null=True, blank=True, on_delete=models.SET_NULL, related_name="publications"
    )
    volume = models.CharField(max_length=20, blank=True, help_text="Volume within the series.")
    issue = models.CharField(max_length=20, blank=True, help_text="Issue within the series.")
    topics = models.ManyToManyField(Topic, blank=True, related_name="publications")
    authors = models.ManyToManyField(
        "authors.Author", through="PublicationAuthor", related_name="publications", blank=True
    )

    internal_notes = models.TextField(blank=True, help_text="For editors only; never public.")
    # In the trash when set: absent from every public surface, restorable with its byline, topics and
    # cross-posts (kept as they are), its slug still reserved. Not a status, so a restore returns the state.
    trashed_at = models.DateTimeField(null=True, blank=True, editable=False)
    trashed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Carried by every preview token (publications.preview); bumping it revokes the piece's preview links.
    # A default in the database too: bulk loaders (tooling.corpus) write rows without naming it.
    preview_version = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    # The piece's owner: a contributor edits only their own pieces (publications.workflow.may_edit).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="publications_created",
    )
    # Set by publication_withdraw: the public notice the API's 410 answer carries.
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A database default too, so bulk loaders that name only the older columns (tooling.corpus) still work.
    withdrawal_notice = models.TextField(blank=True, default="", db_default="", editable=False)
    word_count = models.PositiveIntegerField(default=0, editable=False)
    # Maintained by publications.search from title, summary, authors' names and body.
    search_vector = SearchVectorField(null=True, editable=False)

    single_line_fields = (
        "title", "subtitle", "volume", "issue", "report_number",
    )  # fmt: skip
    # The withdrawal notice is typed into the workflow panel, not the form, and is public (the 410 answer).
    multi_line_fields = ("summary", "withdrawal_notice")

    objects = PublicationQuerySet.as_manager()
    # Revisions (publications.revisions): fields that follow from every save are never in the history.
    history = RevisionRecords(
        # Trash and preview links are states of the row, not its words: a restore never moves them.
        excluded_fields=[
            "created_at",
            "updated_at",
            "search_vector",
            "word_count",
            "first_published_at",
            "trashed_at",
            "trashed_by",
            "preview_version",
            "pdf_size",
            "pdf_pages",
            "created_by",
            "withdrawn_at",
            "withdrawal_notice",
        ]
    )

    if TYPE_CHECKING:
        # Never stored: the JSON array columns of PublicationQuerySet.with_listing(), with_detail() and
        # with_feed(), and what the pre_save receiver keeps for a bare save (publications.signals).
        byline: list[dict[str, Any]]
        topic_list: list[dict[str, Any]]
        cross_post_list: list[dict[str, Any]]
        # Each byline author's short bio, photo, kind, affiliation and link URLs (with_detail()).
        byline_profiles: list[dict[str, Any]]
        correction_list: list[dict[str, Any]]
        # The library images the body shows, with their renditions (with_detail()).
        body_images: list[dict[str, Any]]
        # The byline's author ids in order and the topic ids by name: surrogate keys (with_listing(),
        # as_items()); the list item as JSON text Postgres built (as_items()).
        author_ids: list[int]
        topic_ids: list[int]
        item: str
        # A related piece's lead image as JSON text (PublicationQuerySet.related_to(), a raw query).
        lead_image_row: str | None
        _stored_before: StoredPublication | None
        # Its topics before a bare `topics.clear()` (publications.signals).
        _cleared_topics: list[int]

    class Meta:
        ordering = ["-published_at", "-id"]
        # Editing a piece (change) and putting it before the public (publish) are separate trusts.
        permissions = [
            ("publish_publication", "Can publish, schedule and unpublish publications"),
            ("empty_trash", "Can empty the trash (delete publications and authors for good)"),
            # The roles (publications.workflow): editors review, publishers also empty the trash.
            ("review_publication", "Can send back and approve publications in review"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=PublicationStatus.PUBLISHED) | Q(published_at__isnull=False),
                name="publication_published_has_date",
                violation_error_message="A published or scheduled publication needs a publication time.",
            ),
            models.UniqueConstraint(
                fields=["doi"],
                condition=~Q(doi=""),
                name="publication_unique_doi",
                violation_error_message="Another publication already has this DOI.",
            ),
        ]
        # The partial indexes hold the rows the published rule can find (published, not in the trash), so
        # a count of live pieces is read from the index alone, its time checked there (a heap visit per row
        # for the trash cost 127 ms to count 100,000 pieces, 26 ms without).
        indexes = [
            # Public lists: newest first among published rows.
            models.Index(
                fields=["-published_at", "-id"],
                condition=_PUBLISHED_KEPT,
                name="publication_live_idx",
            ),
            # Is piece N live, and when did it go live? Answered from the index alone, for the thousands of
            # pieces behind an author's count, a topic filter or the related-pieces candidates.
            models.Index(
                fields=["id"],
                include=["published_at"],
                condition=_PUBLISHED_KEPT,
                name="publication_live_id_idx",
            ),
            # A series' pieces newest first (in_series): a small series is found without walking the
            # live index above past every other piece (migration 0018).
            models.Index(
                fields=["series", "-published_at", "-id"],
                condition=_PUBLISHED_KEPT,
                name="publication_series_live_idx",
            ),
            models.Index(fields=["updated_at", "id"], name="publication_updated_idx"),
            # `?ordering=title` walks it and stops at the page, where it sorted every live piece (0.15 s at
            # 100,000; a search ordered by title, 0.8 s); `-title` walks it backwards.
            models.Index(
                fields=["title", "id"],
                condition=_PUBLISHED_KEPT,
                name="publication_title_idx",
            ),
            # A type's pieces newest first (`?type=`, the home page's sections, the site's type pages): walked
            # to the page whatever the type's size, where the live index walked past the other types'.
            models.Index(
                fields=["type", "-published_at", "-id"],
                condition=_PUBLISHED_KEPT,
                name="publication_type_live_idx",
            ),
            # A language's pieces newest first (`?language=`), for the same reason: the live index walked
            # past the other languages' pieces, a rare language's deep pages most of the catalogue.
            models.Index(
                fields=["language", "-published_at", "-id"],
                condition=_PUBLISHED_KEPT,
                name="publication_language_live_idx",
            ),
            GinIndex(fields=["search_vector"], name="publication_search_idx"),
            # The admin's list (every piece not in the trash, newest first, drafts without a date on top),
            # its count and its date hierarchy, filtered by state or type or not: each read every row of the
            # table at 100,000 pieces, 0.1-0.2 s apiece.
            models.Index(
                fields=["-published_at", "-id"],
                include=["status", "type"],
                condition=Q(trashed_at__isnull=True),
                name="publication_admin_idx",
            ),
            # The admin's language filter lists the languages in use (a read of every row, 0.1 s, without it).
            models.Index(fields=["language"], name="publication_language_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.body = sanitize_html(self.body)
        self.word_count = word_count(html_to_text(self.body))
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "word_count"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return self.path_of(self.slug)

    @staticmethod
    def path_of(slug: str) -> str:
        """The path of the piece with this slug on the public site, for rows that are not Publications
        (the sitemap's 50,000 a page)."""
        return f"/publications/{slug}/"

    @property
    def public_url(self) -> str:
        """Address of the piece on the public site."""
        return f"{settings.SITE_URL}{self.get_absolute_url()}"

    @property
    def reading_minutes(self) -> int:
        return reading_minutes(self.word_count)

    @property
    def is_scheduled(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    @property
    def is_live(self) -> bool:
        return self.is_live_at(timezone.now())

    def is_live_at(self, moment: datetime) -> bool:
        """Whether the public sees this piece at `moment`: the twin of `Publication.objects.published(at)`."""
        return is_live_at(self.status, self.published_at, moment, trashed_at=self.trashed_at)

    @property
    def is_trashed(self) -> bool:
        return self.trashed_at is not None

    def validate_unique(self, exclude: Collection[str] | None = None) -> None:
        """Unique fields, and a slug no other piece ever had in public: its old links redirect there."""
        super().validate_unique(exclude)
        if exclude and "slug" in exclude:
            return
        if PublicationSlug.objects.filter(slug=self.slug).exclude(publication_id=self.pk).exists():
            raise ValidationError(
                {"slug": "Another publication was public at this slug, and its old links lead there."}
            )


class PublicationAuthor(models.Model):
    """One author's place on a publication: their role and their position in the byline."""

    class Role(models.TextChoices):
        AUTHOR = "author", "Author"
        CO_AUTHOR = "co_author", "Co-author"
        EDITOR = "editor", "Editor"
        TRANSLATOR = "translator", "Translator"

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="authorships")
    author = models.ForeignKey("authors.Author", on_delete=models.PROTECT, related_name="authorships")
    role = models.CharField(max_length=20, choices=Role, default=Role.AUTHOR)
    position = models.PositiveSmallIntegerField(default=0)
    # The piece's `published_at`, kept by the database (triggers of migration 0016) on every write of either
    # table, whatever writes it (the ORM, queryset.update(), raw SQL, COPY): an author's newest pieces are
    # then read from one index in date order, stopping at the page, however many they have. What the ORM
    # writes here is overwritten, and an instance's value may be stale: visibility is read from the piece.
    published_at = models.DateTimeField(null=True, editable=False)

    class Meta:
        ordering = ["position"]
        verbose_name = "author"
        constraints = [
            # Deferred so an editor can swap two authors' positions in one save.
            models.UniqueConstraint(
                fields=["publication", "position"],
                name="publicationauthor_unique_position",
                deferrable=Deferrable.DEFERRED,
            ),
            models.UniqueConstraint(
                fields=["publication", "author"],
                name="publicationauthor_unique_author",
                violation_error_message="This author is already on the publication.",
            ),
        ]
        indexes = [
            # An author's pieces newest first (PublicationQuerySet.by_author_slugs): walked backwards, from a
            # cursor's date on, as far as the page. Also every lookup of an author's pieces by id.
            models.Index(fields=["author", "published_at", "publication"], name="publicationauthor_date_idx")
        ]

    def __str__(self) -> str:
        return f"{self.author} ({self.get_role_display()}) on {self.publication}"


class TopicFiling(models.Model):
    """A piece filed under a topic, with its piece's date: a read-only view of Publication.topics' own table,
    whose rows Django writes (the admin's topics field, `topics.set()`).

    The database keeps `published_at` on each filing as it does on bylines (migration 0018): a topic's
    newest pieces are read from one index (topic, published_at, publication) in date order, stopping at the
    page. Filtered on the piece's table, a topic holding a few old pieces walked every live piece's date
    to find them (a second at 100,000 pieces). Unmanaged, so Django neither creates nor deletes its table (the
    many-to-many field does), and nothing cascades through it (DO_NOTHING).
    """

    publication = models.ForeignKey(Publication, on_delete=models.DO_NOTHING, related_name="topic_filings")
    topic = models.ForeignKey(Topic, on_delete=models.DO_NOTHING, related_name="+")
    published_at = models.DateTimeField(null=True, editable=False)

    class Meta:
        managed = False
        db_table = "publications_publication_topics"

    def __str__(self) -> str:
        return f"{self.publication_id} under {self.topic_id}"


class OutletPiece(models.Model):
    """A piece cross-posted at an outlet, once however many of its cross-posts are there, with its piece's
    date: written by the database only (migration 0019's triggers on cross-posts and pieces), read by one
    outlet's list.

    An outlet's newest pieces are read from its index (outlet, published_at, publication) in date order,
    stopping at the page, as an author's from their bylines. Cross-posts themselves cannot be walked so: a
    piece may have two at one outlet (a translation and another form), and would be listed twice. Filtered
    on the piece's table, an outlet with one old cross-post walked every live piece (0.7 s at 100,000).
    """

    outlet = models.ForeignKey(Outlet, on_delete=models.DO_NOTHING, related_name="+")
    # The database deletes it with the piece's last cross-post there (and so with the piece).
    publication = models.ForeignKey(Publication, on_delete=models.DO_NOTHING, related_name="outlet_pieces")
    published_at = models.DateTimeField(null=True, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["outlet", "publication"], name="outletpiece_unique")]
        indexes = [
            models.Index(fields=["outlet", "published_at", "publication"], name="outletpiece_date_idx")
        ]

    def __str__(self) -> str:
        return f"{self.publication_id} at {self.outlet_id}"


class CrossPost(models.Model):
    """A publication's life on another outlet ("published in another form at <url>")."""

    class Relation(models.TextChoices):
        ORIGINAL_ELSEWHERE = "original_elsewhere", "Originally published elsewhere"
        REPUBLISHED_HERE = "republished_here", "Republished here"
        ANOTHER_FORM = "another_form", "Published in another form"
        TRANSLATION = "translation", "Translation"

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="cross_posts")
    outlet = models.ForeignKey(Outlet, on_delete=models.PROTECT, related_name="cross_posts")
    url = models.URLField("URL", max_length=500)
    relation = models.CharField(max_length=30, choices=Relation, default=Relation.ANOTHER_FORM)
    published_on = models.DateField(null=True, blank=True)
    is_canonical = models.BooleanField(
        "canonical source",
        default=False,
        help_text="Search engines and partners treat this URL as the original.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "cross-post"
        constraints = [
            models.UniqueConstraint(
                fields=["publication"],
                condition=Q(is_canonical=True),
                name="crosspost_one_canonical",
                violation_error_message="A publication can have only one canonical cross-post.",
            ),
            models.UniqueConstraint(
                fields=["publication", "url"],
                name="crosspost_unique_url",
                violation_error_message="This URL is already listed for the publication.",
            ),
        ]
        indexes = [models.Index(fields=["outlet", "publication"], name="crosspost_outlet_idx")]

    def __str__(self) -> str:
        return f"{self.publication} at {self.outlet}"


class PublicationSlug(models.Model):
    """A slug a piece had while it was live: the API answers it with a 301 to the piece's current address."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="old_slugs")
    slug = models.SlugField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "old slug"

    def __str__(self) -> str:
        return self.slug


class PublicationTransition(PlainTextFields, models.Model):
    """One move of a piece through the workflow (publications.workflow), written by its service."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=20, choices=PublicationStatus)
    to_status = models.CharField(max_length=20, choices=PublicationStatus)
    # None: the system itself (a command).
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="publication_transitions"
    )
    at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True)

    # Typed into the workflow panel's text box, which no form field checks: a send-back's comment, a
    # withdrawal's public notice.
    multi_line_fields = ("comment",)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["publication", "at"], name="transition_publication_idx")]

    def __str__(self) -> str:
        return f"{self.publication}: {self.from_status} → {self.to_status}"


class Correction(PlainTextFields, models.Model):
    """A dated correction note on a live piece: public, and kept with it for good."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="corrections")
    date = models.DateField(default=timezone.localdate)
    text = models.TextField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="publication_corrections"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Public at once, typed into the workflow panel's text box, which no form field checks.
    multi_line_fields = ("text",)

    class Meta:
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"Correction of {self.date:%Y-%m-%d} to {self.publication}"


class PublicationChange(models.Model):
    """One change to the public catalogue, as a syncing partner sees it; kept forever (tombstones too).

    Rows are written only by publications.changelog. `effective_at` is when the change becomes public: now
    for most changes, the scheduled time for a scheduled go-live. Readers see rows with `effective_at` not
    in the future, in (effective_at, id) order, so a scheduled go-live shows up by itself at its time.
    """

    class Kind(models.TextChoices):
        PUBLISHED = "published", "Published"
        UPDATED = "updated", "Updated"
        SLUG_CHANGED = "slug_changed", "Slug changed"
        UNPUBLISHED = "unpublished", "Unpublished"
        # Taken down with a public notice (publication_withdraw); the row carries the notice.
        WITHDRAWN = "withdrawn", "Withdrawn"
        DELETED = "deleted", "Deleted"

    # No foreign key: a tombstone outlives its publication.
    publication_id = models.BigIntegerField()
    publication_uuid = models.UUIDField()
    kind = models.CharField(max_length=20, choices=Kind)
    # The slug when the change happened, so the next slug change can name the old one.
    slug = models.SlugField(max_length=200)
    old_slug = models.SlugField(max_length=200, blank=True)
    notice = models.TextField(blank=True)
    effective_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = PublicationChangeQuerySet.as_manager()

    class Meta:
        ordering = ["effective_at", "id"]
        indexes = [
            models.Index(fields=["effective_at", "id"], name="publicationchange_feed_idx"),
            models.Index(fields=["publication_id", "effective_at", "id"], name="publicationchange_item_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.slug} at {self.effective_at:%Y-%m-%d %H:%M}"

    @property
    def is_upsert(self) -> bool:
        return self.kind in UPSERT_KINDS


UPSERT_KINDS = frozenset(
    {PublicationChange.Kind.PUBLISHED, PublicationChange.Kind.UPDATED, PublicationChange.Kind.SLUG_CHANGED}
)


# --- Old addresses from a WordPress import (tooling.wordpress; answered by publications.legacy) ---------


class LegacyPath(models.Model):
    """An address a piece had on the site it was imported from: a permalink path or `?p=ID`.

    `path` is stored without a trailing slash (the redirect matches both); `wp_id` answers `?p=` and
    `?page_id=` links.
    """

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="legacy_paths")
    path = models.CharField(max_length=500, unique=True)
    wp_id = models.PositiveBigIntegerField("WordPress id", null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["path"]
        verbose_name = "old address"
        verbose_name_plural = "old addresses"

    def __str__(self) -> str:
        return self.path


class RelatedCandidates(models.Model):
    """The pieces a publication's `related` list is drawn from, worked out when content changes.

    `candidate_ids` are the first pieces sharing its topics or authors, most shared first, then newest,
    among those published or scheduled and not in the trash, up to the RELATED_STORED-th live one
    (publications.related). Readers
    keep the ones live at their moment, so a scheduled candidate appears at its time with no write. Database
    triggers (migration 0014) delete the rows a write makes stale; a missing row is read live and rebuilt by
    the worker (publications.tasks).
    """

    # No constraint and no cascade: deleting a piece must not wait on the worker's lock over these rows
    # (see publications.related); its row goes with its links, or with the worker's next sweep.
    publication = models.OneToOneField(
        Publication,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="related_candidates",
    )
    candidate_ids = ArrayField(models.BigIntegerField())
    # Whether these are all the candidates there are (fewer than RELATED_STORED): then even a list with
    # few live pieces is the whole answer, not a reason to look further.
    complete = models.BooleanField()

    class Meta:
        verbose_name_plural = "related candidates"

    def __str__(self) -> str:
        return f"Related candidates of {self.publication_id}"


class PublicationStats(models.Model):
    """A count of published pieces and the newest one's date, worked out when content changes: what
    authors, topics, series and outlets store alike (one table each, keyed by its owner's id).

    Exact as of `as_of`; `valid_until` is when the first of the owner's scheduled pieces goes live (never,
    when null). Readers add the pieces gone live since `as_of` (querysets.publication_stats_sql), so a row
    stays usable past `valid_until` until the worker counts again; without a row they count live. Database
    triggers delete a row when a write changes what it counted; the worker builds it again
    (publications.related).
    """

    count = models.PositiveIntegerField()
    last_published_at = models.DateTimeField(null=True)
    as_of = models.DateTimeField()
    valid_until = models.DateTimeField(null=True)

    class Meta:
        abstract = True


class AuthorPublicationStats(PublicationStats):
    """An author's PublicationStats: deleted by the triggers of migration 0014 when a byline or a byline's
    piece changes what is counted."""

    # No constraint: see RelatedCandidates.publication.
    author = models.OneToOneField(
        "authors.Author", on_delete=models.DO_NOTHING, db_constraint=False, primary_key=True, related_name="+"
    )

    class Meta:
        verbose_name_plural = "author publication stats"

    def __str__(self) -> str:
        return f"Publication stats of author {self.author_id}"


# Three tables rather than one with a kind column: each row is found by its owner's id alone (its primary
# key, as the author's), each trigger deletes by that id, and the readers' statement is the author's with
# another table's name (querysets.publication_stats_sql).
class TopicPublicationStats(PublicationStats):
    """A topic's PublicationStats: deleted by the triggers of migration 0021 when a filing or a filed
    piece changes what is counted."""

    # No constraint: see RelatedCandidates.publication.
    topic = models.OneToOneField(
        Topic, on_delete=models.DO_NOTHING, db_constraint=False, primary_key=True, related_name="+"
    )

    class Meta:
        verbose_name_plural = "topic publication stats"

    def __str__(self) -> str:
        return f"Publication stats of topic {self.topic_id}"


class SeriesPublicationStats(PublicationStats):
    """A series' PublicationStats: deleted by the triggers of migration 0021 when a piece joins or leaves
    the series, or one of its pieces changes what is counted."""

    # No constraint: see RelatedCandidates.publication.
    series = models.OneToOneField(
        Series, on_delete=models.DO_NOTHING, db_constraint=False, primary_key=True, related_name="+"
    )

    class Meta:
        verbose_name_plural = "series publication stats"

    def __str__(self) -> str:
        return f"Publication stats of series {self.series_id}"


class OutletPublicationStats(PublicationStats):
    """An outlet's PublicationStats, over its OutletPiece rows (a piece once however many cross-posts it
    has there): deleted by the triggers of migration 0021 when such a row or its piece changes what is
    counted."""

    # No constraint: see RelatedCandidates.publication.
    outlet = models.OneToOneField(
        Outlet, on_delete=models.DO_NOTHING, db_constraint=False, primary_key=True, related_name="+"
    )

    class Meta:
        verbose_name_plural = "outlet publication stats"

    def __str__(self) -> str:
        return f"Publication stats of outlet {self.outlet_id}"


# Every kind of PublicationStats, one for each model publications are counted for.
PUBLICATION_STATS: tuple[type[PublicationStats], ...] = (
    AuthorPublicationStats,
    TopicPublicationStats,
    SeriesPublicationStats,
    OutletPublicationStats,
)
