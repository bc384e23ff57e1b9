"""Course media: images and PDFs used by lessons, served from <data dir>/media under their SHA-256."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from app.courses.content import MEDIA_EXTENSIONS
from app.errors import NotFound
from app.routing import Route

router = APIRouter(include_in_schema=False, route_class=Route)

MEDIA_NAME = re.compile(r"^[0-9a-f]{64}(\.(?:png|jpg|gif|webp|pdf))$")
CONTENT_TYPES = {extension: content_type for content_type, extension in MEDIA_EXTENSIONS.items()}


@router.api_route("/media/{name}", methods=["GET", "HEAD"], name="media", include_in_schema=False)
def media(request: Request, name: str) -> Response:
    match = MEDIA_NAME.match(name)
    if not match:
        raise NotFound()
    path = request.app.state.settings.data_dir / "media" / name
    if not path.is_file():
        raise NotFound()
    headers = {"Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"}
    if match.group(1) == ".pdf":
        headers["Content-Disposition"] = "inline"
    return FileResponse(path, media_type=CONTENT_TYPES[match.group(1)], headers=headers)
