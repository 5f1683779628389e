"""Import a WordPress export (Tools → Export → All content): see README, "Moving from WordPress"."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from publications.models import Publication
from tooling.wordpress.importer import ImportOptions, ImportReport, WordPressImportError, import_wordpress

# Below this many pieces an import is quick enough to need no progress bar.
PROGRESS_FROM = 200
_OFFSET = re.compile(r"^([+-])(\d{1,2}):?(\d{2})$")


class Command(BaseCommand):
    help = (
        "Import a WordPress export (WXR): posts as publications, users and Co-Authors Plus guest authors "
        "as authors, categories and tags as topics, cross-post lines, images and every old address. "
        "One transaction; running it again updates what it imported and keeps what editors changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("export", type=Path, help="The export file (WXR 1.0, 1.1 or 1.2).")
        parser.add_argument(
            "--media-dir",
            type=Path,
            help="A copy of the site's wp-content/uploads: featured and body images go into the media "
            "library. Without it, image addresses are kept as they are and listed.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would be created, updated and skipped."
        )
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Write over what editors changed since the last import (kept by default).",
        )
        parser.add_argument(
            "--post-type",
            action="append",
            metavar="WP_TYPE=TYPE",
            help="Import a WordPress post type as a publication type, e.g. page=report (repeatable). "
            f"Default: post=commentary. Types: {', '.join(Publication.Type.values)}.",
        )
        parser.add_argument(
            "--unpublished-as",
            choices=[Publication.Status.DRAFT, Publication.Status.IN_REVIEW],
            default=Publication.Status.DRAFT,
            help="What drafts, pending and private posts become (default: draft).",
        )
        parser.add_argument(
            "--utc-offset",
            help="The site's offset from UTC, e.g. +05:00, for drafts exported without a GMT date "
            "(default: inferred from posts that have both dates, else UTC).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        export: Path = options["export"]
        if not export.is_file():
            raise CommandError(f"No export file at {export}.")
        media_dir: Path | None = options["media_dir"]
        if media_dir is not None and not media_dir.is_dir():
            raise CommandError(f"--media-dir {media_dir} is not a directory.")
        import_options = ImportOptions(
            media_dir=media_dir.resolve() if media_dir else None,
            post_types=_post_types(options["post_type"]),
            unpublished_status=options["unpublished_as"],
            overwrite=options["overwrite"],
            utc_offset=_offset(options["utc_offset"]),
        )
        try:
            report = import_wordpress(
                export, import_options, dry_run=options["dry_run"], progress=self._progress
            )
        except WordPressImportError as error:
            raise CommandError(f"{error} Nothing was imported.") from error
        self._print(report, dry_run=options["dry_run"], verbosity=options["verbosity"])

    def _progress(self, done: int, total: int) -> None:
        if total < PROGRESS_FROM:
            return
        step = max(total // 100, 1)
        if done % step and done != total:
            return
        filled = 30 * done // total
        # Plain stderr: a carriage return redraws the line; the last one ends it.
        ending = "\n" if done == total else ""
        self.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} pieces", ending=ending)
        self.stderr.flush()

    def _print(self, report: ImportReport, *, dry_run: bool, verbosity: int) -> None:
        write = self.stdout.write
        if dry_run or verbosity > 1:
            for line in report.lines:
                write(("would have " if dry_run else "") + line)
        for note in report.notes:
            write(f"note: {note}")
        for line in report.not_ready:
            write(f"live on WordPress, imported live, fails the pre-publish check: {line}")
        if report.kept_urls:
            write(f"Image addresses kept as they were ({len(report.kept_urls)}):")
            for url in report.kept_urls:
                write(f"  {url}")
        if report.removed_shortcodes:
            names = ", ".join(
                f"[{name}] ({count})" for name, count in sorted(report.removed_shortcodes.items())
            )
            write(f"Shortcodes removed: {names}")
        prefix = "Dry run, nothing saved. Would have: " if dry_run else "Imported: "
        write(
            prefix
            + "; ".join(
                f"{label} {_counts(counter)}"
                for label, counter in (
                    ("created", report.created),
                    ("updated", report.updated),
                    ("unchanged", report.unchanged),
                    ("kept editor's changes", report.kept),
                    ("skipped", report.skipped),
                )
            )
            + "."
        )


def _counts(counter: dict[str, int]) -> str:
    return ", ".join(f"{count} {kind}" for kind, count in sorted(counter.items())) or "0"


def _post_types(values: list[str] | None) -> dict[str, str]:
    if not values:
        return {"post": Publication.Type.COMMENTARY}
    mapping = {}
    for value in values:
        wp_type, _, kind = value.partition("=")
        if not wp_type or kind not in Publication.Type.values:
            raise CommandError(
                f"--post-type {value!r}: say WP_TYPE=TYPE, TYPE one of {', '.join(Publication.Type.values)}."
            )
        mapping[wp_type] = kind
    return mapping


def _offset(value: str | None) -> dt.timedelta | None:
    if value is None:
        return None
    match = _OFFSET.match(value.strip())
    if match is None:
        raise CommandError(f"--utc-offset {value!r}: say it as +05:00 or -0330.")
    sign, hours, minutes = match.groups()
    offset = dt.timedelta(hours=int(hours), minutes=int(minutes))
    return -offset if sign == "-" else offset
