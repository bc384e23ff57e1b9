"""Published resolutions, for everyone and without signing in: the list, each resolution in the reader's
language with its items and their monitoring, and its files (PDF, DOCX, Markdown, JSON)."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.config import LOCALES
from app.db import get_session
from app.i18n import get_locale
from app.resolutions import published
from app.resolutions.access import text_in
from app.resolutions.words import ADDRESSEE_LABELS, ITEM_STATUS_LABELS, THEME_LABELS
from app.routing import Router
from app.web import state
from app.web.pages import render

router = Router(prefix="/resolutions", include_in_schema=False)


@router.get("/", name="resolutions")
def resolution_list(request: Request, session: Session = Depends(get_session)) -> Response:
    rows = published.published_list(session)
    return render(request, "resolutions/public_list.html", {"resolutions": rows, "text_in": text_in})


@router.get("/{number}.{fmt}", name="resolution_export")
def resolution_export(
    request: Request, number: str, fmt: str, lang: str = "", session: Session = Depends(get_session)
) -> Response:
    locale = lang if lang in LOCALES else get_locale()
    file = published.export(
        session, number=number, fmt=fmt, locale=locale, base_url=state.settings(request).base_url
    )
    headers = {
        "Content-Disposition": f'attachment; filename="{file.name}"',
        "Cache-Control": "public, max-age=300",
    }
    return Response(file.body, media_type=file.media_type, headers=headers)


@router.get("/{number}", name="resolution_public")
def resolution_public(request: Request, number: str, session: Session = Depends(get_session)) -> Response:
    page = published.public_page(
        session, number=number, locale=get_locale(), base_url=state.settings(request).base_url
    )
    return render(
        request,
        "resolutions/public.html",
        {
            "resolution": page.resolution,
            "text": page.text,
            "items": page.items,
            "trackers": page.trackers,
            "updates": page.updates,
            "reaffirmed_by": page.reaffirmed_by,
            "contributors": page.contributors,
            "statuses": ITEM_STATUS_LABELS,
            "themes": THEME_LABELS,
            "addressees": ADDRESSEE_LABELS,
        },
    )
