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

from PIL import Image, ImageOps, UnidentifiedImageError

from app.authoring.exceptions import UnsafePdf, UploadRefused

MAX_SIDE = 1600  # pixels: enough for a phone screen at twice its density, a fraction of a camera's
Image.MAX_IMAGE_PIXELS = 40_000_000  # a "decompression bomb" is refused, not decoded
FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}

# What a PDF reader runs: scripts, and actions that launch programs, submit forms, or import data.
_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|SubmitForm|ImportData|RichMedia|XFA)\b")
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)


def clean_image(data: bytes, content_type: str) -> bytes:
    """The picture alone, encoded afresh in its own format (UploadRefused when it does not decode)."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
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
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, KeyError):
        raise UploadRefused() from None
    return out.getvalue()


def check_pdf(data: bytes) -> None:
    """Refuse a PDF with scripts or launch actions, in its plain objects or in its compressed streams."""
    if _ACTIVE.search(data):
        raise UnsafePdf()
    for stream in _STREAM.finditer(data):
        try:
            inflated = zlib.decompressobj().decompress(stream.group(1), 4 * 1024 * 1024)
        except zlib.error:
            continue
        if _ACTIVE.search(inflated):
            raise UnsafePdf()
