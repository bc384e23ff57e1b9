"""Discussion pages: the boards (a course's, a cohort's), a thread with its posts, starting a thread,
replying, editing, removing, flagging and following.

Every form works as a plain POST and redirect; with htmx, a reply and a flag update the page in place.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.accounts import ratelimit
from app.accounts.exceptions import RateLimited
from app.courses import service as courses_service
from app.db import get_session
from app.discussions import moderation, places
from app.discussions import service as discussions
from app.discussions.access import Viewer, viewer_for
from app.discussions.models import Thread
from app.discussions.pages import limit_posting
from app.errors import DomainError
from app.forms import FormErrors, clean_line, clean_text, form_fields
from app.i18n import N_, get_locale
from app.learning.models import Cohort
from app.permissions import Capability
from app.principal import Principal
from app.routing import Route
from app.web import flash
from app.web.access import require, require_user
from app.web.htmx import is_partial, redirect
from app.web.pages import page_number, render

router = APIRouter(include_in_schema=False, route_class=Route)
discusses = require(Capability.DISCUSS)

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


# Boards -----------------------------------------------------------------------------------------------------


@router.get("/discussions", name="discussions")
def index(
    request: Request, principal: Principal = Depends(require_user), session: Session = Depends(get_session)
) -> Response:
    viewer = viewer_for(session, principal)
    course_ids = sorted(viewer.courses)
    outlines = courses_service.outlines_by_id(session, course_ids, locale=get_locale()) if course_ids else {}
    cohort_ids = sorted(viewer.cohorts)
    cohort_rows = (
        list(session.scalars(sa.select(Cohort).where(Cohort.id.in_(cohort_ids)).order_by(Cohort.name)))
        if cohort_ids
        else []
    )
    unread = discussions.unread_by_place(session, viewer, course_ids=course_ids, cohort_ids=cohort_ids)
    return render(
        request,
        "discussions/index.html",
        {
            "courses": sorted(outlines.values(), key=lambda outline: outline.title),
            "cohorts": cohort_rows,
            "unread": unread,
            "queue": moderation.queue_size(session, viewer) if viewer.moderator else 0,
        },
    )


@router.get("/discussions/courses/{slug}", name="course_discussions")
def course_board(
    request: Request,
    slug: str,
    lesson: str = "",
    module: str = "",
    page: str = "1",
    principal: Principal = Depends(require_user),
    session: Session = Depends(get_session),
) -> Response:
    viewer = viewer_for(session, principal)
    outline = courses_service.outline(session, slug=slug, locale=get_locale())
    if not viewer.can_read(discussions.Place("course", outline.id)):
        raise discussions.ThreadNotFound()
    where: sa.ColumnElement[bool] = sa.and_(Thread.course_id == outline.id, Thread.scope != "cohort")
    chosen_lesson = next((item for item in outline.lessons() if item.slug == lesson), None)
    chosen_module = next((item for item in outline.modules if item.slug == module), None)
    if chosen_lesson:
        where = sa.and_(where, Thread.lesson_id == chosen_lesson.id)
    elif chosen_module:
        where = sa.and_(where, Thread.module_id == chosen_module.id, Thread.scope == "module")
    listing = discussions.thread_list(session, viewer, where, page=page_number(page))
    labels = places.describe(session, [row.thread for row in listing.items], locale=get_locale())
    enrolment = viewer.enrolments.get(outline.id)
    return render(
        request,
        "discussions/board.html",
        {
            "kind": "course",
            "course": outline,
            "cohort": None,
            "my_cohort": session.get(Cohort, enrolment) if enrolment else None,
            "lesson": chosen_lesson,
            "module": chosen_module,
            "listing": listing,
            "labels": labels,
            "params": f"lesson={lesson}&"
            if chosen_lesson
            else (f"module={module}&" if chosen_module else ""),
            "new_url": _new_url(
                outline.slug,
                chosen_lesson.slug if chosen_lesson else "",
                chosen_module.slug if chosen_module else "",
            ),
            "moderates": viewer.moderates(discussions.Place("course", outline.id)),
        },
    )


def _new_url(course: str = "", lesson: str = "", module: str = "", cohort: int | None = None) -> str:
    if cohort is not None:
        return f"/discussions/new?cohort={cohort}"
    query = f"course={course}"
    if lesson:
        query += f"&lesson={lesson}"
    elif module:
        query += f"&module={module}"
    return f"/discussions/new?{query}"


@router.get("/discussions/cohorts/{cohort_id}", name="cohort_discussions")
def cohort_board(
    request: Request,
    cohort_id: int,
    page: str = "1",
    principal: Principal = Depends(require_user),
    session: Session = Depends(get_session),
) -> Response:
    viewer = viewer_for(session, principal)
    cohort = session.get(Cohort, cohort_id)
    if cohort is None or not viewer.can_read(discussions.Place("cohort", None, cohort_id=cohort_id)):
        raise discussions.ThreadNotFound()
    listing = discussions.thread_list(session, viewer, Thread.cohort_id == cohort.id, page=page_number(page))
    outline = courses_service.outlines_by_id(session, [cohort.course_id], locale=get_locale()).get(
        cohort.course_id
    )
    return render(
        request,
        "discussions/board.html",
        {
            "kind": "cohort",
            "course": outline,
            "cohort": cohort,
            "my_cohort": None,
            "lesson": None,
            "module": None,
            "listing": listing,
            "labels": {},
            "params": "",
            "new_url": _new_url(cohort=cohort.id),
            "moderates": viewer.moderates_cohort(cohort.id),
        },
    )


# Starting a thread ------------------------------------------------------------------------------------------


def _place_from(session: Session, fields: dict[str, str]) -> tuple[discussions.Place, dict[str, Any]]:
    """The place the new-thread form names (course with lesson or module, or cohort), and its words."""
    cohort_id = clean_line(fields.get("cohort"), 12)
    if cohort_id:
        if not cohort_id.isdigit():
            raise discussions.ThreadNotFound()
        place = discussions.place_of(session, cohort_id=int(cohort_id))
        cohort = session.get(Cohort, int(cohort_id))
        return place, {"cohort": cohort, "course": None, "lesson": None, "module": None}
    outline = courses_service.outline(session, slug=clean_line(fields.get("course"), 80), locale=get_locale())
    lesson_slug, module_slug = clean_line(fields.get("lesson"), 80), clean_line(fields.get("module"), 80)
    words: dict[str, Any] = {"cohort": None, "course": outline, "lesson": None, "module": None}
    if lesson_slug:
        words["lesson"] = outline.lesson(lesson_slug)
        return discussions.place_of(session, lesson_id=words["lesson"].id), words
    if module_slug:
        words["module"] = next((m for m in outline.modules if m.slug == module_slug), None)
        if words["module"] is None:
            raise discussions.ThreadNotFound()
        return discussions.place_of(session, module_id=words["module"].id), words
    return discussions.place_of(session, course_id=outline.id), words


def _new_context(
    place: discussions.Place, words: dict[str, Any], fields: dict[str, str], errors: FormErrors
) -> dict[str, Any]:
    return {
        **words,
        "place": place,
        "title": fields.get("title", ""),
        "body": fields.get("body", ""),
        "anonymous": bool(fields.get("anonymous")),
        "anonymous_allowed": discussions.anonymous_allowed(place),
        "errors": errors,
    }


@router.get("/discussions/new", name="thread_new")
def new_thread_form(
    request: Request,
    principal: Principal = Depends(discusses),
    session: Session = Depends(get_session),
) -> Response:
    fields = {
        key: value
        for key, value in request.query_params.items()
        if key in ("course", "lesson", "module", "cohort")
    }
    place, words = _place_from(session, fields)
    viewer = viewer_for(session, principal)
    discussions.check_can_post(session, viewer, place)
    return render(
        request,
        "discussions/new.html",
        _new_context(place, words, {**fields, "title": "", "body": ""}, FormErrors()),
    )


@router.post("/discussions/new", name="thread_create")
def new_thread(
    request: Request,
    principal: Principal = Depends(discusses),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    place, words = _place_from(session, raw)
    viewer = viewer_for(session, principal)
    discussions.check_can_post(session, viewer, place)
    fields = {
        **raw,
        "title": clean_line(raw.get("title"), discussions.TITLE_MAX + 1),
        "body": clean_text(raw.get("body"), discussions.BODY_MAX + 1),
    }
    errors = FormErrors()
    try:
        discussions.clean_title(fields["title"])
    except DomainError as exc:
        errors.add("title", exc.message, **exc.params)
    try:
        discussions.clean_body(fields["body"])
    except DomainError as exc:
        errors.add("body", exc.message, **exc.params)
    if errors:
        return render(
            request, "discussions/new.html", _new_context(place, words, fields, errors), status_code=422
        )
    limit_posting(request, session, principal)
    thread, _post = discussions.start_thread(
        session,
        viewer,
        place,
        title=fields["title"],
        body=fields["body"],
        anonymous=bool(raw.get("anonymous")),
    )
    session.commit()
    return flash.flash(redirect(request, f"/threads/{thread.id}"), THREAD_STARTED)


# A thread ---------------------------------------------------------------------------------------------------


def _thread_context(
    request: Request,
    session: Session,
    viewer: Viewer,
    thread: Thread,
    *,
    page: int,
    reply_to: int | None = None,
) -> dict[str, Any]:
    read_before = discussions.last_read(session, user_id=viewer.user_id, thread_id=thread.id)
    posts = discussions.posts_of(session, viewer, thread, page=page, last_read=read_before)
    label = places.describe(session, [thread], locale=get_locale()).get(thread.id)
    shown = [p.id for item in posts.items for p in (item, *item.replies)]
    parent = next((item for item in posts.items if item.id == reply_to), None)
    can_post, why_not = True, ""
    try:
        discussions.check_can_post(session, viewer, thread)
    except DomainError as exc:
        can_post, why_not = False, exc.translated()
    return {
        "thread": thread,
        "label": label,
        "prompt": _prompt(session, thread),
        "posts": posts,
        "shown_up_to": max(shown, default=0),
        "read_before": read_before,
        "following": discussions.is_following(session, user_id=viewer.user_id, thread_id=thread.id),
        "moderates": viewer.moderates(thread),
        "can_post": can_post,
        "why_not": why_not,
        "anonymous_allowed": discussions.anonymous_allowed(thread),
        "reply_to": parent,
        "body": "",
        "anonymous": False,
        "errors": FormErrors(),
        "reasons": moderation.FLAG_REASONS,
    }


def _prompt(session: Session, thread: Thread) -> str:
    """The question a reflection thread discusses, in the reader's language."""
    if not thread.system_key or thread.lesson_id is None or thread.course_id is None:
        return ""
    outline = courses_service.outlines_by_id(session, [thread.course_id], locale=get_locale()).get(
        thread.course_id
    )
    item = (
        next((item for item in outline.lessons() if item.id == thread.lesson_id), None) if outline else None
    )
    if outline is None or item is None:
        return ""
    return courses_service.lesson_content(session, course=outline, slug=item.slug, locale=get_locale()).prompt


@router.get("/threads/{thread_id}", name="thread")
def thread_page(
    request: Request,
    thread_id: int,
    page: str = "1",
    post: str = "",
    reply_to: str = "",
    principal: Principal = Depends(require_user),
    session: Session = Depends(get_session),
) -> Response:
    viewer = viewer_for(session, principal)
    thread = discussions.get_thread(session, viewer, thread_id)
    if post.isdigit() and len(post) < 12:  # a link to one post: the page it is on
        page = str(discussions.page_of_post(session, thread, int(post)))
    context = _thread_context(
        request,
        session,
        viewer,
        thread,
        page=page_number(page),
        reply_to=int(reply_to) if reply_to.isdigit() else None,
    )
    if context["shown_up_to"] > context["read_before"]:
        with request.app.state.database.session(write=True) as writer:  # only when there is something new
            discussions.mark_read(
                writer, user_id=viewer.user_id, thread_id=thread.id, up_to=context["shown_up_to"]
            )
            writer.commit()
    return render(request, "discussions/thread.html", context)


@router.post("/threads/{thread_id}/posts", name="thread_reply")
def thread_reply(
    request: Request,
    thread_id: int,
    principal: Principal = Depends(discusses),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    viewer = viewer_for(session, principal)
    thread = discussions.get_thread(session, viewer, thread_id)
    discussions.check_can_post(session, viewer, thread)
    body = clean_text(raw.get("body"), discussions.BODY_MAX + 1)
    parent = clean_line(raw.get("parent"), 12)
    parent_id = int(parent) if parent.isdigit() else None
    anonymous = bool(raw.get("anonymous"))
    try:
        discussions.clean_body(body)
    except DomainError as exc:
        context = _thread_context(
            request, session, viewer, thread, page=page_number(raw.get("page")), reply_to=parent_id
        )
        context["errors"].add("body", exc.message, **exc.params)
        context.update(body=body[: discussions.BODY_MAX], anonymous=anonymous)
        return render(request, "discussions/thread.html", context, block="discussion", status_code=422)
    limit_posting(request, session, principal)
    post = discussions.reply(session, viewer, thread, body=body, parent_id=parent_id, anonymous=anonymous)
    session.commit()
    if is_partial(request):
        last_page = discussions.page_of_post(session, thread, post.id)
        context = _thread_context(request, session, viewer, thread, page=last_page)
        return render(request, "discussions/thread.html", context, block="discussion")
    return redirect(request, f"/threads/{thread.id}?post={post.id}#post-{post.id}")


@router.post("/threads/{thread_id}/follow", name="thread_follow")
def thread_follow(
    request: Request,
    thread_id: int,
    principal: Principal = Depends(require_user),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    viewer = viewer_for(session, principal)
    thread = discussions.get_thread(session, viewer, thread_id)
    follow = raw.get("follow") == "1"
    if follow:
        discussions.follow(session, user_id=viewer.user_id, thread_id=thread.id)
    else:
        discussions.unfollow(session, user_id=viewer.user_id, thread_id=thread.id)
    session.commit()
    return flash.flash(redirect(request, f"/threads/{thread.id}"), FOLLOWING if follow else UNFOLLOWED)


# A post -----------------------------------------------------------------------------------------------------


@router.get("/posts/{post_id}/edit", name="post_edit_form")
def post_edit_form(
    request: Request,
    post_id: int,
    principal: Principal = Depends(discusses),
    session: Session = Depends(get_session),
) -> Response:
    viewer = viewer_for(session, principal)
    post, thread = discussions.get_post(session, viewer, post_id)
    if post.author_id != viewer.user_id or post.status != "visible":
        raise discussions.PostNotFound()
    return render(
        request,
        "discussions/edit.html",
        {"post": post, "thread": thread, "body": post.body_md, "errors": FormErrors()},
    )


@router.post("/posts/{post_id}/edit", name="post_edit")
def post_edit(
    request: Request,
    post_id: int,
    principal: Principal = Depends(discusses),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    viewer = viewer_for(session, principal)
    post, thread = discussions.get_post(session, viewer, post_id)
    body = clean_text(raw.get("body"), discussions.BODY_MAX + 1)
    try:
        discussions.edit_post(session, viewer, post, thread, body=body)
    except discussions.PostInvalid as exc:
        errors = FormErrors()
        errors.add("body", exc.message, **exc.params)
        context = {"post": post, "thread": thread, "body": body[: discussions.BODY_MAX], "errors": errors}
        return render(request, "discussions/edit.html", context, status_code=422)
    session.commit()
    return flash.flash(redirect(request, f"/threads/{thread.id}#post-{post.id}"), POST_SAVED)


@router.post("/posts/{post_id}/remove", name="post_remove")
def post_remove(
    request: Request,
    post_id: int,
    principal: Principal = Depends(discusses),
    session: Session = Depends(get_session),
) -> Response:
    viewer = viewer_for(session, principal)
    post, thread = discussions.get_post(session, viewer, post_id)
    discussions.remove_post(session, viewer, post)
    session.commit()
    return flash.flash(redirect(request, f"/threads/{thread.id}#post-{post.id}"), POST_REMOVED)


@router.get("/posts/{post_id}/flag", name="post_flag_form")
def post_flag_form(
    request: Request,
    post_id: int,
    principal: Principal = Depends(discusses),
    session: Session = Depends(get_session),
) -> Response:
    viewer = viewer_for(session, principal)
    post, thread = discussions.get_post(session, viewer, post_id)
    return render(
        request,
        "discussions/flag.html",
        {
            "post": post,
            "thread": thread,
            "reasons": moderation.FLAG_REASONS,
            "errors": FormErrors(),
            "reason": "",
            "note": "",
        },
    )


@router.post("/posts/{post_id}/flag", name="post_flag")
def post_flag(
    request: Request,
    post_id: int,
    principal: Principal = Depends(discusses),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    if not request.app.state.rate_limiter.hit(session, ratelimit.FLAG_PER_HOUR, str(principal.user_id)):
        raise RateLimited()
    viewer = viewer_for(session, principal)
    post, thread = discussions.get_post(session, viewer, post_id)
    reason, note = clean_line(raw.get("reason"), 20), clean_line(raw.get("note"), moderation.REASON_MAX)
    try:
        moderation.flag(session, viewer, post, thread, reason=reason, note=note)
    except discussions.PostInvalid as exc:
        errors = FormErrors()
        errors.add("reason", exc.message, **exc.params)
        context = {
            "post": post,
            "thread": thread,
            "reasons": moderation.FLAG_REASONS,
            "errors": errors,
            "reason": reason,
            "note": note,
        }
        return render(request, "discussions/flag.html", context, status_code=422)
    session.commit()
    if is_partial(request):
        view = discussions.post_view(session, viewer, thread, post.id)
        return render(
            request,
            "discussions/_post.html",
            {
                "post": view,
                "thread": thread,
                "reasons": moderation.FLAG_REASONS,
                "can_post": True,
                "flagged_now": True,
            },
        )
    return flash.flash(redirect(request, f"/threads/{thread.id}#post-{post.id}"), FLAGGED)
