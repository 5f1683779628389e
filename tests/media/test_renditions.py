from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image as PILImage
from procrastinate.contrib.django.models import ProcrastinateJob

from media.models import Image
from media.services import image_create, image_delete, image_update
from media.tasks import make_renditions
from tests.factories import ImageFactory, image_bytes

pytestmark = pytest.mark.django_db


def files_under(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def test_an_upload_queues_its_renditions_in_the_worker_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        image = image_create(file=ContentFile(image_bytes(), name="launch.jpg"), alt="A rocket")

    job = ProcrastinateJob.objects.get(task_name="media.tasks.make_renditions")
    assert (job.queue_name, job.args) == ("media", {"image_id": image.pk})
    # Nothing was resized during the request itself.
    assert Image.objects.get().renditions == []
    assert (image.width, image.height) == (2000, 1000)


def test_the_worker_makes_each_width_in_the_original_format_and_webp(settings, _media_root):
    settings.MEDIA_RENDITION_WIDTHS = [320, 640, 1024, 1600]
    image = ImageFactory(file=ContentFile(image_bytes(2000, 1000), name="launch.jpg"))

    make_renditions(image_id=image.pk)

    image.refresh_from_db()
    assert [(r["width"], r["height"], r["format"]) for r in image.renditions] == [
        (320, 160, "jpeg"), (320, 160, "webp"),
        (640, 320, "jpeg"), (640, 320, "webp"),
        (1024, 512, "jpeg"), (1024, 512, "webp"),
        (1600, 800, "jpeg"), (1600, 800, "webp"),
    ]  # fmt: skip
    for rendition in image.renditions:
        with PILImage.open(_media_root / rendition["path"]) as stored:
            assert stored.size == (rendition["width"], rendition["height"])
            assert stored.format.lower() == rendition["format"]
    with PILImage.open(_media_root / image.thumbnail) as thumbnail:
        assert thumbnail.size == (240, 240)


def test_a_png_keeps_its_format_and_no_rendition_is_wider_than_the_original(settings):
    settings.MEDIA_RENDITION_WIDTHS = [320, 640, 1024]
    image = ImageFactory(file=ContentFile(image_bytes(800, 600, "PNG"), name="chart.png"))

    make_renditions(image_id=image.pk)

    image.refresh_from_db()
    assert [(r["width"], r["format"]) for r in image.renditions] == [
        (320, "png"),
        (320, "webp"),
        (640, "png"),
        (640, "webp"),
    ]


def test_the_thumbnail_crop_keeps_the_focal_point_in_view(_media_root):
    # Left half red, right half blue; the subject is on the right.
    source = PILImage.new("RGB", (2000, 1000), (255, 0, 0))
    source.paste((0, 0, 255), (1000, 0, 2000, 1000))
    buffer = BytesIO()
    source.save(buffer, format="PNG")
    right = ImageFactory(file=ContentFile(buffer.getvalue(), name="split.png"), focal_x=0.95)
    left = ImageFactory(file=ContentFile(buffer.getvalue(), name="split.png"), focal_x=0.05)

    make_renditions(image_id=right.pk)
    make_renditions(image_id=left.pk)

    right.refresh_from_db()
    left.refresh_from_db()
    with PILImage.open(_media_root / right.thumbnail) as crop:
        assert crop.convert("RGB").getpixel((120, 120))[2] > 200  # blue
    with PILImage.open(_media_root / left.thumbnail) as crop:
        assert crop.convert("RGB").getpixel((120, 120))[0] > 200  # red


def test_a_new_focal_point_replaces_the_renditions_and_their_files(
    _media_root, django_capture_on_commit_callbacks
):
    image = ImageFactory()
    make_renditions(image_id=image.pk)
    image.refresh_from_db()
    old = set(image.derived_paths())

    with django_capture_on_commit_callbacks(execute=True):
        image_update(image=image, focal_x=0.9)

    image.refresh_from_db()
    assert image.renditions == [] and image.thumbnail == ""
    assert files_under(_media_root) == {image.file.name}
    assert old and ProcrastinateJob.objects.filter(args={"image_id": image.pk}).exists()


def test_renditions_of_a_deleted_image_are_not_made():
    image = ImageFactory()
    image_id = image.pk
    image.delete()

    make_renditions(image_id=image_id)  # no error, nothing to do


def test_deleting_an_image_deletes_its_file_and_renditions_after_commit(
    _media_root, django_capture_on_commit_callbacks
):
    image = ImageFactory()
    make_renditions(image_id=image.pk)
    image.refresh_from_db()
    assert len(files_under(_media_root)) == 1 + 8 + 1

    with django_capture_on_commit_callbacks(execute=True):
        image_delete(image=image)

    assert files_under(_media_root) == set()


@pytest.mark.parametrize(
    "content",
    [b"%PDF-1.7 not pixels at all", b"", image_bytes()[:200]],
    ids=["a pdf named .jpg", "an empty file", "a truncated jpeg"],
)
def test_a_file_that_is_not_a_readable_image_is_refused_and_nothing_is_stored(content, _media_root):
    with pytest.raises(ValidationError) as refused:
        image_create(file=ContentFile(content, name="launch.jpg"), alt="A rocket")

    assert "file" in refused.value.message_dict
    assert not Image.objects.exists()
    assert not ProcrastinateJob.objects.exists()


# A PostScript program with the header Pillow's EPS reader looks for: Pillow hands such a file to Ghostscript.
POSTSCRIPT = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n%%EndComments\n(/etc/passwd) (r) file pop\n"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("drawing.eps", POSTSCRIPT),
        ("scan.tif", image_bytes(20, 10, "TIFF")),
        ("chart.bmp", image_bytes(20, 10, "BMP")),
    ],
    ids=["postscript", "a tiff", "a bmp"],
)
def test_an_image_of_a_format_the_site_does_not_show_is_refused(name, content, _media_root):
    with pytest.raises(ValidationError) as refused:
        image_create(file=ContentFile(content, name=name), alt="A rocket")

    assert "Upload it as JPEG, PNG, GIF or WebP" in refused.value.message_dict["file"][0]
    assert not Image.objects.exists()
    assert files_under(_media_root) == set()


@pytest.mark.parametrize(
    ("image_format", "name"), [("JPEG", "a.jpeg"), ("PNG", "a.PNG"), ("WEBP", "a.webp"), ("GIF", "a.gif")]
)
def test_jpeg_png_webp_and_gif_images_are_taken(image_format, name):
    image = image_create(file=ContentFile(image_bytes(20, 10, image_format), name=name), alt="A rocket")

    assert (image.width, image.height) == (20, 10)


def test_an_image_of_more_pixels_than_the_worker_may_decode_is_refused(settings, _media_root):
    settings.MAX_IMAGE_PIXELS = 200 * 100

    with pytest.raises(ValidationError) as refused:
        image_create(file=ContentFile(image_bytes(201, 100, "PNG"), name="wide.png"), alt="A chart")

    assert refused.value.message_dict["file"] == [
        "This image is 201 x 100 pixels; the most allowed is 0.02 megapixels. Scale it down before uploading."
    ]
    assert not Image.objects.exists() and files_under(_media_root) == set()
    assert image_create(file=ContentFile(image_bytes(200, 100, "PNG"), name="fits.png"), alt="A chart")


def test_an_image_is_stored_at_an_address_no_one_can_guess_from_its_name(settings, _media_root):
    # Served as soon as it is stored, while the piece it was uploaded for may be a draft under embargo.
    settings.MEDIA_RENDITION_WIDTHS = [320]
    first, second = (
        image_create(file=ContentFile(image_bytes(), name="report-cover.jpg"), alt="A cover")
        for _ in range(2)
    )
    make_renditions(image_id=first.pk)
    first.refresh_from_db()

    year = f"{timezone.now():%Y}"
    directories = []
    for image in (first, second):
        directory, _, filename = image.file.name.rpartition("/")
        assert filename == "report-cover.jpg"
        assert directory.startswith(f"images/{year}/") and len(directory) >= len(f"images/{year}/") + 16
        directories.append(directory)
    assert directories[0] != directories[1]
    # Renditions and the thumbnail go under the same random folder.
    random_folder = directories[0].removeprefix("images/")
    assert all(path.startswith(f"renditions/{random_folder}/") for path in first.derived_paths())
