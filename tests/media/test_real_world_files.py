"""Files as editors get them (phones, cameras, designers), through the admin's upload, the worker and the
public JSON and HTML: each is built here with Pillow, byte for byte what such a device writes where it
matters."""

from __future__ import annotations

import struct
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage
from PIL import ImageCms

from media.models import Image
from media.tasks import make_renditions
from tests.factories import ImageFactory, PublicationFactory

pytestmark = pytest.mark.django_db

ORIENTATION, ARTIST, MAKE, MODEL, GPS_IFD, EXIF_IFD, BODY_SERIAL = (
    0x0112,
    0x013B,
    0x010F,
    0x0110,
    0x8825,
    0x8769,
    0xA431,
)
GPS = {1: "N", 2: (33.0, 41.0, 12.5), 3: "E", 4: (73.0, 2.0, 51.1)}
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>Amna Qureshi</dc:creator></x:xmpmeta>'


@pytest.fixture(autouse=True)
def _roomy_uploads(settings):
    settings.MAX_IMAGE_UPLOAD_BYTES = 20 * 1024 * 1024
    settings.MEDIA_RENDITION_WIDTHS = [320, 640, 1024, 1600]


def saved(image: PILImage.Image, image_format: str, **options) -> bytes:
    buffer = BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def display_p3() -> bytes:
    """A Display P3 profile, as iPhones embed: lcms' sRGB with P3's primaries (D50-adapted, as in Apple's)."""
    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    (count,) = struct.unpack(">I", profile[128:132])
    primaries = {
        b"rXYZ": (0.5151, 0.2412, -0.0011),
        b"gXYZ": (0.2920, 0.6922, 0.0419),
        b"bXYZ": (0.1571, 0.0666, 0.7841),
    }
    for entry in range(count):
        signature, offset, _ = struct.unpack(">4sII", profile[132 + 12 * entry : 144 + 12 * entry])
        if signature in primaries:
            values = [round(value * 65536) for value in primaries[signature]]
            profile[offset + 8 : offset + 20] = struct.pack(">iii", *values)
    return bytes(profile)


def phone_photo(*, orientation: int = 6, icc_profile: bytes | None = None) -> bytes:
    """A phone's JPEG: sensor-shaped 4000 x 3000 pixels turned by EXIF, GPS, maker, serial and artist,
    XMP, a Photoshop IPTC block, a comment, and an MPF secondary image after the end (a depth map)."""
    exif = PILImage.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE], exif[MODEL], exif[ARTIST] = "Apple", "iPhone 15 Pro", "Amna Qureshi"
    exif[GPS_IFD] = GPS
    exif.get_ifd(EXIF_IFD)[BODY_SERIAL] = "F17ZX0PQN70F"
    pixels = PILImage.new("RGB", (4000, 3000), (200, 60, 40))
    data = saved(pixels, "JPEG", exif=exif, xmp=XMP, icc_profile=icc_profile, quality=90, comment=b"Lahore")
    iptc = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x0c\x1c\x02P\x00\x07Qureshi\x00"
    app13 = b"\xff\xed" + struct.pack(">H", len(iptc) + 2) + iptc
    depth_map = saved(PILImage.new("L", (40, 30)), "JPEG", exif=exif)
    return data[:2] + app13 + data[2:] + depth_map


def upload(client, name: str, content: bytes, **fields):
    data = {"alt": "A photo", "caption": "", "credit": "", "focal_x": "0.5", "focal_y": "0.5", **fields}
    return client.post(reverse("admin:media_image_add"), {**data, "file": SimpleUploadedFile(name, content)})


def files_under(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


# --- A phone photo: turned by EXIF, full of private metadata ------------------------------------------------


def test_a_phone_photo_turned_by_exif_is_measured_as_displayed_in_the_library_api_and_page(
    editor_client, client, settings, _media_root
):
    settings.API_CACHE = False
    response = upload(editor_client, "IMG_0042.jpg", phone_photo(orientation=6))
    assert response.status_code == 302
    image = Image.objects.get()
    make_renditions(image_id=image.pk)
    image.refresh_from_db()
    piece = PublicationFactory(published=True, lead_image=image)

    # Stored 4000 x 3000, displayed (browsers turn it by its orientation) 3000 x 4000: portrait.
    assert (image.width, image.height) == (3000, 4000)
    assert [(r["width"], r["height"]) for r in image.renditions if r["format"] == "jpeg"] == [
        (320, 427),
        (640, 853),
        (1024, 1365),
        (1600, 2133),
    ]
    document = client.get(reverse("v1:publication-detail", kwargs={"slug": piece.slug})).json()["image"]
    assert (document["width"], document["height"]) == (3000, 4000)
    page = client.get(f"/publications/{piece.slug}/").content.decode()
    assert 'width="3000" height="4000"' in page
    assert f"{document['url']} 3000w" in page


def test_a_phone_photo_is_stored_without_location_camera_or_names_its_pixels_and_colours_untouched(
    editor_client, _media_root
):
    p3 = display_p3()
    sent = phone_photo(orientation=6, icc_profile=p3)

    upload(editor_client, "IMG_0042.jpg", sent)

    image = Image.objects.get()
    stored = (_media_root / image.file.name).read_bytes()
    with PILImage.open(BytesIO(stored)) as kept:
        exif = kept.getexif()
        assert dict(exif) == {ORIENTATION: 6}
        assert exif.get_ifd(GPS_IFD) == {} and exif.get_ifd(EXIF_IFD) == {}
        assert kept.info.get("icc_profile") == p3
        assert "xmp" not in kept.info and "comment" not in kept.info and "mp" not in kept.info
        kept_pixels = kept.tobytes()
    for private in (b"Amna Qureshi", b"Qureshi", b"F17ZX0PQN70F", b"iPhone", b"Lahore", b"MPF"):
        assert private not in stored
    # Lossless: the same entropy-coded data, so the very same pixels, and nothing appended after the end.
    with PILImage.open(BytesIO(sent)) as original:
        assert original.tobytes() == kept_pixels
    assert stored.endswith(b"\xff\xd9") and stored.count(b"\xff\xd8") == 1


@pytest.mark.parametrize(
    ("mode", "options"),
    [
        ("RGB", {"progressive": True, "restart_marker_blocks": 4}),
        ("CMYK", {}),  # a designer's: its Adobe marker says how the inks are stored
        ("L", {"optimize": True}),
    ],
    ids=["progressive-with-restarts", "cmyk", "greyscale-optimized"],
)
def test_the_metadata_of_every_kind_of_jpeg_goes_and_its_pixels_stay(
    editor_client, _media_root, mode, options
):
    exif = PILImage.Exif()
    exif[GPS_IFD] = GPS
    pixels = PILImage.effect_noise((640, 480), 60).convert(mode)
    sent = saved(pixels, "JPEG", exif=exif, xmp=XMP, **options)

    upload(editor_client, "design.jpg", sent)

    stored = (_media_root / Image.objects.get().file.name).read_bytes()
    with PILImage.open(BytesIO(stored)) as kept, PILImage.open(BytesIO(sent)) as original:
        assert kept.getexif().get_ifd(GPS_IFD) == {} and "xmp" not in kept.info
        assert kept.mode == mode and kept.info.get("adobe") == original.info.get("adobe")
        assert kept.tobytes() == original.tobytes()


@pytest.mark.parametrize("image_format", ["PNG", "WEBP"])
def test_exif_and_text_are_removed_from_a_png_or_webp(editor_client, _media_root, image_format):
    exif = PILImage.Exif()
    exif[GPS_IFD] = GPS
    exif[ARTIST] = "Amna Qureshi"
    options: dict = {"exif": exif, "xmp": XMP}
    if image_format == "PNG":
        from PIL.PngImagePlugin import PngInfo

        options["pnginfo"] = PngInfo()
        options["pnginfo"].add_text("Author", "Amna Qureshi")
    sent = saved(
        PILImage.new("RGBA", (800, 600), (20, 120, 200, 128)), image_format, lossless=True, **options
    )

    upload(editor_client, f"chart.{image_format.lower()}", sent)

    stored = (_media_root / Image.objects.get().file.name).read_bytes()
    assert b"Qureshi" not in stored
    with PILImage.open(BytesIO(stored)) as kept, PILImage.open(BytesIO(sent)) as original:
        assert dict(kept.getexif()) == {} and kept.getexif().get_ifd(GPS_IFD) == {}
        assert kept.tobytes() == original.tobytes()


def test_a_png_turned_by_exif_is_stored_upright(editor_client, _media_root):
    exif = PILImage.Exif()
    exif[ORIENTATION] = 8
    pixels = PILImage.new("RGB", (400, 300), (20, 120, 200))
    pixels.paste((230, 40, 40), (0, 0, 40, 30))

    upload(editor_client, "scan.png", saved(pixels, "PNG", exif=exif))

    image = Image.objects.get()
    with PILImage.open(_media_root / image.file.name) as kept:
        assert kept.size == (300, 400) == (image.width, image.height)
        assert ORIENTATION not in kept.getexif()
        # Orientation 8 turns a quarter anticlockwise to display: the top left corner goes to bottom left.
        assert kept.getpixel((5, 395)) == (230, 40, 40)


def test_a_webp_turned_by_exif_with_a_damaged_tag_is_still_stored_upright(editor_client, _media_root):
    # Orientation 6, and XPosition (a rational) written as text by some editing tool.
    entries = struct.pack(">HHII", ORIENTATION, 3, 1, 6 << 16) + struct.pack(
        ">HHI4s", 0x011E, 2, 2, b"A\0\0\0"
    )
    tiff = b"MM\x00*" + struct.pack(">IH", 8, 2) + entries + struct.pack(">I", 0)
    sent = saved(PILImage.new("RGB", (400, 300), (20, 120, 200)), "WEBP", exif=b"Exif\x00\x00" + tiff)

    response = upload(editor_client, "scan.webp", sent)

    assert response.status_code == 302
    image = Image.objects.get()
    with PILImage.open(_media_root / image.file.name) as kept:
        assert kept.size == (300, 400) == (image.width, image.height)
        assert dict(kept.getexif()) == {}


# --- Formats and damaged files ------------------------------------------------------------------------------


def test_an_image_whose_extension_lies_is_stored_under_its_real_format(editor_client, _media_root):
    upload(editor_client, "chart.png", saved(PILImage.new("RGB", (800, 600)), "JPEG"))

    image = Image.objects.get()
    assert image.file.name.endswith("/chart.jpg")
    make_renditions(image_id=image.pk)
    image.refresh_from_db()
    assert {r["format"] for r in image.renditions} == {"jpeg", "webp"}


HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'
ACCEPTED = "Upload it as JPEG, PNG, GIF or WebP."


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("IMG_0042.heic", HEIC, "This is a HEIC photo (an iPhone's own format)"),
        ("IMG_0042.HEIC.jpg", HEIC, "This is a HEIC photo (an iPhone's own format)"),
        ("logo.svg", SVG, "Upload a JPEG, PNG, GIF or WebP image"),
        ("scan.tif", saved(PILImage.new("RGB", (80, 60)), "TIFF"), "TIFF format, which not every browser"),
        ("photo.avif", saved(PILImage.new("RGB", (80, 60)), "AVIF"), "AVIF format"),
        ("cover.psd.bmp", saved(PILImage.new("RGB", (80, 60)), "BMP"), "BMP format"),
        (
            "IMG_0043.jpg",
            saved(PILImage.new("RGB", (1200, 800), "red"), "JPEG")[:-2000],
            "damaged or incomplete",
        ),
    ],
    ids=["heic", "heic-named-jpg", "svg", "tiff", "avif", "bmp", "truncated-jpeg"],
)
def test_a_file_the_library_does_not_serve_is_a_form_error_naming_the_formats_and_nothing_is_stored(
    editor_client, _media_root, name, content, error
):
    response = upload(editor_client, name, content)

    assert response.status_code == 200
    (message,) = response.context["adminform"].form.errors["file"]
    assert error in message
    assert "JPEG, PNG, GIF or WebP" in message or "damaged" in message
    assert not Image.objects.exists() and files_under(_media_root) == []


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_an_image_over_pillows_pixel_limit_is_refused_before_it_is_decoded(editor_client, monkeypatch):
    # Pillow raises only past twice its limit, on opening, before the size can be told.
    monkeypatch.setattr(PILImage, "MAX_IMAGE_PIXELS", 500)

    response = upload(editor_client, "scan.png", saved(PILImage.new("L", (40, 30)), "PNG"))

    assert response.context["adminform"].form.errors["file"] == [
        "This image has too many pixels; the most allowed is 50 megapixels. Scale it down before uploading."
    ]
    assert not Image.objects.exists()


def test_the_upload_field_lists_the_accepted_formats_so_phones_send_jpeg(editor_client):
    html = editor_client.get(reverse("admin:media_image_add")).content.decode()

    assert 'accept="image/jpeg,image/png,image/gif,image/webp"' in html


# --- Colours, animation, odd shapes -------------------------------------------------------------------------


def as_displayed(image: PILImage.Image) -> PILImage.Image:
    """The pixels in sRGB, as a browser shows them: by the embedded profile, else taken to be sRGB."""
    image = image.convert("RGB")
    if profile := image.info.get("icc_profile"):
        srgb = ImageCms.createProfile("sRGB")
        return ImageCms.profileToProfile(image, ImageCms.ImageCmsProfile(BytesIO(profile)), srgb)
    return image


def test_renditions_of_a_display_p3_photo_keep_its_colours(editor_client, _media_root):
    upload(editor_client, "IMG_0044.jpg", phone_photo(orientation=1, icc_profile=display_p3()))
    image = Image.objects.get()

    make_renditions(image_id=image.pk)

    image.refresh_from_db()
    with PILImage.open(_media_root / image.file.name) as original:
        expected = as_displayed(original).getpixel((2000, 1500))
    assert expected[0] - 200 > 10  # P3's red is a redder red than sRGB's: not the numbers as stored
    for path in [image.thumbnail, *(r["path"] for r in image.renditions)]:
        with PILImage.open(_media_root / path) as rendition:
            shown = as_displayed(rendition).getpixel((rendition.width // 2, rendition.height // 2))
            assert max(abs(a - b) for a, b in zip(shown, expected, strict=True)) <= 3, path


@pytest.mark.parametrize("image_format", ["GIF", "WEBP"])
def test_an_animated_image_is_served_whole_without_still_renditions(editor_client, client, image_format):
    frames = [PILImage.new("RGB", (1200, 800), colour) for colour in ("red", "green", "blue")]
    animation = saved(frames[0], image_format, save_all=True, append_images=frames[1:], duration=200, loop=0)
    upload(editor_client, f"chart.{image_format.lower()}", animation, alt="A chart")
    image = Image.objects.get()

    make_renditions(image_id=image.pk)

    image.refresh_from_db()
    assert image.renditions == [] and image.thumbnail and image.rendition_error == ""
    listing = editor_client.get(reverse("admin:media_image_changelist")).content.decode()
    assert "in progress" not in listing


@pytest.mark.parametrize(
    ("name", "pixels", "widths"),
    [
        ("dot.png", PILImage.new("RGB", (1, 1), "red"), []),
        ("panorama.jpg", PILImage.new("RGB", (20000, 500), "red"), [320, 640, 1024, 1600]),
        ("cmyk.jpg", PILImage.new("CMYK", (1200, 800), (0, 255, 255, 0)), [320, 640, 1024]),
        ("depth.png", PILImage.new("I;16", (800, 600), 40000), [320, 640]),
        ("grey-alpha.png", PILImage.new("LA", (800, 600), (90, 128)), [320, 640]),
    ],
    ids=["1x1", "panorama", "cmyk", "16-bit", "grey-alpha"],
)
def test_odd_images_get_renditions_of_their_shape_and_colour(
    editor_client, _media_root, name, pixels, widths
):
    image_format = "JPEG" if name.endswith(".jpg") else "PNG"
    upload(editor_client, name, saved(pixels, image_format))
    image = Image.objects.get()

    make_renditions(image_id=image.pk)

    image.refresh_from_db()
    assert sorted({r["width"] for r in image.renditions}) == widths and image.thumbnail
    expected = as_displayed(pixels if pixels.mode != "I;16" else pixels.point(lambda v: v / 256).convert("L"))
    for rendition in image.renditions:
        assert rendition["height"] == max(1, round(rendition["width"] * image.height / image.width))
        with PILImage.open(_media_root / rendition["path"]) as made:
            shown = as_displayed(made).getpixel((made.width // 2, made.height // 2))
            wanted = expected.getpixel((0, 0))
            assert max(abs(a - b) for a, b in zip(shown, wanted, strict=True)) <= 8, rendition


def test_a_tall_infographic_gets_the_renditions_its_formats_can_hold(editor_client, settings):
    settings.MEDIA_RENDITION_WIDTHS = [320, 640]
    upload(editor_client, "infographic.png", saved(PILImage.new("L", (700, 30000), 200), "PNG"))
    image = Image.objects.get()

    make_renditions(image_id=image.pk)

    image.refresh_from_db()
    # At 640 px wide it is 27,429 px tall: more than WebP holds (16,383), so that one is PNG only.
    assert [(r["width"], r["height"], r["format"]) for r in image.renditions] == [
        (320, 13714, "png"),
        (320, 13714, "webp"),
        (640, 27429, "png"),
    ]
    assert image.rendition_error == ""


# --- When the worker cannot make them -----------------------------------------------------------------------


def test_a_stored_file_the_worker_cannot_read_is_reported_in_the_admin_and_the_original_still_shown(
    editor_client, client, settings, _media_root
):
    settings.API_CACHE = False
    image = ImageFactory(file=ContentFile(saved(PILImage.new("RGB", (2000, 1000)), "JPEG"), name="map.jpg"))
    piece = PublicationFactory(published=True, lead_image=image)
    # Damaged in storage after it was checked (a disk error, a restore of half a file).
    stored = _media_root / image.file.name
    stored.write_bytes(stored.read_bytes()[:300])

    make_renditions(image_id=image.pk)  # ends: a retry would fail the same way

    image.refresh_from_db()
    assert image.renditions == [] and image.thumbnail == ""
    assert image.rendition_error
    listing = editor_client.get(reverse("admin:media_image_changelist")).content.decode()
    assert "failed" in listing and "in progress" not in listing
    change = editor_client.get(reverse("admin:media_image_change", args=[image.pk])).content.decode()
    assert "Could not be made" in change and "Upload the file again" in change
    document = client.get(reverse("v1:publication-detail", kwargs={"slug": piece.slug})).json()["image"]
    assert document["renditions"] == [] and document["url"].endswith(image.file.name)


# --- Images stored before uploads were cleaned --------------------------------------------------------------


def test_clean_image_originals_strips_and_measures_what_was_stored_before_and_leaves_what_it_would_refuse(
    _media_root,
):
    from io import StringIO

    from django.core.management import call_command

    from media.services import image_original_clean

    folder = _media_root / "images/2025"
    folder.mkdir(parents=True)
    (folder / "IMG_0042.jpg").write_bytes(phone_photo(orientation=6))
    (folder / "scan.tif").write_bytes(saved(PILImage.new("RGB", (80, 60)), "TIFF"))
    # As the library stored them before: the file as sent, its size as Pillow reads the header.
    photo = Image.objects.create(file="images/2025/IMG_0042.jpg", width=4000, height=3000, alt="A rally")
    Image.objects.create(file="images/2025/scan.tif", width=80, height=60, alt="A scan")
    out, err = StringIO(), StringIO()

    call_command("clean_image_originals", stdout=out, stderr=err)

    photo.refresh_from_db()
    assert (photo.width, photo.height) == (3000, 4000)
    assert photo.file.name == "images/2025/IMG_0042.jpg"
    with PILImage.open(folder / "IMG_0042.jpg") as kept:
        assert dict(kept.getexif()) == {ORIENTATION: 6} and kept.getexif().get_ifd(GPS_IFD) == {}
    assert out.getvalue() == "images/2025/IMG_0042.jpg\n"
    assert "images/2025/scan.tif left as it is: This image is in TIFF format" in err.getvalue()
    assert "1 image(s) cleaned; 1 left as they are." in err.getvalue()
    assert image_original_clean(image=photo) is False  # once is enough
