"""A forum's resolution for its members and coordinators: reading and commenting on the draft, the
editor with its history, adoption and publication, and the monitoring of adopted items.

Each route parses its form (app/resolutions/schemas.py), calls one service function (resolving.py) and
renders or redirects. What a service refuses comes back on the page she was on, with what she typed and
the reason beside the field (`@shows_refusals`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.accounts.submissions import Once, once
from app.config import LOCALES
from app.db import get_session
from app.forms import Filled, FormErrors, Refused, form
from app.i18n import N_, get_locale
from app.resolutions import resolving
from app.resolutions.schemas import (
    AdoptForm,
    CommentForm,
    DraftForm,
    TrackerForm,
    UpdateForm,
    WindowForm,
    draft_rows,
)
from app.resolutions.words import (
    ADDRESSEE_LABELS,
    ITEM_STATUS_LABELS,
    OUTCOME_LABELS,
    STATE_LABELS,
    THEME_LABELS,
)
from app.routing import RefusalPage, Router, shows_refusals
from app.web import flash
from app.web.access import Discussant, ForumManager, SignedIn
from app.web.htmx import redirect
from app.web.pages import render, today, zone
from app.web.params import Id

router = Router(prefix="/forums/{forum_id}", include_in_schema=False)

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


def _keyed(errors: FormErrors, keys: Mapping[str, str]) -> FormErrors:
    """The errors under the keys the page gives its fields (a form shown once per item names them so)."""
    return FormErrors({keys.get(field, field): message for field, message in errors.items()})


# Reading and commenting -------------------------------------------------------------------------------------


def _resolution(
    request: Request,
    page: resolving.ResolutionPage,
    *,
    errors: FormErrors | None = None,
    comment: Filled | None = None,
    comment_on: int | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "role": page.role,
        "forum": page.role.forum,
        "resolution": page.resolution,
        "items": page.items,
        "comments": page.comments,
        "comments_open": page.comments_open,
        "trackers": page.trackers,
        "themes": THEME_LABELS,
        "addressees": ADDRESSEE_LABELS,
        "statuses": ITEM_STATUS_LABELS,
        "outcomes": OUTCOME_LABELS,
        "errors": errors if errors is not None else FormErrors(),
        "comment": comment or Filled(),
        "comment_on": comment_on,
        "missing": page.missing,
        "reaffirms": page.reaffirms,
        "reaffirmed_by": page.reaffirmed_by,
    }
    return render(request, "resolutions/resolution.html", context, status_code=status_code)


def _resolution_refused(refused: Refused) -> Response:
    """The resolution's page again: her comment beside its item, or why it was not published."""
    page = resolving.resolution_page(
        refused.session, refused.params["principal"], forum_id=refused.params["forum_id"]
    )
    item_id = refused.params.get("item_id")
    errors = _keyed(refused.errors, {"body": f"comment-{item_id}"} if item_id else {})
    comment = Filled(refused.values, errors)
    return _resolution(
        refused.request,
        page,
        errors=errors,
        comment=comment,
        comment_on=item_id,
        status_code=refused.status_code,
    )


@router.get("/resolution", name="forum_resolution")
def resolution_page(
    request: Request, forum_id: Id, principal: SignedIn, session: Session = Depends(get_session)
) -> Response:
    return _resolution(request, resolving.resolution_page(session, principal, forum_id=forum_id))


@router.post("/resolution/items/{item_id}/comments", name="item_comment")
@shows_refusals(_resolution_refused)
def item_comment(
    request: Request,
    forum_id: Id,
    item_id: Id,
    principal: Discussant,
    body: CommentForm = form(CommentForm),
    sent: Once = once("comment"),
    session: Session = Depends(get_session),
) -> Response:
    if earlier := sent.earlier(session):
        return redirect(request, earlier)
    resolving.comment(session, principal, forum_id=forum_id, item_id=item_id, body=body.body)
    location = sent.done(session, f"/forums/{forum_id}/resolution#item-{item_id}")
    return flash.flash(redirect(request, location), COMMENTED)


# The editor -------------------------------------------------------------------------------------------------


def _saved_rows(page: resolving.EditorPage) -> list[dict[str, Any]]:
    return [
        {
            "id": item.id,
            "position": index,
            "text": item.text,
            "theme": item.theme,
            "addressee": item.addressee,
            "recommendations": page.links[item.id],
            "reaffirms": item.reaffirms_id,
            "remove": False,
        }
        for index, item in enumerate(page.items, start=1)
    ]


def _editor(
    request: Request,
    page: resolving.EditorPage,
    *,
    errors: FormErrors | None = None,
    sent: Mapping[str, Any] | None = None,
    adopt: Filled | None = None,
    window: Filled | None = None,
    status_code: int = 200,
) -> Response:
    """The editor: the saved draft, or (`sent`) the draft as she sent it, not saved."""
    resolution = page.resolution
    rows = [row | {"reaffirms": None} for row in draft_rows(sent)] if sent is not None else _saved_rows(page)
    blank: dict[str, Any] = {
        "id": None,
        "position": len(rows) + 1,
        "text": {},
        "theme": "other",
        "addressee": "government",
        "recommendations": [],
        "reaffirms": None,
        "remove": False,
    }
    # The window's last day as the coordinator chose it: the date where the organisation is.
    until = (
        resolution.comments_until.astimezone(zone(request)).date().isoformat()
        if resolution.comments_until
        else ""
    )
    context = {
        "role": page.role,
        "forum": page.role.forum,
        "resolution": resolution,
        "rows": [*rows, blank],
        "preamble": {loc: sent.get(f"preamble-{loc}", "") for loc in LOCALES}
        if sent
        else resolution.preamble,
        "note": sent.get("note", "") if sent else "",
        "base_revision": sent.get("base_revision", "") if sent else resolution.revision,
        "accepted": page.accepted,
        "errors": errors if errors is not None else FormErrors(),
        "window": window or Filled({"until": until}),
        "comments_open": page.comments_open,
        "adopt": adopt or Filled({"adopted_on": page.role.forum.held_on.isoformat(), "outcome": "consensus"}),
        "themes": THEME_LABELS,
        "addressees": ADDRESSEE_LABELS,
        "states": STATE_LABELS,
        "reaffirmable": page.reaffirmable,
        "statuses": ITEM_STATUS_LABELS,
        "missing": page.missing,
    }
    return render(request, "resolutions/editor.html", context, status_code=status_code)


def _editor_page(refused: Refused) -> resolving.EditorPage:
    return resolving.editor_page(
        refused.session, refused.params["principal"], forum_id=refused.params["forum_id"]
    )


def _draft_refused(refused: Refused) -> Response:
    """The editor again with the draft as she sent it, not saved, and why."""
    page = _editor_page(refused)
    return _editor(
        refused.request, page, errors=refused.errors, sent=refused.values, status_code=refused.status_code
    )


def _window_refused(refused: Refused) -> Response:
    window = Filled(refused.values, refused.errors)
    page = _editor_page(refused)
    return _editor(
        refused.request, page, errors=refused.errors, window=window, status_code=refused.status_code
    )


def _adopt_refused(refused: Refused) -> Response:
    """The editor again, the adoption form as she filled it: a language missing, the votes, the date."""
    adopt = Filled(refused.values, refused.errors)
    page = _editor_page(refused)
    return _editor(refused.request, page, errors=refused.errors, adopt=adopt, status_code=refused.status_code)


def _reaffirm_refused(refused: Refused) -> Response:
    page = _editor_page(refused)
    return _editor(refused.request, page, errors=refused.errors, status_code=refused.status_code)


@router.get("/resolution/edit", name="resolution_edit")
def resolution_edit(
    request: Request, forum_id: Id, principal: ForumManager, session: Session = Depends(get_session)
) -> Response:
    return _editor(request, resolving.editor_page(session, principal, forum_id=forum_id))


@router.post("/resolution/edit", name="resolution_save")
@shows_refusals(_draft_refused)
def resolution_save(
    request: Request,
    forum_id: Id,
    principal: ForumManager,
    body: DraftForm = form(DraftForm),
    session: Session = Depends(get_session),
) -> Response:
    resolving.save_draft(
        session,
        principal,
        forum_id=forum_id,
        preamble=body.preamble,
        items=[row.draft() for row in body.items],
        note=body.note,
        base_revision=body.base_revision,
    )
    return flash.flash(redirect(request, f"/forums/{forum_id}/resolution/edit"), DRAFT_SAVED)


@router.get("/resolution/history", name="resolution_history")
def resolution_history(
    request: Request,
    forum_id: Id,
    principal: SignedIn,
    rev: str = "",
    session: Session = Depends(get_session),
) -> Response:
    number = int(rev) if rev.isdigit() else None
    page = resolving.history_page(session, principal, forum_id=forum_id, rev=number)
    context = {
        "role": page.role,
        "forum": page.role.forum,
        "revisions": page.revisions,
        "chosen": page.chosen,
        "changes": page.changes,
    }
    return render(request, "resolutions/history.html", context)


@router.post("/resolution/comments-window", name="resolution_comment_window")
@shows_refusals(_window_refused)
def resolution_comment_window(
    request: Request,
    forum_id: Id,
    principal: ForumManager,
    body: WindowForm = form(WindowForm),
    session: Session = Depends(get_session),
) -> Response:
    resolving.set_comment_window(session, principal, forum_id=forum_id, until=body.until, zone=zone(request))
    return flash.flash(redirect(request, f"/forums/{forum_id}/resolution/edit"), WINDOW_SAVED)


@router.post("/resolution/adopt", name="resolution_adopt")
@shows_refusals(_adopt_refused)
def resolution_adopt(
    request: Request,
    forum_id: Id,
    principal: ForumManager,
    body: AdoptForm = form(AdoptForm),
    session: Session = Depends(get_session),
) -> Response:
    resolving.adopt(
        session,
        principal,
        forum_id=forum_id,
        adopted_on=body.adopted_on,
        outcome=body.outcome,
        votes=body.votes,
        zone=zone(request),
    )
    return flash.flash(redirect(request, f"/forums/{forum_id}/resolution"), ADOPTED)


@router.post("/resolution/publish", name="resolution_publish")
@shows_refusals(_resolution_refused)
def resolution_publish(
    request: Request, forum_id: Id, principal: ForumManager, session: Session = Depends(get_session)
) -> Response:
    number = resolving.publish(session, principal, forum_id=forum_id)
    return flash.flash(redirect(request, f"/resolutions/{number}"), PUBLISHED)


# Monitoring -------------------------------------------------------------------------------------------------

# Where the fields of each item's two forms are on the page (their keys end with the item's id).
_TRACKER_KEYS = {"responsible": "resp", "target_on": "target", "review_by": "review"}
_UPDATE_KEYS = {"status": "status", "note": "note", "evidence": "evidence", "happened_on": "on"}


def _monitoring(
    request: Request,
    page: resolving.MonitoringPage,
    *,
    errors: FormErrors | None = None,
    sent: Filled | None = None,
    sent_to: tuple[int, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "role": page.role,
        "forum": page.role.forum,
        "resolution": page.resolution,
        "items": page.items,
        "trackers": page.trackers,
        "updates": page.updates,
        "statuses": ITEM_STATUS_LABELS,
        "today": today(request),
        "errors": errors if errors is not None else FormErrors(),
        "sent": sent,  # the form she sent (`sent_to`: its item and which form), as she filled it
        "sent_to": sent_to or (None, ""),
    }
    return render(request, "resolutions/monitoring.html", context, status_code=status_code)


def _monitoring_refused(which: str, keys: Mapping[str, str]) -> RefusalPage:
    """The monitoring page again: the item's form (`which`) as she filled it, open, the reason beside the
    field."""

    def page(refused: Refused) -> Response:
        shown = resolving.monitoring_page(
            refused.session, refused.params["principal"], forum_id=refused.params["forum_id"]
        )
        item_id: int = refused.params["item_id"]
        errors = _keyed(refused.errors, {field: f"{key}-{item_id}" for field, key in keys.items()})
        sent = Filled(refused.values, errors)
        return _monitoring(
            refused.request,
            shown,
            errors=errors,
            sent=sent,
            sent_to=(item_id, which),
            status_code=refused.status_code,
        )

    return page


@router.get("/monitoring", name="forum_monitoring")
def monitoring_page(
    request: Request, forum_id: Id, principal: SignedIn, session: Session = Depends(get_session)
) -> Response:
    return _monitoring(request, resolving.monitoring_page(session, principal, forum_id=forum_id))


@router.post("/monitoring/items/{item_id}/tracker", name="item_tracker")
@shows_refusals(_monitoring_refused("tracker", _TRACKER_KEYS))
def item_tracker(
    request: Request,
    forum_id: Id,
    item_id: Id,
    principal: ForumManager,
    body: TrackerForm = form(TrackerForm),
    session: Session = Depends(get_session),
) -> Response:
    resolving.set_tracker(
        session,
        principal,
        forum_id=forum_id,
        item_id=item_id,
        responsible=body.responsible,
        target_on=body.target_on,
        review_by=body.review_by,
    )
    return flash.flash(redirect(request, f"/forums/{forum_id}/monitoring#item-{item_id}"), TRACKER_SAVED)


@router.post("/monitoring/items/{item_id}/updates", name="item_update")
@shows_refusals(_monitoring_refused("update", _UPDATE_KEYS))
def item_update(
    request: Request,
    forum_id: Id,
    item_id: Id,
    principal: ForumManager,
    body: UpdateForm = form(UpdateForm),
    sent: Once = once("update"),
    session: Session = Depends(get_session),
) -> Response:
    if earlier := sent.earlier(session):  # sent twice: one update, with its evidence, once
        return redirect(request, earlier)
    sent.done(session, f"/forums/{forum_id}/monitoring#item-{item_id}")
    resolving.add_update(
        session,
        principal,
        forum_id=forum_id,
        item_id=item_id,
        status=body.status,
        note=body.note,
        evidence=body.links,
        happened_on=body.happened_on or today(request),
        locale=get_locale(),
    )
    return flash.flash(redirect(request, f"/forums/{forum_id}/monitoring#item-{item_id}"), UPDATE_ADDED)


@router.post("/resolution/reaffirm/{item_id}", name="item_reaffirm")
@shows_refusals(_reaffirm_refused)
def item_reaffirm(
    request: Request,
    forum_id: Id,
    item_id: Id,
    principal: ForumManager,
    session: Session = Depends(get_session),
) -> Response:
    resolving.reaffirm(session, principal, forum_id=forum_id, item_id=item_id)
    return flash.flash(redirect(request, f"/forums/{forum_id}/resolution/edit"), REAFFIRMED)
