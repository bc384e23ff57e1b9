"""Uploads made clean before anyone else sees them (issue 23).

An image is decoded and encoded again by Pillow: what is kept is the picture, turned the way its camera
meant and no larger than MAX_SIDE; its EXIF (with a phone's GPS position and serial numbers), XMP, ICC
comments and text chunks are not. A PDF that carries JavaScript, or an action that starts a program or
opens a file, is refused: PDF readers run both.
"""

from __future__ import annotations

import io
import re
import zlib

from app.authoring.exceptions import UnsafePdf, UploadRefused

MAX_SIDE = 1600  # pixels: enough for a phone screen at twice its density, a fraction of a camera's
MAX_PIXELS = 40_000_000  # a "decompression bomb" is refused before it is decoded
FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}

# What a PDF reader runs: scripts, and actions that launch programs, submit forms, or import data.
_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|SubmitForm|ImportData|RichMedia|XFA|EmbeddedFiles|GoToR)\b")
# What would hide those names from this check: a name written with #-escapes (/J#61vaScript), an
# encrypted file, or a filter other than Deflate (FlateDecode), whose streams this check cannot read.
# Refused as well.
_HIDING = re.compile(
    rb"/[A-Za-z0-9]*#[0-9A-Fa-f]{2}|/Encrypt\b|/(ASCII85Decode|ASCIIHexDecode|LZWDecode|RunLengthDecode|A85|AHx|LZW|RL)\b"
)


def clean_image(data: bytes, content_type: str) -> bytes:
    """The picture alone, encoded afresh in its own format (UploadRefused when it does not decode)."""
    from PIL import Image, ImageOps  # here, not at start: only an upload needs Pillow

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as opened:
            width, height = opened.size  # known from the header: refuse before decoding a bomb
            if width * height > MAX_PIXELS:
                raise UploadRefused()
            if opened.format == "JPEG":
                opened.draft("RGB", (MAX_SIDE * 2, MAX_SIDE * 2))  # decode a large photo at a smaller scale
            opened.load()
            picture = ImageOps.exif_transpose(opened) or opened
            picture.thumbnail((MAX_SIDE, MAX_SIDE))
            fmt = FORMATS[content_type]
            if fmt == "JPEG" and picture.mode not in ("RGB", "L"):
                picture = picture.convert("RGB")
            clean = picture.copy()  # a new image: no info, no EXIF, no comment travels with it
            clean.info = {}
            out = io.BytesIO()
            options: dict[str, object] = {"optimize": True}
            if fmt == "JPEG":
                options["quality"] = 85
            clean.save(out, format=fmt, **options)
    except UploadRefused:
        raise
    except Exception:  # a broken or hostile file: whatever the decoder raises, it is refused
        raise UploadRefused() from None
    return out.getvalue()


def check_pdf(data: bytes) -> None:
    """Refuse a PDF with scripts or launch actions, in its plain objects or in its compressed streams."""
    if _ACTIVE.search(data) or _HIDING.search(data):
        raise UnsafePdf()
    start = data.find(b"stream")
    while start != -1:  # each stream's bytes, found with find() (no backtracking on a hostile file)
        begin = data.find(b"\n", start) + 1
        end = data.find(b"endstream", begin)
        if begin == 0 or end == -1:
            break
        try:
            inflated = zlib.decompressobj().decompress(data[begin:end], 8 * 1024 * 1024)
        except zlib.error:
            inflated = b""
        if _ACTIVE.search(inflated) or _HIDING.search(inflated):
            raise UnsafePdf()
        start = data.find(b"stream", end + len(b"endstream"))
