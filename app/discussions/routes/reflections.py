"""A reflection lesson's discussion: opened the first time anyone asks for it, and "save and share",
which keeps her answer as her note (completing the lesson) and posts it there."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.courses import service as courses_service
from app.courses.models import Course, Lesson, live
from app.db import get_session
from app.discussions import service as discussions
from app.discussions.access import Viewer, viewer_for
from app.discussions.models import Thread
from app.discussions.pages import limit_posting
from app.forms import clean_line, clean_text, form_fields
from app.i18n import N_, get_locale
from app.learning import service as learning_service
from app.permissions import Capability
from app.principal import Principal
from app.routing import Route
from app.web import flash
from app.web.access import require, require_user
from app.web.htmx import redirect
from app.web.pages import today

router = APIRouter(include_in_schema=False, route_class=Route)
discusses = require(Capability.DISCUSS)

REFLECTION_SHARED = flash.register(
    "reflection-shared", N_("Your reflection is saved and shared in the discussion.")
)


def _reflection(session: Session, viewer: Viewer, lesson_id: int) -> tuple[Thread, Lesson, Course]:
    lesson = session.scalars(sa.select(Lesson).where(Lesson.id == lesson_id, live(Lesson))).one_or_none()
    if lesson is None or lesson.kind != "reflection":
        raise discussions.ThreadNotFound()
    course = session.get(Course, lesson.course_id)
    if course is None or not viewer.can_read(discussions.Place("lesson", lesson.course_id)):
        raise discussions.ThreadNotFound()
    outline = courses_service.outlines_by_id(session, [course.id], locale=course.source_language)[course.id]
    content = courses_service.lesson_content(
        session, course=outline, slug=lesson.slug, locale=course.source_language
    )
    title = content.prompt or next(
        (item.title for item in outline.lessons() if item.id == lesson.id), lesson.slug
    )
    thread = discussions.reflection_thread(
        session, lesson_id=lesson.id, course_id=lesson.course_id, module_id=lesson.module_id, title=title
    )
    return thread, lesson, course


@router.get("/discussions/reflections/{lesson_id}", name="reflection_thread")
def reflection_thread(
    request: Request,
    lesson_id: int,
    principal: Principal = Depends(require_user),
    session: Session = Depends(get_session),
) -> Response:
    viewer = viewer_for(session, principal)
    existing = session.scalars(
        sa.select(Thread).where(Thread.system_key == f"reflection:{lesson_id}")
    ).one_or_none()
    if existing is not None and viewer.can_read(existing):
        return redirect(request, f"/threads/{existing.id}")
    with request.app.state.database.session(write=True) as writer:  # the first time anyone asks
        thread, _lesson, _course = _reflection(writer, viewer, lesson_id)
        writer.commit()
    return redirect(request, f"/threads/{thread.id}")


@router.post("/discussions/reflections/{lesson_id}", name="reflection_share")
def reflection_share(
    request: Request,
    lesson_id: int,
    principal: Principal = Depends(discusses),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    """ "Save and share": her reflection is saved as her note (the lesson is complete) and posted."""
    viewer = viewer_for(session, principal)
    text = clean_text(raw.get("note"), discussions.BODY_MAX + 1)
    discussions.clean_body(text)
    limit_posting(request, session, principal)
    thread, lesson, course = _reflection(session, viewer, lesson_id)
    access = learning_service.access(
        session, user_id=viewer.user_id, course_id=course.id, today=today(request)
    )
    if access.can_record:
        outline = courses_service.outlines_by_id(session, [course.id], locale=get_locale())[course.id]
        item = next(item for item in outline.lessons() if item.id == lesson.id)
        learning_service.save_note(session, user_id=viewer.user_id, lesson_id=lesson.id, text=text[:5000])
        learning_service.record_event(
            session, user_id=viewer.user_id, course_id=course.id, pass_mark=course.pass_mark, lesson=item,
            type="completed", client_event_id=clean_line(raw.get("event_id"), 64) or f"share-{lesson.id}",
        )  # fmt: skip
    post = discussions.reply(session, viewer, thread, body=text)
    session.commit()
    return flash.flash(
        redirect(request, f"/threads/{thread.id}?post={post.id}#post-{post.id}"), REFLECTION_SHARED
    )
