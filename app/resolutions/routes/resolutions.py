"""A forum's resolution for its members and coordinators: reading and commenting on the draft, the
editor with its history, adoption and publication, and the monitoring of adopted items."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.config import LOCALES
from app.db import get_session
from app.forms import FormErrors, clean_line, clean_text, form_fields, form_lists
from app.i18n import N_, get_locale
from app.permissions import Capability
from app.principal import Principal
from app.resolutions import drafting, monitoring
from app.resolutions.access import ForumRole, forum_for, manager_of
from app.resolutions.models import (
    ITEM_STATUSES,
    Recommendation,
    Resolution,
    ResolutionItem,
)
from app.resolutions.words import (
    ADDRESSEE_LABELS,
    ITEM_STATUS_LABELS,
    OUTCOME_LABELS,
    STATE_LABELS,
    THEME_LABELS,
)
from app.routing import Route
from app.web import flash
from app.web.access import require, require_user
from app.web.htmx import redirect
from app.web.pages import render

router = APIRouter(prefix="/forums/{forum_id}", include_in_schema=False, route_class=Route)
discusses = require(Capability.DISCUSS)
manages = require(Capability.MANAGE_FORUMS)

DRAFT_SAVED = flash.register("draft-saved", N_("The draft is saved as a new revision."))
WINDOW_SAVED = flash.register("comment-window-saved", N_("The comment window is saved."))
COMMENTED = flash.register("item-commented", N_("Your comment is added."))
ADOPTED = flash.register(
    "resolution-adopted", N_("The resolution is adopted. Its text is frozen and numbered.")
)
PUBLISHED = flash.register("resolution-published", N_("The resolution is published for everyone to read."))
TRACKER_SAVED = flash.register("tracker-saved", N_("The item's monitoring is saved."))
UPDATE_ADDED = flash.register("update-added", N_("The update is added."))
REAFFIRMED = flash.register("item-reaffirmed", N_("The item is carried into this forum's draft."))


def _date(value: str | None) -> dt.date | None:
    value = clean_line(value, 10)
    if not value:
        return None
    return dt.date.fromisoformat(value)


def _item(session: Session, resolution: Resolution, item_id: int) -> ResolutionItem:
    item = session.get(ResolutionItem, item_id)
    if item is None or item.resolution_id != resolution.id:
        raise drafting.ItemNotFound()
    return item


# Reading and commenting -------------------------------------------------------------------------------------


@router.get("/resolution", name="forum_resolution")
def resolution_page(
    request: Request,
    forum_id: int,
    principal: Principal = Depends(require_user),
    session: Session = Depends(get_session),
) -> Response:
    role = forum_for(session, principal, forum_id)
    resolution = session.scalars(sa.select(Resolution).where(Resolution.forum_id == forum_id)).one_or_none()
    visible = resolution is not None and (
        role.staff or resolution.status != "draft" or drafting.comments_open(resolution)
    )
    items = drafting.items_of(session, resolution) if resolution and visible else []
    return render(
        request,
        "resolutions/resolution.html",
        {
            "role": role,
            "forum": role.forum,
            "resolution": resolution if visible else None,
            "items": items,
            "comments": drafting.comments_of(session, items),
            "comments_open": bool(resolution and drafting.comments_open(resolution)),
            "trackers": monitoring.trackers_of(session, items),
            "themes": THEME_LABELS,
            "addressees": ADDRESSEE_LABELS,
            "statuses": ITEM_STATUS_LABELS,
            "outcomes": OUTCOME_LABELS,
            "errors": FormErrors(),
            "missing": drafting.missing_languages(resolution) if resolution else [],
        },
    )


@router.post("/resolution/items/{item_id}/comments", name="item_comment")
def item_comment(
    request: Request,
    forum_id: int,
    item_id: int,
    principal: Principal = Depends(discusses),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    role = forum_for(session, principal, forum_id)
    resolution = drafting.resolution_of(session, role.forum)
    item = _item(session, resolution, item_id)
    drafting.comment(
        session, role, resolution, item, body=clean_text(raw.get("body"), drafting.COMMENT_MAX + 1)
    )
    session.commit()
    return flash.flash(redirect(request, f"/forums/{forum_id}/resolution#item-{item.id}"), COMMENTED)


# The editor -------------------------------------------------------------------------------------------------


def _accepted(session: Session, forum_id: int) -> list[Recommendation]:
    return list(
        session.scalars(
            sa.select(Recommendation)
            .where(Recommendation.forum_id == forum_id, Recommendation.status == "accepted")
            .order_by(Recommendation.endorsement_count.desc(), Recommendation.id)
        )
    )


def _editor(
    request: Request,
    session: Session,
    role: ForumRole,
    resolution: Resolution,
    *,
    errors: FormErrors | None = None,
    posted: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    items = drafting.items_of(session, resolution)
    links = drafting.links_of(session, items)
    rows = (
        posted["items"]
        if posted
        else [
            {
                "id": item.id,
                "position": index,
                "text": item.text,
                "theme": item.theme,
                "addressee": item.addressee,
                "recommendations": links[item.id],
                "reaffirms": item.reaffirms_id,
            }
            for index, item in enumerate(items, start=1)
        ]
    )
    rows = [
        *rows,
        {
            "id": None,
            "position": len(rows) + 1,
            "text": {},
            "theme": "other",
            "addressee": "government",
            "recommendations": [],
            "reaffirms": None,
        },
    ]
    context = {
        "role": role,
        "forum": role.forum,
        "resolution": resolution,
        "rows": rows,
        "preamble": posted["preamble"] if posted else resolution.preamble,
        "note": posted["note"] if posted else "",
        "base_revision": posted["base_revision"] if posted else resolution.revision,
        "accepted": _accepted(session, role.forum.id),
        "errors": errors or FormErrors(),
        "themes": THEME_LABELS,
        "addressees": ADDRESSEE_LABELS,
        "states": STATE_LABELS,
        "reaffirmable": monitoring.reaffirmable(session, role) if resolution.status == "draft" else [],
        "statuses": ITEM_STATUS_LABELS,
        "missing": drafting.missing_languages(resolution, items),
    }
    return render(request, "resolutions/editor.html", context, status_code=status_code)


@router.get("/resolution/edit", name="resolution_edit")
def resolution_edit(
    request: Request,
    forum_id: int,
    principal: Principal = Depends(manages),
    session: Session = Depends(get_session),
) -> Response:
    role = manager_of(session, principal, forum_id)
    found = session.scalars(sa.select(Resolution).where(Resolution.forum_id == forum_id)).one_or_none()
    if found is None:
        with request.app.state.database.session(write=True) as writer:  # the first time: an empty draft
            drafting.resolution_of(writer, role.forum)
            writer.commit()
        session.commit()  # end this reading transaction, to see the new row
        found = session.scalars(sa.select(Resolution).where(Resolution.forum_id == forum_id)).one()
    return _editor(request, session, role, found)


def _read_draft(fields: dict[str, list[str]]) -> dict[str, Any]:
    first = {key: values[0] for key, values in fields.items() if values}
    items = []
    for index in range(200):
        if f"item-{index}-position" not in first:
            break
        raw_id = first.get(f"item-{index}-id", "")
        position = clean_line(first.get(f"item-{index}-position"), 4)
        items.append(
            {
                "id": int(raw_id) if raw_id.isdigit() else None,
                "position": int(position) if position.isdigit() else 999,
                "text": {
                    loc: clean_text(first.get(f"item-{index}-{loc}"), drafting.TEXT_MAX + 1)
                    for loc in LOCALES
                },
                "theme": clean_line(first.get(f"item-{index}-theme"), 30),
                "addressee": clean_line(first.get(f"item-{index}-addressee"), 30),
                "recommendations": [int(v) for v in fields.get(f"item-{index}-recs", []) if v.isdigit()],
                "remove": first.get(f"item-{index}-remove") == "1",
                "reaffirms": None,
            }
        )
    base = clean_line(first.get("base_revision"), 9)
    return {
        "preamble": {
            loc: clean_text(first.get(f"preamble-{loc}"), drafting.PREAMBLE_MAX + 1) for loc in LOCALES
        },
        "items": items,
        "note": clean_line(first.get("note"), drafting.NOTE_MAX + 1),
        "base_revision": int(base) if base.isdigit() else -1,
    }


@router.post("/resolution/edit", name="resolution_save")
def resolution_save(
    request: Request,
    forum_id: int,
    principal: Principal = Depends(manages),
    fields: dict[str, list[str]] = Depends(form_lists),
    session: Session = Depends(get_session),
) -> Response:
    role = manager_of(session, principal, forum_id)
    resolution = drafting.resolution_of(session, role.forum)
    posted = _read_draft(fields)
    drafts = [
        drafting.ItemDraft(
            id=row["id"],
            position=row["position"],
            text=row["text"],
            theme=row["theme"],
            addressee=row["addressee"],
            recommendations=row["recommendations"],
            remove=row["remove"],
        )
        for row in posted["items"]
    ]
    try:
        drafting.save_draft(
            session,
            role,
            resolution,
            preamble=posted["preamble"],
            items=drafts,
            note=posted["note"],
            base_revision=posted["base_revision"],
            author=accounts_service.user_of(session, principal),
        )
    except (drafting.DraftInvalid, drafting.StaleDraft) as exc:
        session.rollback()
        errors = FormErrors()
        errors.add(getattr(exc, "field", "note"), exc.message, **exc.params)
        resolution = drafting.resolution_of(session, role.forum)
        status = 409 if isinstance(exc, drafting.StaleDraft) else 422
        return _editor(request, session, role, resolution, errors=errors, posted=posted, status_code=status)
    session.commit()
    return flash.flash(redirect(request, f"/forums/{forum_id}/resolution/edit"), DRAFT_SAVED)


@router.get("/resolution/history", name="resolution_history")
def resolution_history(
    request: Request,
    forum_id: int,
    rev: str = "",
    principal: Principal = Depends(require_user),
    session: Session = Depends(get_session),
) -> Response:
    role = forum_for(session, principal, forum_id, staff=True)
    resolution = session.scalars(sa.select(Resolution).where(Resolution.forum_id == forum_id)).one_or_none()
    revisions = drafting.revisions(session, resolution) if resolution else []
    by_number = {revision.number: revision for revision in revisions}
    chosen = by_number.get(int(rev)) if rev.isdigit() else (revisions[0] if revisions else None)
    previous = by_number.get(chosen.number - 1) if chosen else None
    changes = drafting.diff(previous.snapshot if previous else None, chosen.snapshot) if chosen else []
    return render(
        request,
        "resolutions/history.html",
        {"role": role, "forum": role.forum, "revisions": revisions, "chosen": chosen, "changes": changes},
    )


@router.post("/resolution/comments-window", name="resolution_comment_window")
def resolution_comment_window(
    request: Request,
    forum_id: int,
    principal: Principal = Depends(manages),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    role = manager_of(session, principal, forum_id)
    resolution = drafting.resolution_of(session, role.forum)
    try:
        until = _date(raw.get("until"))
    except ValueError:
        raise drafting.DraftInvalid("until", N_("Write the date as YYYY-MM-DD.")) from None
    end = dt.datetime.combine(until, dt.time(23, 59), tzinfo=dt.UTC) if until else None
    drafting.set_comment_window(session, role, resolution, until=end)
    session.commit()
    return flash.flash(redirect(request, f"/forums/{forum_id}/resolution/edit"), WINDOW_SAVED)


@router.post("/resolution/adopt", name="resolution_adopt")
def resolution_adopt(
    request: Request,
    forum_id: int,
    principal: Principal = Depends(manages),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    role = manager_of(session, principal, forum_id)
    resolution = drafting.resolution_of(session, role.forum)
    try:
        adopted_on = _date(raw.get("adopted_on")) or role.forum.held_on
    except ValueError:
        raise drafting.DraftInvalid("adopted_on", N_("Write the date as YYYY-MM-DD.")) from None
    votes = None
    numbers = [clean_line(raw.get(key), 6) for key in ("votes_for", "votes_against", "votes_abstain")]
    if all(n.isdigit() for n in numbers):
        votes = (int(numbers[0]), int(numbers[1]), int(numbers[2]))
    drafting.adopt(
        session,
        role,
        resolution,
        adopted_on=adopted_on,
        outcome=clean_line(raw.get("outcome"), 10),
        votes=votes,
        author=accounts_service.user_of(session, principal),
    )
    session.commit()
    return flash.flash(redirect(request, f"/forums/{forum_id}/resolution"), ADOPTED)


@router.post("/resolution/publish", name="resolution_publish")
def resolution_publish(
    request: Request,
    forum_id: int,
    principal: Principal = Depends(manages),
    session: Session = Depends(get_session),
) -> Response:
    role = manager_of(session, principal, forum_id)
    resolution = drafting.resolution_of(session, role.forum)
    drafting.publish(session, role, resolution, author=accounts_service.user_of(session, principal))
    session.commit()
    return flash.flash(redirect(request, f"/resolutions/{resolution.number}"), PUBLISHED)


# Monitoring -------------------------------------------------------------------------------------------------


@router.get("/monitoring", name="forum_monitoring")
def monitoring_page(
    request: Request,
    forum_id: int,
    principal: Principal = Depends(require_user),
    session: Session = Depends(get_session),
) -> Response:
    role = forum_for(session, principal, forum_id, staff=True)
    resolution = session.scalars(sa.select(Resolution).where(Resolution.forum_id == forum_id)).one_or_none()
    items = drafting.items_of(session, resolution) if resolution and resolution.status != "draft" else []
    return render(
        request,
        "resolutions/monitoring.html",
        {
            "role": role,
            "forum": role.forum,
            "resolution": resolution,
            "items": items,
            "trackers": monitoring.trackers_of(session, items),
            "updates": monitoring.updates_of(session, items),
            "statuses": ITEM_STATUS_LABELS,
            "today": dt.date.today(),
            "errors": FormErrors(),
        },
    )


def _adopted(session: Session, role: ForumRole) -> Resolution:
    resolution = session.scalars(
        sa.select(Resolution).where(Resolution.forum_id == role.forum.id)
    ).one_or_none()
    if resolution is None or resolution.status == "draft":
        raise drafting.ItemNotFound()
    return resolution


@router.post("/monitoring/items/{item_id}/tracker", name="item_tracker")
def item_tracker(
    request: Request,
    forum_id: int,
    item_id: int,
    principal: Principal = Depends(manages),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    role = manager_of(session, principal, forum_id)
    item = _item(session, _adopted(session, role), item_id)
    try:
        target_on, review_by = _date(raw.get("target_on")), _date(raw.get("review_by"))
    except ValueError:
        raise drafting.DraftInvalid("target_on", N_("Write the date as YYYY-MM-DD.")) from None
    monitoring.set_tracker(
        session,
        role,
        item,
        responsible=clean_line(raw.get("responsible"), monitoring.RESPONSIBLE_MAX + 1),
        target_on=target_on,
        review_by=review_by,
    )
    session.commit()
    return flash.flash(redirect(request, f"/forums/{forum_id}/monitoring#item-{item.id}"), TRACKER_SAVED)


@router.post("/monitoring/items/{item_id}/updates", name="item_update")
def item_update(
    request: Request,
    forum_id: int,
    item_id: int,
    principal: Principal = Depends(manages),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    role = manager_of(session, principal, forum_id)
    resolution = _adopted(session, role)
    item = _item(session, resolution, item_id)
    try:
        happened_on = _date(raw.get("happened_on")) or dt.date.today()
    except ValueError:
        raise drafting.DraftInvalid("happened_on", N_("Write the date as YYYY-MM-DD.")) from None
    links = [line.strip() for line in clean_text(raw.get("evidence"), 3000).splitlines() if line.strip()]
    status = clean_line(raw.get("status"), 20)
    monitoring.add_update(
        session,
        role,
        resolution,
        item,
        status=status if status in ITEM_STATUSES else "",
        note=clean_text(raw.get("note"), monitoring.NOTE_MAX + 1),
        evidence=links,
        happened_on=happened_on,
        locale=get_locale(),
    )
    session.commit()
    return flash.flash(redirect(request, f"/forums/{forum_id}/monitoring#item-{item.id}"), UPDATE_ADDED)


@router.post("/resolution/reaffirm/{item_id}", name="item_reaffirm")
def item_reaffirm(
    request: Request,
    forum_id: int,
    item_id: int,
    principal: Principal = Depends(manages),
    session: Session = Depends(get_session),
) -> Response:
    role = manager_of(session, principal, forum_id)
    old = session.get(ResolutionItem, item_id)
    if old is None or not any(row[1].id == item_id for row in monitoring.reaffirmable(session, role)):
        raise drafting.ItemNotFound()
    monitoring.reaffirm(session, role, old, author=accounts_service.user_of(session, principal))
    session.commit()
    return flash.flash(redirect(request, f"/forums/{forum_id}/resolution/edit"), REAFFIRMED)
