"""Discussion pages: the boards (a course's, a cohort's), a thread with its posts, starting a thread,
replying, editing, removing, flagging and following.

Every form works as a plain POST and redirect; with htmx, a reply and a flag update the page in place.
A form refused (an empty post, the posting limit, a locked thread, an edit window closed) comes back on
the page she wrote it on, with her text and the reason.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from app import refs
from app.accounts import ratelimit
from app.accounts.ratelimit import account_of, limited
from app.accounts.submissions import Once, once
from app.db import Database, get_session, read
from app.discussions import links, moderation, reading
from app.discussions import service as discussions
from app.discussions.pages import post_form
from app.discussions.schemas import EditForm, FlagForm, FollowForm, NewThreadForm, PlaceFields, ReplyForm
from app.forms import Filled, FormErrors, Invalid, Refused, form
from app.i18n import N_, get_locale
from app.principal import Principal
from app.routing import Router, shows_refusals
from app.web import flash, state
from app.web.access import Discussant, SignedIn
from app.web.htmx import is_partial, redirect
from app.web.pages import page_number, render
from app.web.params import Ref

router = Router(include_in_schema=False)
log = logging.getLogger("academy.discussions")

THREAD_STARTED = flash.register(
    "thread-started", N_("Your discussion is started. You will be told of replies.")
)
POST_SAVED = flash.register("post-saved", N_("Your post is saved."))
POST_REMOVED = flash.register("post-removed", N_("Your post is removed."), "info")
FLAGGED = flash.register("post-flagged", N_("Thank you. The moderators will look at this post."))
FOLLOWING = flash.register(
    "following", N_("You follow this discussion: new posts appear in your notifications.")
)
UNFOLLOWED = flash.register("unfollowed", N_("You no longer follow this discussion."), "info")

POSTING_LIMIT = (ratelimit.POST_PER_MINUTE, ratelimit.POST_PER_HOUR)


# Boards -----------------------------------------------------------------------------------------------------


# The boards and a thread only read (app.db.read, as a learner's course pages do: on SQLite on the event
# loop, no worker thread's turn); a thread's "read up to here" is a short write of its own afterwards.


@router.get("/discussions", name="discussions")
async def index(request: Request, principal: SignedIn) -> Response:
    locale = get_locale()
    context = await read(
        request,
        lambda session: reading.index_page(session, principal=principal, locale=locale),
        snapshot=False,
    )
    return render(request, "discussions/index.html", context)


@router.get("/discussions/courses/{slug}", name="course_discussions")
async def course_board(
    request: Request, slug: str, principal: SignedIn, lesson: str = "", module: str = "", page: str = "1"
) -> Response:
    locale, number = get_locale(), page_number(page)
    context = await read(
        request,
        lambda session: reading.course_board(
            session, principal=principal, slug=slug, lesson=lesson, module=module, page=number, locale=locale
        ),
        snapshot=False,
    )
    return render(request, "discussions/board.html", context)


@router.get("/discussions/cohorts/{cohort_id:ref}", name="cohort_discussions")
async def cohort_board(request: Request, cohort_id: Ref, principal: SignedIn, page: str = "1") -> Response:
    locale, number = get_locale(), page_number(page)
    context = await read(
        request,
        lambda session: reading.cohort_board(
            session, principal=principal, cohort_id=cohort_id, page=number, locale=locale
        ),
        snapshot=False,
    )
    return render(request, "discussions/board.html", context)


# Starting a thread ------------------------------------------------------------------------------------------


def _new_page(
    request: Request,
    session: Session,
    principal: Principal,
    place: PlaceFields,
    filled: Filled,
    status_code: int = 200,
) -> Response:
    context = reading.new_thread_page(
        session,
        principal=principal,
        course=place.course,
        lesson=place.lesson,
        module=place.module,
        cohort=place.cohort,
        locale=get_locale(),
    )
    context.update(
        title=filled.title, body=filled.body, anonymous=bool(filled.anonymous), errors=filled.errors
    )
    return render(request, "discussions/new.html", context, status_code=status_code)


def _new_refused(refused: Refused) -> Response:
    """The new-thread form again, her title and post kept, the reasons beside them."""
    place = PlaceFields.model_validate(refused.values)
    filled = Filled(refused.values, refused.errors)
    principal = refused.params["principal"]
    return _new_page(refused.request, refused.session, principal, place, filled, refused.status_code)


@router.get("/discussions/new", name="thread_new")
def new_thread_form(
    request: Request,
    principal: Discussant,
    course: str = "",
    lesson: str = "",
    module: str = "",
    cohort: str = "",
    session: Session = Depends(get_session),
) -> Response:
    place = PlaceFields(course=course, lesson=lesson, module=module, cohort=cohort)
    return _new_page(request, session, principal, place, Filled())


@router.post("/discussions/new", name="thread_create")
@shows_refusals(_new_refused)
def new_thread(
    request: Request,
    principal: Discussant,
    body: NewThreadForm = form(NewThreadForm),
    _limit: Invalid | None = limited(*POSTING_LIMIT, by=account_of),
    sent: Once = once("thread"),
    session: Session = Depends(get_session),
) -> Response:
    if earlier := sent.earlier(session):  # sent twice: the thread the first send started
        return redirect(request, earlier)
    thread = discussions.start_thread_named(
        session,
        principal=principal,
        course=body.course,
        lesson=body.lesson,
        module=body.module,
        cohort=body.cohort,
        title=body.title,
        body=body.body,
        anonymous=body.anonymous,
        locale=get_locale(),
    )
    return flash.flash(redirect(request, sent.done(session, links.thread_path(thread.id))), THREAD_STARTED)


# A thread ---------------------------------------------------------------------------------------------------


@router.get("/threads/{thread_id:ref}", name="thread")
async def thread_page(
    request: Request,
    thread_id: Ref,
    principal: SignedIn,
    page: str = "1",
    post: str = "",
    reply_to: str = "",
) -> Response:
    locale, number = get_locale(), page_number(page)
    shown, answering = refs.decode_optional(post), refs.decode_optional(reply_to)
    context = await read(
        request,
        lambda session: reading.thread_page(
            session,
            principal=principal,
            thread_id=thread_id,
            page=number,
            post=shown,
            reply_to=answering,
            locale=locale,
        ),
        snapshot=False,
    )
    response = render(request, "discussions/thread.html", context)
    if context["shown_up_to"] > context["read_before"]:  # only when there is something new
        mark = functools.partial(
            discussions.mark_read,
            user_id=principal.user_id,
            thread_id=thread_id,
            up_to=context["shown_up_to"],
        )
        response.background = BackgroundTask(_note_read, state.database(request), mark)
    return response


async def _note_read(database: Database, mark: Callable[[Session], None]) -> None:
    """What she has read, noted once the page has gone to her (nothing on it depends on the note; skipped
    in an outage: Database.note)."""
    try:
        await database.note(mark)
    except Exception:  # a bug; the response has gone: there is no one to answer but the log
        log.exception("a thread's read mark was not written")


def _reply_refused(refused: Refused) -> Response:
    """The thread page again (or its list of posts, for htmx), her post in the form, the reason beside
    it; shown even where she can no longer post (locked, paused), so that she keeps what she wrote."""
    filled = Filled(refused.values, refused.errors)
    context = reading.thread_page(
        refused.session,
        principal=refused.params["principal"],
        thread_id=refused.params["thread_id"],
        page=page_number(str(filled.page)),
        reply_to=refs.decode_optional(str(filled.parent)),
        locale=get_locale(),
    )
    context.update(body=filled.body, anonymous=bool(filled.anonymous), errors=filled.errors)
    return render(
        refused.request,
        "discussions/thread.html",
        context,
        block="discussion",
        status_code=refused.status_code,
    )


@router.post("/threads/{thread_id:ref}/posts", name="thread_reply")
@shows_refusals(_reply_refused)
def thread_reply(
    request: Request,
    thread_id: Ref,
    principal: Discussant,
    body: ReplyForm = form(ReplyForm),
    _limit: Invalid | None = limited(*POSTING_LIMIT, by=account_of),
    sent: Once = once("reply"),
    session: Session = Depends(get_session),
) -> Response:
    if earlier := sent.earlier(session):  # sent twice: her post is there once
        return redirect(request, earlier)
    post = discussions.reply_in(
        session,
        principal=principal,
        thread_id=thread_id,
        body=body.body,
        parent_id=body.parent_id,
        anonymous=body.anonymous,
    )
    location = sent.done(session, links.thread_path(thread_id, post.id))
    if is_partial(request):
        context = reading.thread_page(
            session, principal=principal, thread_id=thread_id, post=post.id, locale=get_locale()
        )
        return render(request, "discussions/thread.html", context, block="discussion")
    return redirect(request, location)


@router.post("/threads/{thread_id:ref}/follow", name="thread_follow")
def thread_follow(
    request: Request,
    thread_id: Ref,
    principal: SignedIn,
    body: FollowForm = form(FollowForm),
    session: Session = Depends(get_session),
) -> Response:
    discussions.set_following(session, principal=principal, thread_id=thread_id, following=body.follow)
    return flash.flash(
        redirect(request, links.thread_path(thread_id)), FOLLOWING if body.follow else UNFOLLOWED
    )


# A post -----------------------------------------------------------------------------------------------------


@router.get("/posts/{post_id:ref}/edit", name="post_edit_form")
def post_edit_form(
    request: Request, post_id: Ref, principal: Discussant, session: Session = Depends(get_session)
) -> Response:
    context = reading.edit_page(session, principal=principal, post_id=post_id)
    return render(request, "discussions/edit.html", {**context, "errors": FormErrors()})


def _edit_refused(refused: Refused) -> Response:
    """The edit page again, with her edited text and the reason (an empty post, the window closed)."""
    filled = Filled(refused.values, refused.errors)
    principal, post_id = refused.params["principal"], refused.params["post_id"]
    context = reading.edit_page(refused.session, principal=principal, post_id=post_id)
    context.update(body=filled.body, errors=filled.errors)
    return render(refused.request, "discussions/edit.html", context, status_code=refused.status_code)


@router.post("/posts/{post_id:ref}/edit", name="post_edit")
@shows_refusals(_edit_refused)
def post_edit(
    request: Request,
    post_id: Ref,
    principal: Discussant,
    body: EditForm = form(EditForm),
    session: Session = Depends(get_session),
) -> Response:
    post = discussions.edit_own_post(session, principal=principal, post_id=post_id, body=body.body)
    return flash.flash(redirect(request, links.thread_path(post.thread_id, post.id)), POST_SAVED)


@router.post("/posts/{post_id:ref}/remove", name="post_remove")
def post_remove(
    request: Request, post_id: Ref, principal: Discussant, session: Session = Depends(get_session)
) -> Response:
    post = discussions.remove_own_post(session, principal=principal, post_id=post_id)
    return flash.flash(redirect(request, links.thread_path(post.thread_id, post.id)), POST_REMOVED)


@router.get("/posts/{post_id:ref}/flag", name="post_flag_form")
def post_flag_form(
    request: Request, post_id: Ref, principal: Discussant, session: Session = Depends(get_session)
) -> Response:
    context = reading.flag_page(session, principal=principal, post_id=post_id)
    context.update(errors=FormErrors(), reason="", note="")
    return render(request, "discussions/flag.html", context)


def _flag_refused(refused: Refused) -> Response:
    """The flag form again, her reason and note kept: the post with its form open, for htmx (which
    flagged in place); the flag page otherwise."""
    filled = Filled(refused.values, refused.errors)
    principal, post_id = refused.params["principal"], refused.params["post_id"]
    if is_partial(refused.request):
        context = reading.post_fragment(refused.session, principal=principal, post_id=post_id)
        context["flag_form"] = post_form(post_id, filled)
        template = "discussions/_post.html"
    else:
        context = reading.flag_page(refused.session, principal=principal, post_id=post_id)
        context.update(errors=filled.errors, reason=filled.reason, note=filled.note)
        template = "discussions/flag.html"
    return render(refused.request, template, context, status_code=refused.status_code)


@router.post("/posts/{post_id:ref}/flag", name="post_flag")
@shows_refusals(_flag_refused)
def post_flag(
    request: Request,
    post_id: Ref,
    principal: Discussant,
    body: FlagForm = form(FlagForm),
    _limit: Invalid | None = limited(ratelimit.FLAG_PER_HOUR, by=account_of),
    session: Session = Depends(get_session),
) -> Response:
    post = moderation.flag_post(
        session, principal=principal, post_id=post_id, reason=body.reason, note=body.note
    )
    if is_partial(request):
        context = reading.post_fragment(session, principal=principal, post_id=post.id)
        return render(request, "discussions/_post.html", {**context, "flagged_now": True})
    return flash.flash(redirect(request, links.thread_path(post.thread_id, post.id)), FLAGGED)
