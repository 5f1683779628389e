from __future__ import annotations

import io

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from media.tasks import make_renditions
from tests.factories import ImageFactory, PublicationFactory

pytestmark = pytest.mark.django_db


def clean(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("clean_media", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().split()


def test_clean_media_finds_and_removes_only_orphan_files(_media_root):
    image = ImageFactory()
    make_renditions(image_id=image.pk)
    image.refresh_from_db()
    piece = PublicationFactory()
    type(piece).objects.filter(pk=piece.pk).update(
        pdf=default_storage.save("publications/pdf/a.pdf", ContentFile(b"%PDF-"))
    )
    orphan = default_storage.save("images/2026/left-behind.jpg", ContentFile(b"x"))
    kept = {image.file.name, *image.derived_paths(), "publications/pdf/a.pdf"}

    with time_machine.travel(timezone.now() + timezone.timedelta(hours=2)):
        listed = clean("--dry-run")
        assert listed == [orphan] and (_media_root / orphan).exists()
        assert clean() == [orphan]

    assert not (_media_root / orphan).exists()
    assert all((_media_root / path).exists() for path in kept)


def test_clean_media_keeps_a_fresh_upload_whose_row_may_not_be_committed_yet(_media_root):
    default_storage.save("images/2026/just-uploaded.jpg", ContentFile(b"x"))

    assert clean() == []
