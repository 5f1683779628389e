"""`import_wordpress`: a WordPress export (WXR) into the catalogue, through the services editors' writes use.

Two streaming passes over the file: the first collects what posts refer to (users, categories and tags,
attachments, Co-Authors Plus guest authors), the second writes the posts one by one, so memory holds the
site's small tables and never its posts. Every write goes through a service (authors, taxonomy, media,
publications), so revisions, search vectors, the change log and cache invalidation follow as for an editor.

What came from where is kept in tooling.models.ImportedObject: a second run updates instead of
duplicating, and leaves alone what an editor changed since the last run (unless `overwrite`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote, urlsplit

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import URLValidator
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image as PILImage

from authors.models import Author, AuthorLink
from authors.services import author_create, author_update
from cissapi.api.invalidation import changes_collected, everything_changed
from cissapi.revisions import new_revision
from cissapi.text import html_to_text, sanitize_html, word_count
from media.models import Image
from media.services import image_create
from publications.changelog import changelog_sync_created
from publications.models import (
    CrossPost,
    LegacyPath,
    Publication,
    PublicationAuthor,
    PublicationSlug,
    PublicationTransition,
)
from publications.readiness import Readiness, publication_readiness, readiness_of
from publications.revisions import related_snapshot
from publications.search import refresh_search_vectors
from publications.services import publication_trash, publication_update
from publications.tasks import request_related_rebuild
from publications.workflow import transition_between
from taxonomy.models import Outlet, Topic, normalize_domain
from taxonomy.services import outlet_create, topic_create, topic_update
from tooling.models import ImportedObject
from tooling.wordpress import autop, crossposts, shortcodes, wxr

Kind = ImportedObject.Kind
Status = Publication.Status

# What each WordPress status becomes; `None`: not imported. Draft, pending and private pieces become the
# `unpublished_status` the caller chose (draft or in review).
SKIPPED_STATUSES = {"trash", "auto-draft", "inherit"}
UNPUBLISHED_STATUSES = {"draft", "pending", "private"}
_EMPTY_DATE = "0000-00-00 00:00:00"
# An uploaded file's address; WordPress names the sizes it made as "<name>-<width>x<height>.<ext>".
_UPLOAD = re.compile(r"/wp-content/uploads/(?P<path>[^\"'?#\s]+)")
_SIZE_SUFFIX = re.compile(r"-\d+x\d+(?=\.\w+$)")
# What CrossPost.url accepts (the bulk path writes rows without a full_clean of each).
_URL = URLValidator(schemes=["http", "https"])
CROSS_POST_URL_LENGTH = 500
# Pieces created per batch (one bulk insert each); bounds the memory a batch holds.
BATCH_SIZE = 500
LEGACY_PATH_LENGTH = LegacyPath._meta.get_field("path").max_length or 500
RECORD_ID_LENGTH = ImportedObject._meta.get_field("wp_id").max_length or 200
# The post meta where SEO plugins keep a post's search description: Yoast, Rank Math, All in One SEO (3.x;
# 4.x keeps its own table, not exported), SEOPress, The SEO Framework.
SEO_DESCRIPTION_KEYS = (
    "_yoast_wpseo_metadesc",
    "rank_math_description",
    "_aioseop_description",
    "_seopress_titles_desc",
    "_genesis_description",
)
# A plugin's replacement variable: Yoast's %%excerpt%%, Rank Math's %excerpt% or %sep%.
_SEO_VARIABLE = re.compile(r"%%?[a-z_]+%?%")
_IMG_SRC = re.compile(r"""(<img\b[^>]*?\bsrc\s*=\s*["'])([^"']+)(["'])""", re.IGNORECASE)


class WordPressImportError(Exception):
    """The export cannot be imported as asked; the message says why (the command's CommandError)."""


@dataclass
class ImportOptions:
    """How to import: see the command's help for each."""

    media_dir: Path | None = None
    # WordPress post type → publication type; types not listed are not imported.
    post_types: dict[str, str] = field(default_factory=lambda: {"post": Publication.Type.COMMENTARY})
    unpublished_status: str = Status.DRAFT
    overwrite: bool = False
    # The site's offset from UTC, for dates exported without their GMT twin (drafts); None: inferred.
    utc_offset: dt.timedelta | None = None


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do), counted and itemized."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    kept: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    # One line per piece: "created post 12 “Title”" and the like.
    lines: list[str] = field(default_factory=list)
    # Image addresses left as they were (no --media-dir, or the file was not in it).
    kept_urls: list[str] = field(default_factory=list)
    # Pieces live on WordPress, imported live although the pre-publish check would refuse them.
    not_ready: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    removed_shortcodes: Counter[str] = field(default_factory=Counter)

    def note(self, line: str) -> None:
        self.lines.append(line)


@dataclass
class _NewPiece:
    """A piece new to the catalogue, waiting for its batch (_Importer.flush)."""

    item: wxr.WxrItem
    label: str
    values: dict[str, Any]
    byline: list[Author]
    topics: list[Topic]
    found: list[crossposts.FoundCrossPost]
    cross_posts: list[CrossPost]
    byline_rows: list[PublicationAuthor] = field(default_factory=list)


@dataclass
class _Site:
    """What the first pass learns: everything posts refer to, without the posts themselves."""

    source: str = ""
    users: dict[str, wxr.WxrAuthor] = field(default_factory=dict)
    terms: list[wxr.WxrCategory] = field(default_factory=list)
    attachments: dict[int, wxr.WxrItem] = field(default_factory=dict)
    # Co-Authors Plus guest authors by their term slug ("cap-jane-doe").
    guests: dict[str, wxr.WxrItem] = field(default_factory=dict)
    pieces: int = 0
    offset: dt.timedelta | None = None


def import_wordpress(
    path: Path | str,
    options: ImportOptions,
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import the export at `path` in one transaction (rolled back for a dry run or any error)."""
    try:
        site = _first_pass(path, options)
        # One change of everything the import wrote, told as it commits (changes_collected).
        with transaction.atomic(), changes_collected():
            importer = _Importer(site, options, dry_run=dry_run)
            importer.import_terms()
            done = 0
            for record in wxr.read(path):
                if isinstance(record, wxr.WxrItem) and record.post_type in options.post_types:
                    importer.import_piece(record)
                    done += 1
                    if progress is not None:
                        progress(done, site.pieces)
            importer.flush()
            if dry_run:
                transaction.set_rollback(True)
    except wxr.WxrError as error:
        raise WordPressImportError(str(error)) from error
    return importer.report


def _first_pass(path: Path | str, options: ImportOptions) -> _Site:
    site = _Site()
    for record in wxr.read(path):
        if isinstance(record, wxr.WxrSite):
            site.source = (record.base_site_url or record.base_blog_url or record.link).rstrip("/")
        elif isinstance(record, wxr.WxrAuthor):
            site.users[record.login] = record
        elif isinstance(record, wxr.WxrCategory):
            site.terms.append(record)
        elif record.post_type == "attachment":
            site.attachments[record.wp_id] = record
        elif record.post_type == "guest-author":
            login = record.meta.get("cap-user_login") or record.slug.removeprefix("cap-")
            site.guests[f"cap-{login}"] = record
        elif record.post_type in options.post_types:
            site.pieces += 1
            if site.offset is None and _has_date(record.post_date) and _has_date(record.post_date_gmt):
                site.offset = _parse_date(record.post_date) - _parse_date(record.post_date_gmt)
    if options.utc_offset is not None:
        site.offset = options.utc_offset
    return site


class _Importer:
    def __init__(self, site: _Site, options: ImportOptions, *, dry_run: bool) -> None:
        self.site = site
        self.options = options
        self.dry_run = dry_run
        self.report = ImportReport()
        self.topics: dict[tuple[str, str], Topic] = {}
        self.topic_ids: set[int] = set()
        self.authors: dict[str, Author] = {}
        self.images: dict[int, Image | None] = {}
        self.outlets: dict[str, Outlet] = {}
        self.pending: list[_NewPiece] = []
        # WordPress ids of the pieces read so far: an id the export repeats is imported once.
        self.piece_ids: set[int] = set()
        # Slugs of pieces and old slugs, loaded once: new pieces are checked against it, not the database.
        self.taken_slugs: set[str] | None = None
        self.records: dict[tuple[str, str], ImportedObject] = {
            (record.kind, record.wp_id): record
            for record in ImportedObject.objects.filter(source=site.source)
        }
        self.content_types: dict[str, ContentType] = {
            kind: ContentType.objects.get_for_model(model)
            for kind, model in (
                (Kind.PUBLICATION, Publication),
                (Kind.AUTHOR, Author),
                (Kind.TOPIC, Topic),
                (Kind.IMAGE, Image),
            )
        }

    # --- Topics -----------------------------------------------------------------------------------

    def import_terms(self) -> None:
        """Categories (with their parents, which may come after them), then tags, as topics."""
        # A term with neither a slug nor a name (left by a plugin's bulk edit) names no topic and no piece's.
        terms = [term for term in self.site.terms if term.nicename or unescape(term.name).strip()]
        pending = [term for term in terms if term.taxonomy == "category"]
        while pending:
            ready = [term for term in pending if not term.parent or ("category", term.parent) in self.topics]
            if not ready:
                # A parent that is not in the export (or a loop): the rest are imported at the top.
                ready = pending
            for term in ready:
                self._topic(term)
            pending = [term for term in pending if term not in ready]
        for term in terms:
            if term.taxonomy != "category":
                self._topic(term)

    def _topic(self, term: wxr.WxrCategory) -> Topic:
        key = (term.taxonomy, term.nicename)
        if key in self.topics:
            return self.topics[key]
        parent = self.topics.get(("category", term.parent)) if term.parent else None
        name = (unescape(term.name).strip() or unquote(term.nicename))[:120]
        values = {"name": name, "description": html_to_text(unescape(term.description)), "parent": parent}
        wp_id = _record_id(f"{term.taxonomy}:{term.nicename}")
        record = self.records.get((Kind.TOPIC, wp_id))
        topic = Topic.objects.filter(pk=record.object_id).first() if record else None
        if topic is None:
            # A topic editors made already (or a tag named as a category) is the same topic.
            topic = Topic.objects.filter(models.Q(slug=slugify(term.nicename)) | models.Q(name=name)).first()
            if topic is None:
                topic = topic_create(slug=self._free_slug(Topic, _topic_slug(term, name)), **values)
                self._count("created", Kind.TOPIC, f"topic “{topic.name}”")
            self._remember(Kind.TOPIC, wp_id, topic, self._topic_values(topic))
        elif topic.pk in self.topic_ids:
            # A tag named as a category is the category's topic (above); the category, first in the export,
            # says what it is, or each run would write the one over the other (its parent, its description).
            pass
        elif self._editable(record, self._topic_values(topic), f"topic “{topic.name}”"):
            written = {**values, "parent": parent}
            if self._topic_values(Topic(slug=topic.slug, **written)) != self._topic_values(topic):
                topic = topic_update(topic=topic, **written)
                self._count("updated", Kind.TOPIC, f"topic “{topic.name}”")
            self._remember(Kind.TOPIC, wp_id, topic, self._topic_values(topic))
        self.topics[key] = topic
        self.topic_ids.add(topic.pk)
        return topic

    @staticmethod
    def _topic_values(topic: Topic) -> dict[str, Any]:
        return {
            "name": topic.name,
            "slug": topic.slug,
            "description": topic.description,
            "parent": topic.parent_id,
        }

    def _item_topic(self, term: wxr.WxrTerm) -> Topic:
        # A term an item names but the export's header does not list (WXR 1.0 lists only categories).
        taxonomy = "category" if term.domain == "category" else "post_tag"
        return self._topic(
            wxr.WxrCategory(
                taxonomy=taxonomy, nicename=term.nicename, name=term.name, parent="", description=""
            )
        )

    # --- Authors ----------------------------------------------------------------------------------

    def _author(self, key: str) -> Author | None:
        """The author a co-author term ("cap-jane-doe") or a WordPress login names."""
        if key in self.authors:
            return self.authors[key]
        values, links = self._author_values_from_export(key)
        if values is None:
            return None
        wp_id = _record_id(key if key.startswith("cap-") else f"cap-{key}")
        record = self.records.get((Kind.AUTHOR, wp_id))
        author = Author.objects.filter(pk=record.object_id).first() if record else None
        if author is None:
            author = author_create(slug=self._free_slug(Author, values["name"]), **values)
            for position, url in enumerate(links):
                AuthorLink.objects.create(
                    author=author, kind=AuthorLink.Kind.WEBSITE, url=url, position=position
                )
            self._count("created", Kind.AUTHOR, f"author “{author.name}”")
            self._remember(Kind.AUTHOR, wp_id, author, self._author_values(author))
        elif self._editable(record, self._author_values(author), f"author “{author.name}”"):
            # An empty sort name is stored as the name (Author.save): the same, not a change.
            stored = {**values, "sort_name": values["sort_name"] or values["name"]}
            if any(getattr(author, name) != value for name, value in stored.items()):
                author = author_update(author=author, **values)
                self._count("updated", Kind.AUTHOR, f"author “{author.name}”")
            self._remember(Kind.AUTHOR, wp_id, author, self._author_values(author))
        self.authors[key] = author
        return author

    def _author_values_from_export(self, key: str) -> tuple[dict[str, Any] | None, list[str]]:
        login = key.removeprefix("cap-")
        guest = self.site.guests.get(f"cap-{login}")
        if guest is not None:
            meta = guest.meta
            first, last = meta.get("cap-first_name", "").strip(), meta.get("cap-last_name", "").strip()
            name = (
                meta.get("cap-display_name", "").strip() or f"{first} {last}".strip() or guest.title or login
            )
            values = {
                "name": name[:160],
                "sort_name": f"{last}, {first}" if first and last else "",
                "email": _email(meta.get("cap-user_email", "")),
                "short_bio": html_to_text(meta.get("cap-description", ""))[:2000],
                "kind": Author.Kind.GUEST,
            }
            website = meta.get("cap-website", "").strip()
            return values, [website] if website.startswith(("http://", "https://")) else []
        user = self.site.users.get(login)
        if user is not None:
            name = user.display_name or f"{user.first_name} {user.last_name}".strip() or user.login
            values = {
                "name": unescape(name)[:160],
                "sort_name": f"{user.last_name}, {user.first_name}"
                if user.first_name and user.last_name
                else "",
                "email": _email(user.email),
            }
            return values, []
        return None, []

    @staticmethod
    def _author_values(author: Author) -> dict[str, Any]:
        return {
            "name": author.name,
            "slug": author.slug,
            "sort_name": author.sort_name,
            "email": author.email,
            "short_bio": author.short_bio,
        }

    def _byline(self, item: wxr.WxrItem) -> list[Author]:
        keys = [term.nicename for term in item.terms if term.domain == "author" and term.nicename]
        if not keys:
            keys = [item.creator] if item.creator else []
        byline: list[Author] = []
        for key in keys:
            author = self._author(key)
            if author is None:
                self.report.notes.append(f"post {item.wp_id}: no user or guest author “{key}” in the export")
            elif author not in byline:
                byline.append(author)
        return byline

    # --- Images -----------------------------------------------------------------------------------

    def _image(self, attachment_id: int) -> Image | None:
        """The library image of an attachment: imported from --media-dir once, then reused."""
        if attachment_id in self.images:
            return self.images[attachment_id]
        attachment = self.site.attachments.get(attachment_id)
        image = None
        if attachment is not None:
            wp_id = str(attachment_id)
            record = self.records.get((Kind.IMAGE, wp_id))
            image = Image.objects.filter(pk=record.object_id).first() if record else None
            if image is None:
                image = self._image_from_file(attachment)
                if image is not None:
                    self._remember(Kind.IMAGE, wp_id, image, {"file": image.file.name})
        self.images[attachment_id] = image
        return image

    def _image_from_file(self, attachment: wxr.WxrItem) -> Image | None:
        relative = attachment.meta.get("_wp_attached_file") or _uploads_path(attachment.attachment_url) or ""
        source = self.options.media_dir / relative if self.options.media_dir and relative else None
        if source is None or not source.is_file() or self.options.media_dir not in source.resolve().parents:
            self.report.kept_urls.append(attachment.attachment_url)
            return None
        if self.dry_run:
            # Nothing is stored in a dry run: a copied file would outlive the rollback.
            self._count("created", Kind.IMAGE, f"image {relative}")
            return None
        try:
            # The library's service trusts its admin form to have checked the pixels; a file is checked here.
            with PILImage.open(source) as pixels:
                pixels.verify()
        except (OSError, SyntaxError, ValueError, PILImage.DecompressionBombError) as error:
            self.report.notes.append(f"image {relative} not imported: not an image Pillow reads ({error})")
            self.report.kept_urls.append(attachment.attachment_url)
            return None
        try:
            with source.open("rb") as content:
                image = image_create(
                    file=File(content, name=source.name),
                    alt=html_to_text(attachment.meta.get("_wp_attachment_image_alt", ""))[:300],
                    caption=html_to_text(attachment.excerpt)[:300],
                )
        except ValidationError as error:
            # Not an image the library takes (a PDF, a damaged file): its address stays in the text.
            self.report.notes.append(f"image {relative} not imported: {' '.join(error.messages)}")
            self.report.kept_urls.append(attachment.attachment_url)
            return None
        self._count("created", Kind.IMAGE, f"image {relative}")
        return image

    def _body_images(self, body: str) -> str:
        """Body images from the uploads folder as library images (their src the library's file)."""
        by_file = self._attachments_by_file()

        def replace(match: re.Match[str]) -> str:
            src = unescape(match.group(2))
            upload = _uploads_path(src)
            attachment_id = None
            if upload is not None:
                attachment_id = by_file.get(upload) or by_file.get(_SIZE_SUFFIX.sub("", upload))
            image = self._image(attachment_id) if attachment_id is not None else None
            if image is None:
                if src not in self.report.kept_urls:
                    self.report.kept_urls.append(src)
                return match.group(0)
            return f"{match.group(1)}{image.file.url}{match.group(3)}"

        return _IMG_SRC.sub(replace, body)

    def _attachments_by_file(self) -> dict[str, int]:
        if not hasattr(self, "_by_file"):
            self._by_file = {
                (item.meta.get("_wp_attached_file") or _uploads_path(item.attachment_url) or ""): wp_id
                for wp_id, item in self.site.attachments.items()
            }
        return self._by_file

    # --- Publications -----------------------------------------------------------------------------

    def import_piece(self, item: wxr.WxrItem) -> None:
        label = f"{item.post_type} {item.wp_id} “{html_to_text(item.title)}”"
        if item.wp_id in self.piece_ids:
            # Exports joined from several files (or a plugin's) can hold an item twice: the first one counts.
            self.report.skipped["repeated id"] += 1
            self.report.notes.append(f"{label}: its id is in the export twice, imported once (the first)")
            return
        self.piece_ids.add(item.wp_id)
        if item.status == "trash" and self._trash_imported(item, label):
            return
        if item.status in SKIPPED_STATUSES or not item.status:
            self.report.skipped[item.status or "no status"] += 1
            self.report.note(f"skipped {label} ({item.status or 'no status'})")
            return
        values, byline, topics, found = self._piece_values(item, label)
        wp_id = str(item.wp_id)
        record = self.records.get((Kind.PUBLICATION, wp_id))
        publication = Publication.objects.filter(pk=record.object_id).first() if record else None
        if record is not None and publication is None and self.options.overwrite:
            # Deleted by an editor since the last import, and brought back as asked.
            del self.records[(Kind.PUBLICATION, wp_id)]
            record.delete()
            record = None
        if record is None:
            self.pending.append(
                _NewPiece(item, label, values, byline, topics, found, self._cross_posts(found))
            )
            if len(self.pending) >= BATCH_SIZE:
                self.flush()
            return
        if publication is None:
            # Deleted for good by an editor since the last import: a deletion is an editor's change too.
            self.report.kept[Kind.PUBLICATION] += 1
            self.report.note(f"kept editor's deletion of {label}")
            return
        current = self._piece_fingerprint_values(publication)
        source = _source_fingerprint(values, byline, topics, found)
        if _fingerprint(current) == record.fingerprint and source == record.source_fingerprint:
            # Optimization: neither WordPress nor an editor changed it since the last import; no write.
            self.report.unchanged[Kind.PUBLICATION] += 1
            return
        if not self._editable(record, current, label):
            self._legacy_paths(item, publication)
            return
        if values["published_at"] is None and values["status"] == Status.PUBLISHED:
            values["published_at"] = publication.published_at or timezone.now()
        self._update_piece(publication, values, byline, topics, found, label)
        if publication.status == Status.PUBLISHED:
            self._check_readiness(publication, label, readiness=publication_readiness(publication))
        self._remember(
            Kind.PUBLICATION, wp_id, publication, self._piece_fingerprint_values(publication), source=source
        )
        self._legacy_paths(item, publication)

    def _trash_imported(self, item: wxr.WxrItem, label: str) -> bool:
        """Move a piece imported before to the trash, as WordPress's editors did since; False: nothing to
        trash (never imported, deleted or trashed here already), the post is skipped as any trashed one."""
        record = self.records.get((Kind.PUBLICATION, str(item.wp_id)))
        publication = Publication.objects.filter(pk=record.object_id).first() if record else None
        if record is None or publication is None or publication.trashed_at is not None:
            return False
        if self._editable(record, self._piece_fingerprint_values(publication), label):
            publication_trash(publication=publication)
            self.report.updated[Kind.PUBLICATION] += 1
            self.report.note(f"trashed {label} (in the trash on WordPress)")
        return True

    def flush(self) -> None:
        """Create the pieces new to the catalogue, a batch at a time, with every side effect of
        publication_create: byline, topics, cross-posts, the implied transition, the search vector, the
        change log, the first revision and the cache's end of generation.

        Optimization: one service call per piece costs some 60 queries (10,000 posts took over 40
        minutes); a batch costs a dozen, so a 10,000-post export imports within the minute the issue
        asks for. Updates of pieces imported before still go through publication_update one by one.
        """
        batch, self.pending = self.pending, []
        if not batch:
            return
        publications = [self._new_publication(new) for new in batch]
        Publication.objects.bulk_create(publications)
        bylines: list[PublicationAuthor] = []
        links: list[Any] = []
        cross_posts: list[CrossPost] = []
        transitions = []
        through = Publication.topics.through
        for publication, new in zip(publications, batch, strict=True):
            new.byline_rows = [
                PublicationAuthor(publication=publication, author=author, position=rank)
                for rank, author in enumerate(new.byline)
            ]
            bylines.extend(new.byline_rows)
            links.extend(through(publication_id=publication.pk, topic_id=topic.pk) for topic in new.topics)
            for row in new.cross_posts:
                row.publication = publication
            cross_posts.extend(new.cross_posts)
            scheduled = publication.published_at is not None and publication.published_at > timezone.now()
            transition = (
                transition_between(Status.DRAFT, publication.status, scheduled=scheduled)
                if publication.status != Status.DRAFT
                else None
            )
            if transition is not None:
                transitions.append(
                    PublicationTransition(
                        publication=publication,
                        action=transition.action,
                        from_status=Status.DRAFT,
                        to_status=transition.target,
                    )
                )
        PublicationAuthor.objects.bulk_create(bylines)
        through.objects.bulk_create(links)
        CrossPost.objects.bulk_create(cross_posts)
        PublicationTransition.objects.bulk_create(transitions)
        refresh_search_vectors(publication.pk for publication in publications)
        changelog_sync_created(publications=publications)
        # Related candidates of the new pieces and of those they now rank among: the worker, after commit.
        request_related_rebuild()
        Publication.history.model.objects.bulk_create(
            new_revision(
                publication,
                by=None,
                related=related_snapshot(
                    byline=new.byline_rows, topics=new.topics, cross_posts=new.cross_posts
                ),
            )
            for publication, new in zip(publications, batch, strict=True)
        )
        paths: list[LegacyPath] = []
        for publication, new in zip(publications, batch, strict=True):
            self._count("created", Kind.PUBLICATION, new.label)
            if publication.status == Status.PUBLISHED:
                readiness = readiness_of(
                    publication, has_authors=bool(new.byline), has_topics=bool(new.topics)
                )
                self._check_readiness(publication, new.label, readiness=readiness)
            values = self._fingerprint_values(
                publication,
                byline=[author.pk for author in new.byline],
                topics=[topic.pk for topic in new.topics],
                cross_posts=[row.url for row in new.cross_posts],
            )
            self.records[(Kind.PUBLICATION, str(new.item.wp_id))] = ImportedObject(
                source=self.site.source,
                kind=Kind.PUBLICATION,
                wp_id=str(new.item.wp_id),
                content_type=self.content_types[Kind.PUBLICATION],
                object_id=publication.pk,
                fingerprint=_fingerprint(values),
                source_fingerprint=_source_fingerprint(new.values, new.byline, new.topics, new.found),
            )
            paths.extend(LegacyPath(publication=publication, path=path) for path in self._old_paths(new.item))
            paths.append(
                LegacyPath(publication=publication, path=f"/?p={new.item.wp_id}", wp_id=new.item.wp_id)
            )
        ImportedObject.objects.bulk_create(
            self.records[(Kind.PUBLICATION, str(new.item.wp_id))] for new in batch
        )
        # A path another piece holds already stays with it: the first to claim an address keeps it.
        LegacyPath.objects.bulk_create(paths, ignore_conflicts=True)
        # Bulk writes send no post_save: the cached API answers end here, as a service's save ends them, and
        # the caches in front (Varnish, a CDN) are purged of everything as the import commits.
        everything_changed()

    def _new_publication(self, new: _NewPiece) -> Publication:
        values = dict(new.values)
        slug = self._new_slug(values.pop("slug"))
        publication = Publication(**values, slug=slug)
        # What Publication.save() and the service's rules do, which bulk_create skips.
        publication.clean_plain_text()
        publication.body = sanitize_html(publication.body)
        publication.word_count = word_count(html_to_text(publication.body))
        if publication.status == Status.PUBLISHED:
            publication.published_at = publication.published_at or timezone.now()
            publication.first_published_at = publication.published_at
        try:
            # The slug is free (_new_slug) and the lead image stored: no query per piece.
            publication.full_clean(
                exclude=["slug", "lead_image"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            raise WordPressImportError(f"{new.label}: {'; '.join(error.messages)}") from error
        return publication

    def _new_slug(self, wanted: str) -> str:
        if self.taken_slugs is None:
            self.taken_slugs = set(Publication.objects.values_list("slug", flat=True))
            self.taken_slugs.update(PublicationSlug.objects.values_list("slug", flat=True))
        base = slugify(unescape(wanted))[:194].strip("-") or "untitled"
        slug, number = base, 1
        while slug in self.taken_slugs:
            number += 1
            slug = f"{base}-{number}"
        self.taken_slugs.add(slug)
        return slug

    def _check_readiness(self, publication: Publication, label: str, *, readiness: Readiness) -> None:
        if readiness.blocking:
            self.report.not_ready.append(f"{label}: {' '.join(readiness.blocking)}")

    def _update_piece(
        self,
        publication: Publication,
        values: dict[str, Any],
        byline: list[Author],
        topics: list[Topic],
        found: list[crossposts.FoundCrossPost],
        label: str,
    ) -> None:
        before = self._piece_fingerprint_values(publication)
        wanted_slug = values.pop("slug")
        if publication.slug != wanted_slug:
            values["slug"] = self._free_slug(Publication, wanted_slug, own=publication.pk)
        for name, value in values.items():
            setattr(publication, name, value)
        old_byline = list(publication.authorships.all())
        old_cross_posts = list(publication.cross_posts.all())
        new_byline = [PublicationAuthor(author=author, position=rank) for rank, author in enumerate(byline)]
        if [row.author_id for row in old_byline] == [author.pk for author in byline]:
            old_byline, new_byline = [], []
        new_cross_posts = self._cross_posts(found)
        if sorted(row.url for row in old_cross_posts) == sorted(row.url for row in new_cross_posts):
            old_cross_posts, new_cross_posts = [], []
        try:
            publication_update(
                publication=publication,
                byline=new_byline,
                byline_removed=old_byline,
                topics=topics,
                cross_posts=new_cross_posts,
                cross_posts_removed=old_cross_posts,
                imported=True,
            )
        except ValidationError as error:
            raise WordPressImportError(f"{label}: {'; '.join(error.messages)}") from error
        if self._piece_fingerprint_values(publication) == before:
            self.report.unchanged[Kind.PUBLICATION] += 1
        else:
            self._count("updated", Kind.PUBLICATION, label)

    def _piece_values(
        self, item: wxr.WxrItem, label: str
    ) -> tuple[dict[str, Any], list[Author], list[Topic], list[crossposts.FoundCrossPost]]:
        removed: set[str] = set()
        content = shortcodes.expand(item.content, removed)
        body = content if autop.is_block_content(content) else autop.wpautop(content)
        body, found = crossposts.extract_from_html(body)
        summary, found_in_excerpt = crossposts.extract_from_text(
            html_to_text(shortcodes.expand(item.excerpt, removed))
        )
        self.report.removed_shortcodes.update(removed)
        summary = summary or _seo_description(item.meta)
        if "\ufffd" in item.title + item.content + item.excerpt:
            self.report.notes.append(
                f"{label}: characters the export garbled are shown as � (check the text)"
            )
        body = self._body_images(body)
        status, published_at = self._state(item, label)
        notes = []
        if item.is_sticky:
            notes.append("Sticky on WordPress (shown first on its blog).")
        thumbnail = item.meta.get("_thumbnail_id", "").strip()
        values = {
            "type": self.options.post_types[item.post_type],
            # WordPress titles may carry markup and entities; ours are plain text.
            "title": html_to_text(item.title)[:300] or f"Untitled ({item.post_type} {item.wp_id})",
            # WordPress stores a non-Latin slug percent-encoded ("%d8%a7..."); ours are ASCII, so an Urdu
            # title's piece is named by its WordPress id rather than by the hex of its bytes.
            "slug": slugify(unquote(item.slug)) or slugify(html_to_text(item.title)) or f"wp-{item.wp_id}",
            "summary": summary,
            "body": body,
            "status": status,
            "published_at": published_at,
            "comments_enabled": item.comment_status == "open",
            "lead_image": self._image(int(thumbnail)) if thumbnail.isdigit() else None,
            "internal_notes": "\n".join(notes),
        }
        topics = [
            self._item_topic(term)
            for term in item.terms
            if term.domain in {"category", "post_tag"} and term.nicename
        ]
        unique_topics = list(dict.fromkeys(topics))
        unique_found = list({entry.url: entry for entry in [*found, *found_in_excerpt]}.values())
        return values, self._byline(item), unique_topics, unique_found

    def _state(self, item: wxr.WxrItem, label: str) -> tuple[str, dt.datetime | None]:
        if _has_date(item.post_date_gmt):
            moment: dt.datetime | None = _parse_date(item.post_date_gmt)
        elif _has_date(item.post_date):
            moment = _parse_date(item.post_date) - (self.site.offset or dt.timedelta())
        else:
            moment = None
        if {item.post_date, item.post_date_gmt} - {"", _EMPTY_DATE} and moment is None:
            self.report.notes.append(f"{label}: “{item.post_date}” is not a valid date, left out")
        if item.status in {"publish", "future"} and item.password:
            self.report.notes.append(f"{label}: password-protected on WordPress, imported unpublished")
            return self.options.unpublished_status, moment
        if item.status in {"publish", "future"}:
            # "future" is published with a time to come: scheduled, live by itself at its time. Without a
            # date the piece is dated as it is first imported (_new_publication), and keeps that date.
            return Status.PUBLISHED, moment
        if item.status not in UNPUBLISHED_STATUSES:
            self.report.notes.append(f"{label}: unknown status “{item.status}”, imported unpublished")
        return self.options.unpublished_status, moment

    def _cross_posts(self, found: Iterable[crossposts.FoundCrossPost]) -> list[CrossPost]:
        rows = []
        for entry in found:
            try:
                _URL(entry.url)
                if len(entry.url) > CROSS_POST_URL_LENGTH:
                    raise ValidationError("too long")
            except ValidationError:
                self.report.notes.append(f"cross-post address {entry.url!r} is not a valid URL: left out")
                continue
            rows.append(CrossPost(outlet=self._outlet(entry.url), url=entry.url, relation=entry.relation))
        return rows

    def _outlet(self, url: str) -> Outlet:
        domain = normalize_domain(urlsplit(url).hostname or url)
        if domain not in self.outlets:
            outlet = Outlet.objects.filter(domain=domain).first()
            if outlet is None:
                outlet = outlet_create(
                    name=domain[:160],
                    slug=self._free_slug(Outlet, domain),
                    domain=domain,
                    homepage=f"https://{domain}/",
                )
                self._count("created", "outlet", f"outlet {domain}")
            self.outlets[domain] = outlet
        return self.outlets[domain]

    def _piece_fingerprint_values(self, publication: Publication) -> dict[str, Any]:
        """What the fingerprint of a stored piece hashes, read from its rows."""
        stored = Publication.objects.get(pk=publication.pk)
        return self._fingerprint_values(
            stored,
            byline=list(stored.authorships.order_by("position").values_list("author_id", flat=True)),
            topics=list(stored.topics.values_list("pk", flat=True)),
            cross_posts=list(stored.cross_posts.values_list("url", flat=True)),
        )

    @staticmethod
    def _fingerprint_values(
        publication: Publication, *, byline: list[int], topics: list[int], cross_posts: list[str]
    ) -> dict[str, Any]:
        """The values an import writes to a piece (and an editor may change since)."""
        published_at = publication.published_at
        return {
            "type": publication.type,
            "title": publication.title,
            "slug": publication.slug,
            "summary": publication.summary,
            "body": publication.body,
            "status": publication.status,
            "published_at": published_at.astimezone(dt.UTC).isoformat() if published_at else None,
            "comments_enabled": publication.comments_enabled,
            "lead_image": publication.lead_image_id,
            "internal_notes": publication.internal_notes,
            "byline": byline,
            "topics": sorted(topics),
            "cross_posts": sorted(cross_posts),
        }

    @staticmethod
    def _old_paths(item: wxr.WxrItem) -> list[str]:
        """The piece's old paths: its permalink's, its guid's when that is a path, and its bare slug."""
        paths = {_path_of(item.link), _path_of(item.guid)}
        if item.slug and item.status == "publish":
            # Pretty permalinks without a date resolve by the slug alone on WordPress.
            paths.add(f"/{unquote(item.slug)}")
        return sorted(path for path in paths if path and len(path) <= LEGACY_PATH_LENGTH)

    def _legacy_paths(self, item: wxr.WxrItem, publication: Publication) -> None:
        """The piece's old addresses (_old_paths and `?p=ID`), for a piece imported before."""
        for path in self._old_paths(item):
            # A path another piece holds already stays with it: the first to claim an address keeps it.
            LegacyPath.objects.get_or_create(path=path, defaults={"publication": publication})
        LegacyPath.objects.update_or_create(
            wp_id=item.wp_id, defaults={"publication": publication, "path": f"/?p={item.wp_id}"}
        )

    # --- Bookkeeping ------------------------------------------------------------------------------

    def _editable(self, record: ImportedObject | None, current: dict[str, Any], label: str) -> bool:
        """Whether the import may write the object: it is unchanged since the last import, or overwriting."""
        if record is None or record.fingerprint == _fingerprint(current) or self.options.overwrite:
            return True
        self.report.kept[record.kind] += 1
        self.report.note(f"kept editor's changes to {label}")
        return False

    def _remember(
        self, kind: str, wp_id: str, target: models.Model, values: dict[str, Any], *, source: str = ""
    ) -> None:
        fingerprint = _fingerprint(values)
        record = self.records.get((kind, wp_id))
        if record is None:
            record = ImportedObject(
                source=self.site.source, kind=kind, wp_id=wp_id, content_type=self.content_types[kind]
            )
            self.records[(kind, wp_id)] = record
        elif (record.object_id, record.fingerprint, record.source_fingerprint) == (
            target.pk,
            fingerprint,
            source,
        ):
            return
        record.object_id, record.fingerprint, record.source_fingerprint = target.pk, fingerprint, source
        record.save()

    def _count(self, action: str, kind: str, label: str) -> None:
        getattr(self.report, action)[kind] += 1
        self.report.note(f"{action} {label}")

    @staticmethod
    def _free_slug(model: type[models.Model], wanted: str, *, own: int | None = None) -> str:
        """`wanted` as a slug, with a number added when another row (or a piece's old slug) has it."""
        max_length = cast(models.SlugField, model._meta.get_field("slug")).max_length or 50
        base = slugify(unescape(wanted))[: max_length - 6].strip("-") or "untitled"
        slug, number = base, 1
        while True:
            taken = model._default_manager.filter(slug=slug).exclude(pk=own).exists()
            if model is Publication and not taken:
                old_slugs = PublicationSlug.objects.filter(slug=slug)
                taken = (old_slugs.exclude(publication_id=own) if own is not None else old_slugs).exists()
            if not taken:
                return slug
            number += 1
            slug = f"{base}-{number}"


def _topic_slug(term: wxr.WxrCategory, name: str) -> str:
    """What a new topic's slug is made from: WordPress's own slug, else its name; a non-Latin one (an Urdu
    category's, kept percent-encoded) is named by its WordPress id, as a piece is, rather than by the hex of
    its bytes ("d8afd981..."), when the export gives the id."""
    readable = slugify(unquote(term.nicename)) or slugify(name)
    if readable:
        return readable
    return f"topic-{term.term_id}" if term.term_id.isdigit() else term.nicename or name


def _seo_description(meta: dict[str, str]) -> str:
    """The description an SEO plugin keeps for a post (what search results show of it), written by its
    editors for the purpose: a summary where the post has no excerpt. "" when none is set, or when it is a
    template of the plugin's variables ("%%excerpt%% %%sep%%"), which only the plugin can fill in."""
    for key in SEO_DESCRIPTION_KEYS:
        text = html_to_text(unescape(meta.get(key, ""))).strip()
        if text and not _SEO_VARIABLE.search(text):
            return text
    return ""


def _record_id(wp_id: str) -> str:
    """`wp_id` as ImportedObject keeps it: a term's slug may be 200 characters on WordPress (an Urdu name is
    six per letter, percent-encoded) before its taxonomy is put in front, so a long one ends in its hash."""
    if len(wp_id) <= RECORD_ID_LENGTH:
        return wp_id
    digest = hashlib.sha256(wp_id.encode()).hexdigest()
    return f"{wp_id[: RECORD_ID_LENGTH - len(digest) - 1]}#{digest}"


def _fingerprint(values: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def _source_fingerprint(
    values: dict[str, Any],
    byline: list[Author],
    topics: list[Topic],
    found: list[crossposts.FoundCrossPost],
) -> str:
    """The hash of what the export says of a piece (before it is stored), to tell an unchanged post."""
    lead_image = values["lead_image"]
    return _fingerprint(
        {
            **values,
            "lead_image": lead_image.pk if lead_image is not None else None,
            "byline": [author.pk for author in byline],
            "topics": sorted(topic.pk for topic in topics),
            "cross_posts": sorted((entry.url, entry.relation) for entry in found),
        }
    )


def _has_date(value: str) -> bool:
    """Whether `value` is a date: drafts have 0000-00-00, and MySQL without strict mode keeps 2020-02-30."""
    try:
        _parse_date(value)
    except ValueError:
        return False
    return True


def _parse_date(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC)


def _email(value: str) -> str:
    value = value.strip()
    return value if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value) and len(value) <= 254 else ""


def _uploads_path(url: str) -> str | None:
    match = _UPLOAD.search(url)
    return match.group("path") if match else None


def _path_of(url: str) -> str:
    """The path of an old address without its trailing slash; "" for `?p=` links and the home page."""
    parts = urlsplit(url)
    # Requests are matched by their decoded path (request.path): "/اردو", never "/%d8%a7%d8%b1%d8%af%d9%88".
    path = unquote(parts.path).rstrip("/")
    return "" if not path or parts.query else path
