"""Private metadata out of an uploaded original, without touching its pixels.

The original is public (the API's `url`, the site's srcset, feeds, sitemaps), and a phone photo's EXIF
says where it was taken (GPS), with which camera (serial numbers), by whom (artist, XMP and IPTC names).
What is kept is what changes how the image looks: its ICC colour profile (iPhones write Display P3; without
it colours shift), a JPEG's Adobe marker (how CMYK is stored) and its EXIF orientation (browsers turn the
pixels by it), re-written as an EXIF block holding that one tag.

The file is taken apart and put together again at the level of its container (JPEG segments, PNG chunks,
RIFF chunks of WebP): no pixel is decoded or encoded again, so nothing is lost. Data after the image's
end (an MPF secondary image: an iPhone's depth or HDR gain map, or anything appended) goes too.

GIF is left as it is: it has no EXIF, and cameras do not write it.
"""

from __future__ import annotations

import struct

from PIL import Image as PILImage

ORIENTATION = 0x0112

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Text (author, comment, XMP in iTXt), EXIF and the time of last change; every other chunk draws pixels.
_PNG_PRIVATE = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}
_WEBP_PRIVATE = {b"EXIF", b"XMP "}
# VP8X's flags byte: bit 3 says an EXIF chunk follows, bit 2 an XMP chunk.
_VP8X_EXIF_AND_XMP = 0x08 | 0x04


def strip_private_metadata(data: bytes, image_format: str, *, orientation: int = 1) -> bytes:
    """`data` (an image in `image_format`, as Pillow names it) without its private metadata.

    `orientation` is the EXIF orientation to keep in a JPEG (1, upright, writes none). Raises ValueError
    when the container is not well formed.
    """
    if image_format == "JPEG":
        return _jpeg(data, orientation)
    if image_format == "PNG":
        return _png(data)
    if image_format == "WEBP":
        return _webp(data)
    return data


def _jpeg(data: bytes, orientation: int) -> bytes:
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    kept = [b"\xff\xd8"]
    orientation_at = 1
    position = 2
    while True:
        marker, position = _jpeg_marker(data, position)
        if marker == 0xD9:  # end of image: whatever follows is not this image
            kept.append(b"\xff\xd9")
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # no length
            kept.append(bytes([0xFF, marker]))
            continue
        (length,) = struct.unpack(">H", data[position : position + 2])
        segment_end = position + length
        if length < 2 or segment_end > len(data):
            raise ValueError("a JPEG segment runs past the end of the file")
        segment = data[position - 2 : segment_end]
        payload = data[position + 2 : segment_end]
        if _jpeg_segment_kept(marker, payload):
            kept.append(segment)
            if marker == 0xE0 and len(kept) == 2:
                # JFIF's APP0 comes first; the EXIF block goes right after it.
                orientation_at = 2
        position = segment_end
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next marker
            scan_end = _jpeg_scan_end(data, position)
            kept.append(data[position:scan_end])
            position = scan_end
    if orientation != 1:
        exif = PILImage.Exif()
        exif[ORIENTATION] = orientation
        block = exif.tobytes()  # starts with "Exif\0\0", as APP1 wants
        kept.insert(orientation_at, b"\xff\xe1" + struct.pack(">H", len(block) + 2) + block)
    return b"".join(kept)


def _jpeg_marker(data: bytes, position: int) -> tuple[int, int]:
    """The marker at `position` (after any fill bytes) and where its segment's length starts."""
    if position >= len(data) or data[position] != 0xFF:
        raise ValueError("a JPEG marker was expected")
    while position < len(data) and data[position] == 0xFF:
        position += 1
    if position >= len(data):
        raise ValueError("the JPEG ends without its end marker")
    return data[position], position + 1


def _jpeg_scan_end(data: bytes, position: int) -> int:
    """Where the entropy-coded data starting at `position` ends: at the first 0xFF that starts a marker
    (0xFF00 is an escaped 0xFF and 0xFFD0-D7 are restart markers, both part of the data)."""
    while True:
        position = data.find(b"\xff", position)
        if position < 0 or position + 1 >= len(data):
            raise ValueError("the JPEG ends without its end marker")
        following = data[position + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            position += 2
            continue
        return position


def _jpeg_segment_kept(marker: int, payload: bytes) -> bool:
    if marker == 0xE0:
        return payload.startswith(b"JFIF\0")
    if marker == 0xE2:
        # ICC_PROFILE (possibly in several segments); MPF and FlashPix also use APP2.
        return payload.startswith(b"ICC_PROFILE\0")
    if marker == 0xEE:
        return payload.startswith(b"Adobe")
    # Other APPn (EXIF and XMP in APP1, Photoshop's IPTC in APP13, makers' notes) and comments.
    return not (0xE0 <= marker <= 0xEF or marker == 0xFE)


def _png(data: bytes) -> bytes:
    if not data.startswith(_PNG_SIGNATURE):
        raise ValueError("not a PNG")
    kept = [_PNG_SIGNATURE]
    position = len(_PNG_SIGNATURE)
    while True:
        if position + 8 > len(data):
            raise ValueError("the PNG ends without its IEND chunk")
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        chunk_end = position + 12 + length
        if chunk_end > len(data):
            raise ValueError("a PNG chunk runs past the end of the file")
        if kind not in _PNG_PRIVATE:
            kept.append(data[position:chunk_end])
        position = chunk_end
        if kind == b"IEND":
            return b"".join(kept)


def _webp(data: bytes) -> bytes:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ValueError("not a WebP")
    (riff_size,) = struct.unpack("<I", data[4:8])
    end = 8 + riff_size
    if end > len(data):
        raise ValueError("the WebP is shorter than its header says")
    kept = []
    position = 12
    while position + 8 <= end:
        kind, size = struct.unpack("<4sI", data[position : position + 8])
        chunk_end = position + 8 + size + (size & 1)  # chunks are padded to an even size
        if chunk_end > end:
            raise ValueError("a WebP chunk runs past the end of the file")
        chunk = data[position:chunk_end]
        if kind == b"VP8X":
            chunk = chunk[:8] + bytes([chunk[8] & ~_VP8X_EXIF_AND_XMP & 0xFF]) + chunk[9:]
        if kind not in _WEBP_PRIVATE:
            kept.append(chunk)
        position = chunk_end
    body = b"".join(kept)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body
