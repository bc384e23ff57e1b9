"""The moderators' pages: the queue of flagged posts, hiding and restoring with a reason, locking and
pinning threads, and pausing a member's posting in a cohort."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.db import get_session
from app.discussions import moderation, places
from app.discussions import service as discussions
from app.discussions.access import Viewer, viewer_for
from app.forms import FormErrors, clean_line, form_fields
from app.i18n import N_, get_locale
from app.learning.models import Cohort
from app.permissions import Capability
from app.principal import Principal
from app.routing import Route
from app.web import flash
from app.web.access import require
from app.web.htmx import redirect, safe_next
from app.web.pages import render

router = APIRouter(include_in_schema=False, route_class=Route)
moderates = require(Capability.MODERATE)

HIDDEN = flash.register("post-hidden", N_("The post is hidden and its author is told why."), "info")
RESTORED = flash.register("post-restored", N_("The post is shown again."))
KEPT = flash.register("post-kept", N_("The post stays; its flags are dismissed."))
LOCKED = flash.register("thread-locked", N_("The discussion is locked."), "info")
UNLOCKED = flash.register("thread-unlocked", N_("The discussion is open again."))
PINNED = flash.register("thread-pinned", N_("The discussion is pinned to the top of its list."))
UNPINNED = flash.register("thread-unpinned", N_("The discussion is no longer pinned."), "info")
MUTED = flash.register("member-muted", N_("Her posting in this cohort is paused. She is told why."), "info")
UNMUTED = flash.register("member-unmuted", N_("She can post again."))


@router.get("/moderation", name="moderation")
def queue_page(
    request: Request, principal: Principal = Depends(moderates), session: Session = Depends(get_session)
) -> Response:
    viewer = viewer_for(session, principal)
    items = moderation.queue(session, viewer)
    labels = places.describe(session, [item.thread for item in items], locale=get_locale())
    return render(
        request,
        "discussions/moderation.html",
        {"items": items, "labels": labels, "reasons": moderation.FLAG_REASONS},
    )


def _decide(
    request: Request, session: Session, principal: Principal, post_id: int, raw: dict[str, str], *, hide: bool
) -> Response:
    viewer = viewer_for(session, principal)
    post, thread = discussions.get_post(session, viewer, post_id)
    reason = clean_line(raw.get("reason"), moderation.REASON_MAX)
    was_hidden = post.status in ("pending", "hidden")
    if hide:
        moderation.hide(session, viewer, post, thread, reason=reason)
    else:
        moderation.restore(session, viewer, post, thread, reason=reason)
    session.commit()
    message = HIDDEN if hide else (RESTORED if was_hidden else KEPT)
    return flash.flash(
        redirect(request, safe_next(raw.get("next"), f"/threads/{thread.id}#post-{post.id}")), message
    )


@router.post("/posts/{post_id}/hide", name="post_hide")
def post_hide(
    request: Request,
    post_id: int,
    principal: Principal = Depends(moderates),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    return _decide(request, session, principal, post_id, raw, hide=True)


@router.post("/posts/{post_id}/restore", name="post_restore")
def post_restore(
    request: Request,
    post_id: int,
    principal: Principal = Depends(moderates),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    return _decide(request, session, principal, post_id, raw, hide=False)


@router.post("/threads/{thread_id}/lock", name="thread_lock")
def thread_lock(
    request: Request,
    thread_id: int,
    principal: Principal = Depends(moderates),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    viewer = viewer_for(session, principal)
    thread = discussions.get_thread(session, viewer, thread_id)
    locked = raw.get("locked") == "1"
    moderation.set_locked(session, viewer, thread, locked=locked)
    session.commit()
    return flash.flash(redirect(request, f"/threads/{thread.id}"), LOCKED if locked else UNLOCKED)


@router.post("/threads/{thread_id}/pin", name="thread_pin")
def thread_pin(
    request: Request,
    thread_id: int,
    principal: Principal = Depends(moderates),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    viewer = viewer_for(session, principal)
    thread = discussions.get_thread(session, viewer, thread_id)
    pinned = raw.get("pinned") == "1"
    moderation.set_pinned(session, viewer, thread, pinned=pinned)
    session.commit()
    return flash.flash(redirect(request, f"/threads/{thread.id}"), PINNED if pinned else UNPINNED)


def _cohort(session: Session, principal: Principal, cohort_id: int) -> tuple[Cohort, Viewer]:
    viewer = viewer_for(session, principal)
    cohort = session.get(Cohort, cohort_id)
    if cohort is None or cohort.archived_at is not None or not viewer.moderates_cohort(cohort_id):
        raise moderation.NotModerator()
    return cohort, viewer


def _mutes_page(
    request: Request,
    session: Session,
    cohort: Cohort,
    errors: FormErrors,
    fields: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "discussions/mutes.html",
        {
            "cohort": cohort,
            "mutes": moderation.active_mutes(session, cohort),
            "member_choices": [
                (str(m.id), m.display_name) for m in moderation.cohort_members(session, cohort)
            ],
            "errors": errors,
            "fields": fields,
            "max_days": moderation.MUTE_DAYS_MAX,
        },
        status_code=status_code,
    )


@router.get("/discussions/cohorts/{cohort_id}/mutes", name="cohort_mutes")
def mutes_page(
    request: Request,
    cohort_id: int,
    principal: Principal = Depends(moderates),
    session: Session = Depends(get_session),
) -> Response:
    cohort, _viewer = _cohort(session, principal, cohort_id)
    return _mutes_page(request, session, cohort, FormErrors(), {"user": "", "days": "7", "reason": ""})


@router.post("/discussions/cohorts/{cohort_id}/mutes", name="cohort_mute")
def mute_member(
    request: Request,
    cohort_id: int,
    principal: Principal = Depends(moderates),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    cohort, viewer = _cohort(session, principal, cohort_id)
    fields = {key: clean_line(raw.get(key), moderation.REASON_MAX) for key in ("user", "days", "reason")}
    errors = FormErrors()
    user_id = int(fields["user"]) if fields["user"].isdigit() else 0
    days = int(fields["days"]) if fields["days"].isdigit() and len(fields["days"]) < 4 else 0
    try:
        moderation.mute(session, viewer, cohort, user_id=user_id, days=days, reason=fields["reason"])
    except moderation.MuteInvalid as exc:
        errors.add(exc.field, exc.message, **exc.params)
        return _mutes_page(request, session, cohort, errors, fields, status_code=422)
    session.commit()
    return flash.flash(redirect(request, f"/discussions/cohorts/{cohort.id}/mutes"), MUTED)


@router.post("/discussions/cohorts/{cohort_id}/mutes/{mute_id}/lift", name="cohort_unmute")
def unmute_member(
    request: Request,
    cohort_id: int,
    mute_id: int,
    principal: Principal = Depends(moderates),
    session: Session = Depends(get_session),
) -> Response:
    cohort, viewer = _cohort(session, principal, cohort_id)
    moderation.unmute(session, viewer, cohort, mute_id=mute_id)
    session.commit()
    return flash.flash(redirect(request, f"/discussions/cohorts/{cohort.id}/mutes"), UNMUTED)
