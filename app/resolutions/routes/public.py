"""Published resolutions, for everyone and without signing in: the list, each resolution in the reader's
language with its items and their monitoring, and its files (PDF, DOCX, Markdown, JSON)."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.config import LOCALES
from app.db import get_session
from app.errors import NotFound
from app.i18n import N_, get_locale
from app.resolutions import drafting, exports, monitoring
from app.resolutions.access import text_in
from app.resolutions.models import Resolution, ResolutionItem
from app.resolutions.words import ADDRESSEE_LABELS, ITEM_STATUS_LABELS, THEME_LABELS
from app.routing import Route
from app.web.pages import render

router = APIRouter(prefix="/resolutions", include_in_schema=False, route_class=Route)

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
}


class ResolutionNotFound(NotFound):
    message = N_("We could not find a published resolution with this number.")


def published(session: Session, number: str) -> Resolution:
    resolution = session.scalars(
        sa.select(Resolution).where(Resolution.number == number[:20], Resolution.status == "published")
    ).one_or_none()
    if resolution is None:
        raise ResolutionNotFound()
    return resolution


@router.get("/", name="resolutions")
def resolution_list(request: Request, session: Session = Depends(get_session)) -> Response:
    rows = session.scalars(
        sa.select(Resolution).where(Resolution.status == "published").order_by(Resolution.adopted_on.desc())
    ).all()
    return render(request, "resolutions/public_list.html", {"resolutions": rows, "text_in": text_in})


@router.get("/{number}.{fmt}", name="resolution_export")
def resolution_export(
    request: Request, number: str, fmt: str, lang: str = "", session: Session = Depends(get_session)
) -> Response:
    if fmt not in MEDIA_TYPES:
        raise NotFound()
    resolution = published(session, number)
    locale = lang if lang in LOCALES else get_locale()
    base_url = request.app.state.settings.base_url
    body: bytes | str
    if fmt == "json":
        state = monitoring.public_state(session, drafting.items_of(session, resolution))
        body = exports.as_json(resolution, state, base_url=base_url)
    else:
        text = exports.in_language(resolution, locale, base_url=base_url)
        body = (
            exports.pdf(text)
            if fmt == "pdf"
            else exports.docx(text)
            if fmt == "docx"
            else exports.markdown(text)
        )
    name = f"resolution-{resolution.number}" + ("" if fmt == "json" else f"-{locale}") + f".{fmt}"
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "public, max-age=300",
    }
    return Response(body, media_type=MEDIA_TYPES[fmt], headers=headers)


@router.get("/{number}", name="resolution_public")
def resolution_public(request: Request, number: str, session: Session = Depends(get_session)) -> Response:
    resolution = published(session, number)
    items: list[ResolutionItem] = drafting.items_of(session, resolution)
    reaffirmed = {
        item.id: session.get(ResolutionItem, item.reaffirms_id)
        for item in items
        if item.reaffirms_id is not None
    }
    earlier = {
        item_id: session.get(Resolution, old.resolution_id)
        for item_id, old in reaffirmed.items()
        if old is not None
    }
    return render(
        request,
        "resolutions/public.html",
        {
            "resolution": resolution,
            "text": exports.in_language(
                resolution, get_locale(), base_url=request.app.state.settings.base_url
            ),
            "items": items,
            "trackers": monitoring.trackers_of(session, items),
            "updates": monitoring.updates_of(session, items),
            "reaffirmed": reaffirmed,
            "earlier": earlier,
            "contributors": drafting.contributors(session, resolution),
            "statuses": ITEM_STATUS_LABELS,
            "themes": THEME_LABELS,
            "addressees": ADDRESSEE_LABELS,
        },
    )
