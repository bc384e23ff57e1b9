"""Our own static files, held in memory with a content hash and a gzip copy.

URLs carry the hash (`/static/css/app.css?v=1a2b3c4d5e`), so a file can be cached for a year and
a new release still reaches every phone at once. The set is small (our CSS, our JS, htmx), so
reading it once at start-up costs little and serves each request without touching the disk.
Our own scripts and stylesheet are served without their comments and spare whitespace (rjsmin,
rcssmin: they only remove, never rename): the comments are for whoever reads the code here, and
a phone would pay for them on every first visit and every release (about 3 KB gzipped). Vendored
files (`vendor/`) are served exactly as they came.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

import rcssmin
import rjsmin
from starlette.requests import Request
from starlette.responses import Response

STATIC_DIR = Path(__file__).parent / "static"
COMPRESSIBLE = ("text/", "application/javascript", "image/svg+xml", "application/json")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=0, must-revalidate"


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    media_type: str
    digest: str

    @property
    def etag(self) -> str:
        return f'"{self.digest}"'


class StaticAssets:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.assets: dict[str, Asset] = {}
        for path in sorted(directory.rglob("*")):
            if path.is_file() and not path.name.startswith(".") and path.suffix != ".md":
                name = path.relative_to(directory).as_posix()
                self.assets[name] = _load(path, minify=not name.startswith("vendor/"))

    def url(self, name: str) -> str:
        asset = self.assets.get(name)
        if asset is None:
            raise KeyError(f"no static file {name!r} under {self.directory}")
        return f"/static/{name}?v={asset.digest}"

    def respond(self, request: Request, name: str) -> Response:
        asset = self.assets.get(name)
        if asset is None:
            return Response(status_code=404)
        versioned = request.query_params.get("v") == asset.digest
        headers = {
            "ETag": asset.etag,
            "Cache-Control": IMMUTABLE if versioned else REVALIDATE,
            "Vary": "Accept-Encoding",
        }
        if request.headers.get("if-none-match") == asset.etag:
            return Response(status_code=304, headers=headers)
        body = asset.body
        if asset.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
            body = asset.gzipped
            headers["Content-Encoding"] = "gzip"
        return Response(body, media_type=asset.media_type, headers=headers)


def _load(path: Path, *, minify: bool) -> Asset:
    body = path.read_bytes()
    if minify:
        body = _minified(path.suffix, body)
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if media_type == "text/javascript":
        media_type = "application/javascript"
    gzipped = None
    if media_type.startswith(COMPRESSIBLE) and len(body) > 256:
        gzipped = gzip.compress(body, compresslevel=9, mtime=0)
    digest = hashlib.sha256(body).hexdigest()[:12]
    if media_type.startswith("text/") or media_type == "application/javascript":
        media_type += "; charset=utf-8"
    return Asset(body=body, gzipped=gzipped, media_type=media_type, digest=digest)


def _minified(suffix: str, body: bytes) -> bytes:
    """A script or stylesheet without comments and spare whitespace (a `/*! ... */` comment stays)."""
    if suffix == ".js":
        return bytes(rjsmin.jsmin(body, keep_bang_comments=True))
    if suffix == ".css":
        return bytes(rcssmin.cssmin(body, keep_bang_comments=True))
    return body
