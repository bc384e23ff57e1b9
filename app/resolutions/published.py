"""Published resolutions, for everyone and without signing in: the list, each resolution in the reader's
language with its items, their monitoring and what they reaffirm (and, on an earlier resolution, which
later published items reaffirm its items), and its files (PDF, DOCX, Markdown, JSON, made by
exports.py)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.resolutions import drafting, exports, monitoring
from app.resolutions.exceptions import ResolutionNotFound
from app.resolutions.models import ImplementationUpdate, ItemTracker, Resolution, ResolutionItem

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
}


def published(session: Session, number: str) -> Resolution:
    resolution = session.scalars(
        sa.select(Resolution).where(Resolution.number == number[:20], Resolution.status == "published")
    ).one_or_none()
    if resolution is None:
        raise ResolutionNotFound()
    return resolution


def published_list(session: Session) -> list[Resolution]:
    """Every published resolution, the most recently adopted first."""
    return list(
        session.scalars(
            sa.select(Resolution)
            .where(Resolution.status == "published")
            .order_by(Resolution.adopted_on.desc())
        )
    )


@dataclass(frozen=True)
class PublicPage:
    resolution: Resolution
    text: exports.Text  # in the reader's language
    items: list[ResolutionItem]
    trackers: dict[int, ItemTracker]
    updates: dict[int, list[ImplementationUpdate]]
    reaffirmed_by: dict[int, list[monitoring.Reaffirmation]]  # item id -> later published items
    contributors: drafting.Contributors


def reaffirms(session: Session, items: list[ResolutionItem]) -> dict[int, exports.Reaffirms]:
    """item number -> the item of an earlier resolution it reaffirms, for the page and every file."""
    found = monitoring.reaffirms_of(session, items)
    return {
        number: exports.Reaffirms(
            link.resolution.number or "", link.item.position, link.resolution.status == "published"
        )
        for number, item in enumerate(items, start=1)
        if (link := found.get(item.id)) is not None
    }


def public_page(session: Session, *, number: str, locale: str, base_url: str) -> PublicPage:
    resolution = published(session, number)
    items = drafting.items_of(session, resolution)
    return PublicPage(
        resolution=resolution,
        text=exports.in_language(resolution, locale, base_url=base_url, reaffirms=reaffirms(session, items)),
        items=items,
        trackers=monitoring.trackers_of(session, items),
        updates=monitoring.updates_of(session, items),
        reaffirmed_by=monitoring.reaffirmed_by(session, items, published_only=True),
        contributors=drafting.contributors(session, resolution),
    )


@dataclass(frozen=True)
class File:
    body: bytes | str
    media_type: str
    name: str


def export(session: Session, *, number: str, fmt: str, locale: str, base_url: str) -> File:
    """The published resolution as a file: PDF, DOCX or Markdown in one language, or JSON (all of it,
    with its monitoring)."""
    if fmt not in MEDIA_TYPES:
        raise NotFound()
    resolution = published(session, number)
    items = drafting.items_of(session, resolution)
    links = reaffirms(session, items)
    body: bytes | str
    if fmt == "json":
        state = monitoring.public_state(session, items)
        body = exports.as_json(resolution, state, base_url=base_url, reaffirms=links)
    else:
        text = exports.in_language(resolution, locale, base_url=base_url, reaffirms=links)
        body = (
            exports.pdf(text)
            if fmt == "pdf"
            else exports.docx(text)
            if fmt == "docx"
            else exports.markdown(text)
        )
    name = f"resolution-{resolution.number}" + ("" if fmt == "json" else f"-{locale}") + f".{fmt}"
    return File(body, MEDIA_TYPES[fmt], name)
