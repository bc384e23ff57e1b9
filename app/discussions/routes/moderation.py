"""The moderators' pages: the queue of flagged posts, hiding and restoring with a reason, locking and
pinning threads, and pausing a member's posting in a cohort."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.db import get_session
from app.discussions import links, moderation, reading
from app.discussions.pages import post_form
from app.discussions.schemas import DecisionForm, LockForm, MuteForm, PinForm
from app.forms import Filled, FormErrors, Refused, form
from app.i18n import N_, get_locale
from app.principal import Principal
from app.routing import Router, shows_refusals
from app.web import flash
from app.web.access import Moderator
from app.web.htmx import redirect, safe_next
from app.web.pages import render
from app.web.params import Id, Ref

router = Router(include_in_schema=False)

HIDDEN = flash.register("post-hidden", N_("The post is hidden and its author is told why."), "info")
RESTORED = flash.register("post-restored", N_("The post is shown again."))
KEPT = flash.register("post-kept", N_("The post stays; its flags are dismissed."))
LOCKED = flash.register("thread-locked", N_("The discussion is locked."), "info")
UNLOCKED = flash.register("thread-unlocked", N_("The discussion is open again."))
PINNED = flash.register("thread-pinned", N_("The discussion is pinned to the top of its list."))
UNPINNED = flash.register("thread-unpinned", N_("The discussion is no longer pinned."), "info")
MUTED = flash.register("member-muted", N_("Her posting in this cohort is paused. She is told why."), "info")
UNMUTED = flash.register("member-unmuted", N_("She can post again."))

QUEUE = "/moderation"


@router.get("/moderation", name="moderation")
def queue_page(request: Request, principal: Moderator, session: Session = Depends(get_session)) -> Response:
    context = reading.queue_page(session, principal=principal, locale=get_locale())
    return render(request, "discussions/moderation.html", context)


# Decisions on posts -----------------------------------------------------------------------------------------


def _decision_refused(refused: Refused) -> Response:
    """Where she decided from, again: the queue (its `next`) or the thread page with the post, her
    reason kept beside that post's field and the reason it was refused."""
    filled = Filled(refused.values, refused.errors)
    principal: Principal = refused.params["principal"]
    post_id: int = refused.params["post_id"]
    if safe_next(str(filled.next), "") == QUEUE:
        context = reading.queue_page(refused.session, principal=principal, locale=get_locale())
        template = "discussions/moderation.html"
    else:
        context = reading.decision_page(
            refused.session, principal=principal, post_id=post_id, locale=get_locale()
        )
        template = "discussions/thread.html"
    context["decision"] = post_form(post_id, filled)
    return render(refused.request, template, context, status_code=refused.status_code)


def _decided(request: Request, post_id: int, thread_id: int, next_page: str, message: str) -> Response:
    return flash.flash(
        redirect(request, safe_next(next_page, links.thread_path(thread_id, post_id))), message
    )


@router.post("/posts/{post_id:ref}/hide", name="post_hide")
@shows_refusals(_decision_refused)
def post_hide(
    request: Request,
    post_id: Ref,
    principal: Moderator,
    body: DecisionForm = form(DecisionForm),
    session: Session = Depends(get_session),
) -> Response:
    post, _was_hidden = moderation.decide(
        session, principal=principal, post_id=post_id, hiding=True, reason=body.reason
    )
    return _decided(request, post.id, post.thread_id, body.next, HIDDEN)


@router.post("/posts/{post_id:ref}/restore", name="post_restore")
@shows_refusals(_decision_refused)
def post_restore(
    request: Request,
    post_id: Ref,
    principal: Moderator,
    body: DecisionForm = form(DecisionForm),
    session: Session = Depends(get_session),
) -> Response:
    post, was_hidden = moderation.decide(
        session, principal=principal, post_id=post_id, hiding=False, reason=body.reason
    )
    return _decided(request, post.id, post.thread_id, body.next, RESTORED if was_hidden else KEPT)


# Threads ----------------------------------------------------------------------------------------------------


@router.post("/threads/{thread_id:ref}/lock", name="thread_lock")
def thread_lock(
    request: Request,
    thread_id: Ref,
    principal: Moderator,
    body: LockForm = form(LockForm),
    session: Session = Depends(get_session),
) -> Response:
    moderation.lock_thread(session, principal=principal, thread_id=thread_id, locked=body.locked)
    return flash.flash(redirect(request, links.thread_path(thread_id)), LOCKED if body.locked else UNLOCKED)


@router.post("/threads/{thread_id:ref}/pin", name="thread_pin")
def thread_pin(
    request: Request,
    thread_id: Ref,
    principal: Moderator,
    body: PinForm = form(PinForm),
    session: Session = Depends(get_session),
) -> Response:
    moderation.pin_thread(session, principal=principal, thread_id=thread_id, pinned=body.pinned)
    return flash.flash(redirect(request, links.thread_path(thread_id)), PINNED if body.pinned else UNPINNED)


# Pausing a member -------------------------------------------------------------------------------------------


def _mutes_page(
    request: Request,
    session: Session,
    principal: Principal,
    cohort_id: int,
    fields: Filled,
    status_code: int = 200,
) -> Response:
    context = reading.mutes_page(session, principal=principal, cohort_id=cohort_id)
    context.update(fields=fields, errors=fields.errors)
    return render(request, "discussions/mutes.html", context, status_code=status_code)


def _mute_refused(refused: Refused) -> Response:
    """The page of paused members again: her choices and reason kept, the reason beside the field."""
    fields = Filled(refused.values, refused.errors)
    principal, cohort_id = refused.params["principal"], refused.params["cohort_id"]
    return _mutes_page(refused.request, refused.session, principal, cohort_id, fields, refused.status_code)


@router.get("/discussions/cohorts/{cohort_id:ref}/mutes", name="cohort_mutes")
def mutes_page(
    request: Request, cohort_id: Ref, principal: Moderator, session: Session = Depends(get_session)
) -> Response:
    fields = Filled({"user": "", "days": "7", "reason": ""}, FormErrors())
    return _mutes_page(request, session, principal, cohort_id, fields)


@router.post("/discussions/cohorts/{cohort_id:ref}/mutes", name="cohort_mute")
@shows_refusals(_mute_refused)
def mute_member(
    request: Request,
    cohort_id: Ref,
    principal: Moderator,
    body: MuteForm = form(MuteForm),
    session: Session = Depends(get_session),
) -> Response:
    moderation.mute_member(
        session,
        principal=principal,
        cohort_id=cohort_id,
        user_id=body.user,
        days=body.days,
        reason=body.reason,
    )
    return flash.flash(redirect(request, links.cohort_board_path(cohort_id) + "/mutes"), MUTED)


@router.post("/discussions/cohorts/{cohort_id:ref}/mutes/{mute_id}/lift", name="cohort_unmute")
def unmute_member(
    request: Request,
    cohort_id: Ref,
    mute_id: Id,
    principal: Moderator,
    session: Session = Depends(get_session),
) -> Response:
    moderation.lift_mute(session, principal=principal, cohort_id=cohort_id, mute_id=mute_id)
    return flash.flash(redirect(request, links.cohort_board_path(cohort_id) + "/mutes"), UNMUTED)
