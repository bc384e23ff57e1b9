"""What the discussion pages show, for one reader: the boards, a thread with its posts, the forms'
pages, her notifications and the moderators' pages. Each reads; none writes (marking a thread read is
the thread page's write of its own: service.mark_read through Database.write_aside).

Each returns the page's context (the names its template uses), built from the services' rules:
what she may read, as she may see it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.courses import service as courses_service
from app.discussions import moderation, notifications, places
from app.discussions import service as discussions
from app.discussions.access import Viewer, viewer_for
from app.discussions.exceptions import PostNotFound, ThreadNotFound
from app.discussions.models import Thread
from app.errors import DomainError
from app.forms import FormErrors
from app.learning.models import Cohort
from app.principal import Principal
from app.refs import encode
from app.web.pagination import Page

# Boards -----------------------------------------------------------------------------------------------------


def index_page(session: Session, *, principal: Principal, locale: str) -> dict[str, Any]:
    """The boards she may read (her courses', her cohorts'), with how much is new on each."""
    viewer = viewer_for(session, principal)
    course_ids = sorted(viewer.courses)
    outlines = courses_service.outlines_by_id(session, course_ids, locale=locale) if course_ids else {}
    cohort_ids = sorted(viewer.cohorts)
    cohort_rows = (
        list(session.scalars(sa.select(Cohort).where(Cohort.id.in_(cohort_ids)).order_by(Cohort.name)))
        if cohort_ids
        else []
    )
    return {
        "courses": sorted(outlines.values(), key=lambda outline: outline.title),
        "cohorts": cohort_rows,
        "unread": discussions.unread_by_place(session, viewer, course_ids=course_ids, cohort_ids=cohort_ids),
        "queue": moderation.queue_size(session, viewer) if viewer.moderator else 0,
    }


def _new_url(course: str = "", lesson: str = "", module: str = "", cohort: int | None = None) -> str:
    if cohort is not None:
        return f"/discussions/new?cohort={encode(cohort)}"
    query = f"course={course}"
    if lesson:
        query += f"&lesson={lesson}"
    elif module:
        query += f"&module={module}"
    return f"/discussions/new?{query}"


def course_board(
    session: Session, *, principal: Principal, slug: str, lesson: str, module: str, page: int, locale: str
) -> dict[str, Any]:
    """A course's threads (all of them, or one lesson's or one module's), newest activity first."""
    viewer = viewer_for(session, principal)
    outline = courses_service.outline(session, slug=slug, locale=locale)
    if not viewer.can_read(discussions.Place("course", outline.id)):
        raise ThreadNotFound()
    where: sa.ColumnElement[bool] = sa.and_(Thread.course_id == outline.id, Thread.scope != "cohort")
    chosen_lesson = next((item for item in outline.lessons() if item.slug == lesson), None)
    chosen_module = next((item for item in outline.modules if item.slug == module), None)
    if chosen_lesson:
        where = sa.and_(where, Thread.lesson_id == chosen_lesson.id)
    elif chosen_module:
        where = sa.and_(where, Thread.module_id == chosen_module.id, Thread.scope == "module")
    listing = discussions.thread_list(session, viewer, where, page=page)
    enrolment = viewer.enrolments.get(outline.id)
    return {
        "kind": "course",
        "course": outline,
        "cohort": None,
        "my_cohort": session.get(Cohort, enrolment) if enrolment else None,
        "lesson": chosen_lesson,
        "module": chosen_module,
        "listing": listing,
        "labels": places.describe(session, [row.thread for row in listing.items], locale=locale),
        "params": f"lesson={lesson}&" if chosen_lesson else (f"module={module}&" if chosen_module else ""),
        "new_url": _new_url(
            outline.slug,
            chosen_lesson.slug if chosen_lesson else "",
            chosen_module.slug if chosen_module else "",
        ),
        "moderates": viewer.moderates(discussions.Place("course", outline.id)),
    }


def cohort_board(
    session: Session, *, principal: Principal, cohort_id: int, page: int, locale: str
) -> dict[str, Any]:
    viewer = viewer_for(session, principal)
    cohort = session.get(Cohort, cohort_id)
    if cohort is None or not viewer.can_read(discussions.Place("cohort", None, cohort_id=cohort_id)):
        raise ThreadNotFound()
    listing = discussions.thread_list(session, viewer, Thread.cohort_id == cohort.id, page=page)
    outline = courses_service.outlines_by_id(session, [cohort.course_id], locale=locale).get(cohort.course_id)
    return {
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
    }


# Starting a thread ------------------------------------------------------------------------------------------


def new_thread_page(
    session: Session,
    *,
    principal: Principal,
    course: str = "",
    lesson: str = "",
    module: str = "",
    cohort: str = "",
    locale: str,
) -> dict[str, Any]:
    """The new-thread form for the place a board's link names, if she may post there."""
    place, words = discussions.place_named(
        session, course=course, lesson=lesson, module=module, cohort=cohort, locale=locale
    )
    discussions.check_can_post(session, viewer_for(session, principal), place)
    return {
        "course": words.course,
        "lesson": words.lesson,
        "module": words.module,
        "cohort": words.cohort,
        "place": place,
        "anonymous_allowed": discussions.anonymous_allowed(place),
    }


# A thread ---------------------------------------------------------------------------------------------------


def thread_page(
    session: Session,
    *,
    principal: Principal,
    thread_id: int,
    page: int = 1,
    post: int | None = None,
    reply_to: int | None = None,
    locale: str,
) -> dict[str, Any]:
    """One page of a thread (the page that shows `post`, when one is asked for), with what is new to
    her since she last read it (`shown_up_to` > `read_before`: the page may mark it read)."""
    viewer = viewer_for(session, principal)
    thread = discussions.get_thread(session, viewer, thread_id)
    if post is not None:  # a link to one post: the page it is on
        page = discussions.page_of_post(session, thread, post)
    return thread_context(session, viewer, thread, page=page, reply_to=reply_to, locale=locale)


def thread_context(
    session: Session, viewer: Viewer, thread: Thread, *, page: int, reply_to: int | None = None, locale: str
) -> dict[str, Any]:
    read_before = discussions.last_read(session, user_id=viewer.user_id, thread_id=thread.id)
    posts = discussions.posts_of(session, viewer, thread, page=page, last_read=read_before)
    label = places.describe(session, [thread], locale=locale).get(thread.id)
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
        "prompt": _prompt(session, thread, locale=locale),
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
        "flag_form": None,  # a post's refused flag, or a moderator's refused decision (pages.post_form)
        "decision": None,
    }


def _prompt(session: Session, thread: Thread, *, locale: str) -> str:
    """The question a reflection thread discusses, in the reader's language."""
    if not thread.system_key or thread.lesson_id is None or thread.course_id is None:
        return ""
    outline = courses_service.outlines_by_id(session, [thread.course_id], locale=locale).get(thread.course_id)
    item = (
        next((item for item in outline.lessons() if item.id == thread.lesson_id), None) if outline else None
    )
    if outline is None or item is None:
        return ""
    return courses_service.lesson_content(session, course=outline, slug=item.slug, locale=locale).prompt


def thread_for_api(
    session: Session, *, principal: Principal, thread_id: int, page: int
) -> tuple[Thread, Page[discussions.PostView]]:
    """A thread she may read, and one page of its posts as she may see them."""
    viewer = viewer_for(session, principal)
    thread = discussions.get_thread(session, viewer, thread_id)
    return thread, discussions.posts_of(session, viewer, thread, page=page)


# A post -----------------------------------------------------------------------------------------------------


def edit_page(session: Session, *, principal: Principal, post_id: int) -> dict[str, Any]:
    """Her own visible post, to edit (anyone else's is not found)."""
    viewer = viewer_for(session, principal)
    post, thread = discussions.get_post(session, viewer, post_id)
    if post.author_id != viewer.user_id or post.status != "visible":
        raise PostNotFound()
    return {"post": post, "thread": thread, "body": post.body_md}


def flag_page(session: Session, *, principal: Principal, post_id: int) -> dict[str, Any]:
    viewer = viewer_for(session, principal)
    post, thread = discussions.get_post(session, viewer, post_id)
    return {"post": post, "thread": thread, "reasons": moderation.FLAG_REASONS}


def post_fragment(session: Session, *, principal: Principal, post_id: int) -> dict[str, Any]:
    """One post as she sees it (without its replies): what htmx swaps in after she flagged it."""
    viewer = viewer_for(session, principal)
    post, thread = discussions.get_post(session, viewer, post_id)
    return {
        "post": discussions.post_view(session, viewer, thread, post.id),
        "thread": thread,
        "reasons": moderation.FLAG_REASONS,
        "can_post": True,
        "flag_form": None,
        "decision": None,
    }


# Her notifications ------------------------------------------------------------------------------------------


def notifications_page(session: Session, *, principal: Principal, locale: str) -> dict[str, Any]:
    """Her notifications about what she may still read, and how often the digest comes."""
    viewer = viewer_for(session, principal)
    rows = [
        (notification, thread)
        for notification, thread in notifications.recent(session, user_id=viewer.user_id)
        if thread is None or viewer.can_read(thread)
    ]
    labels = places.describe(session, [thread for _n, thread in rows if thread is not None], locale=locale)
    cohort_ids = sorted({n.cohort_id for n, _t in rows if n.cohort_id})
    cohort_names = (
        dict(session.execute(sa.select(Cohort.id, Cohort.name).where(Cohort.id.in_(cohort_ids))).all())
        if cohort_ids
        else {}
    )
    return {
        "rows": rows,
        "labels": labels,
        "cohort_names": cohort_names,
        "frequency": notifications.frequency_of(session, user_id=viewer.user_id),
        "frequencies": notifications.FREQUENCIES,
        "link_texts": notifications.LINK_TEXTS,
        "describe": notifications.describe,  # what happened, from the facts it keeps, in her language
        "has_reason": notifications.has_reason,
    }


# The moderators' pages --------------------------------------------------------------------------------------


def queue_page(session: Session, *, principal: Principal, locale: str) -> dict[str, Any]:
    viewer = viewer_for(session, principal)
    items = moderation.queue(session, viewer)
    return {
        "items": items,
        "labels": places.describe(session, [item.thread for item in items], locale=locale),
        "reasons": moderation.FLAG_REASONS,
        "decision": None,
    }


def decision_page(session: Session, *, principal: Principal, post_id: int, locale: str) -> dict[str, Any]:
    """The thread page a moderator decided on a post from: the page that shows the post."""
    viewer = viewer_for(session, principal)
    post, thread = discussions.get_post(session, viewer, post_id)
    page = discussions.page_of_post(session, thread, post.id)
    return thread_context(session, viewer, thread, page=page, locale=locale)


def mutes_page(session: Session, *, principal: Principal, cohort_id: int) -> dict[str, Any]:
    """A cohort's paused members, and the learners a moderator may pause."""
    cohort, _viewer = moderation.moderated_cohort(session, principal=principal, cohort_id=cohort_id)
    return {
        "cohort": cohort,
        "mutes": moderation.active_mutes(session, cohort),
        "member_choices": [(str(m.id), m.display_name) for m in moderation.cohort_members(session, cohort)],
        "max_days": moderation.MUTE_DAYS_MAX,
    }
