"""A reflection lesson's discussion: opened the first time anyone asks for it, and "save and share",
which keeps her answer as her note (completing the lesson) and posts it there."""

from __future__ import annotations

import functools

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.accounts import ratelimit
from app.accounts.ratelimit import account_of, limited
from app.db import get_session
from app.discussions import links, reflections
from app.discussions.schemas import ShareForm
from app.forms import Filled, FormErrors, Invalid, Refused, form
from app.i18n import N_, get_locale
from app.routing import Router, shows_refusals
from app.web import flash, state
from app.web.access import Discussant, SignedIn
from app.web.htmx import redirect
from app.web.pages import render, today
from app.web.params import Id

router = Router(include_in_schema=False)

REFLECTION_SHARED = flash.register(
    "reflection-shared", N_("Your reflection is saved and shared in the discussion.")
)


@router.get("/discussions/reflections/{lesson_id}", name="reflection_thread")
def reflection_thread(
    request: Request, lesson_id: Id, principal: SignedIn, session: Session = Depends(get_session)
) -> Response:
    thread_id = reflections.open_thread_id(session, principal=principal, lesson_id=lesson_id)
    if thread_id is None:  # the first time anyone asks: opened in a write of its own
        opening = functools.partial(reflections.open_thread, principal=principal, lesson_id=lesson_id)
        thread_id = state.database(request).write_aside(opening)
    return redirect(request, links.thread_path(thread_id))


def _share_refused(refused: Refused) -> Response:
    """Her answer again, under the question, with the reason (nothing written, nothing shared)."""
    filled = Filled(refused.values, refused.errors)
    context = reflections.share_page(
        refused.session,
        principal=refused.params["principal"],
        lesson_id=refused.params["lesson_id"],
        locale=get_locale(),
    )
    # her answer is the post: what a posting rule says of the post, it says beside her answer
    errors = FormErrors({("note" if key == "body" else key): text for key, text in refused.errors.items()})
    context.update(note=filled.note, event_id=filled.event_id, errors=errors)
    return render(refused.request, "discussions/share.html", context, status_code=refused.status_code)


@router.post("/discussions/reflections/{lesson_id}", name="reflection_share")
@shows_refusals(_share_refused)
def reflection_share(
    request: Request,
    lesson_id: Id,
    principal: Discussant,
    body: ShareForm = form(ShareForm),
    _limit: Invalid | None = limited(ratelimit.POST_PER_MINUTE, ratelimit.POST_PER_HOUR, by=account_of),
    session: Session = Depends(get_session),
) -> Response:
    """ "Save and share": her reflection is saved as her note (the lesson is complete) and posted."""
    post = reflections.share(
        session,
        principal=principal,
        lesson_id=lesson_id,
        text=body.note,
        event_id=body.event_id,
        today=today(request),
        locale=get_locale(),
    )
    return flash.flash(redirect(request, links.thread_path(post.thread_id, post.id)), REFLECTION_SHARED)
