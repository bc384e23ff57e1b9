"""Course media (images and PDFs used by lessons), served from <data dir>/media under their SHA-256.

Here rather than in app.courses because who may see a file depends on authoring: the media of a course
that is not published yet is seen by its staff only (issue 23); files from courses/ (reviewed in the
repository) and the media of a published course are public. A PDF is always a download, sandboxed."""

from __future__ import annotations

import re

from fastapi import Depends, Request
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session

from app.authoring import service as authoring
from app.courses import media_store
from app.courses.content import MEDIA_EXTENSIONS
from app.db import get_session
from app.errors import NotFound
from app.routing import Router
from app.web.access import current_principal

router = Router(include_in_schema=False)

MEDIA_NAME = re.compile(r"^([0-9a-f]{64})(\.(?:png|jpg|gif|webp|pdf))$")
CONTENT_TYPES = {extension: content_type for content_type, extension in MEDIA_EXTENSIONS.items()}
PUBLIC = "public, max-age=31536000, immutable"


@router.api_route("/media/{name}", methods=["GET", "HEAD"], name="media", include_in_schema=False)
def media(request: Request, name: str, session: Session = Depends(get_session)) -> Response:
    match = MEDIA_NAME.match(name)
    if not match:
        raise NotFound()
    folder = request.app.state.settings.data_dir / "media"
    path = folder / name
    if not path.is_file():
        media_store.fetch(session, folder, [name])  # uploaded on another host (ACADEMY_MEDIA_STORE)
        if not path.is_file():
            raise NotFound()
    public = authoring.media_is_public(session, current_principal(request), sha256=match.group(1))
    headers = {
        "Cache-Control": PUBLIC if public else "private, no-store",
        "X-Content-Type-Options": "nosniff",
    }
    if match.group(2) == ".pdf":
        # Never shown inside our pages: a download, and sandboxed should a browser open it all the same.
        headers["Content-Disposition"] = f'attachment; filename="{match.group(1)[:12]}.pdf"'
        headers["Content-Security-Policy"] = "sandbox"
    return FileResponse(path, media_type=CONTENT_TYPES[match.group(2)], headers=headers)
