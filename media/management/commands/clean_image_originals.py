"""`manage.py clean_image_originals [--dry-run]`: what every upload gets now, for images stored before.

Rewrites each library image's original in place without its private metadata (GPS, serial numbers,
names) and stores its size as displayed (a phone photo turned by EXIF); run it once after upgrading, then
purge `MEDIA_URL` from any cache in front (the files keep their addresses). Files the library would refuse
today (a TIFF, a damaged file) are listed and left as they are.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from media.models import Image
from media.services import image_original_clean


class Command(BaseCommand):
    help = "Remove private metadata from stored images and measure them as displayed (--dry-run lists them)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List the images; change nothing.")

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        changed = left = 0
        for image in Image.objects.exclude(file="").order_by("pk").iterator():
            try:
                if image_original_clean(image=image, dry_run=dry_run):
                    changed += 1
                    self.stdout.write(f"{image.file.name}")
            except ValidationError as error:
                left += 1
                self.stderr.write(f"{image.file.name} left as it is: {' '.join(error.messages)}")
        verb = "would be cleaned" if dry_run else "cleaned"
        self.stderr.write(f"{changed} image(s) {verb}; {left} left as they are.")
