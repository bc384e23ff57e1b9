"""A reflection lesson's discussion: opened the first time anyone asks for it, and "save and share",
which keeps her answer as her note (completing the lesson) and posts it there."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.courses import service as courses_service
from app.courses.models import Course, Lesson, live
from app.discussions import service as discussions
from app.discussions.access import Viewer, viewer_for
from app.discussions.exceptions import ThreadNotFound
from app.discussions.models import Post, Thread
from app.learning import progress
from app.learning import service as learning_service
from app.principal import Principal

NOTE_MAX = 5000  # what a reflection note keeps (learning's own limit)


def _lesson(session: Session, viewer: Viewer, lesson_id: int) -> tuple[Lesson, Course]:
    """A live reflection lesson of a course whose discussions she may read; else ThreadNotFound."""
    lesson = session.scalars(sa.select(Lesson).where(Lesson.id == lesson_id, live(Lesson))).one_or_none()
    if lesson is None or lesson.kind != "reflection":
        raise ThreadNotFound()
    course = session.get(Course, lesson.course_id)
    if course is None or not viewer.can_read(discussions.Place("lesson", lesson.course_id)):
        raise ThreadNotFound()
    return lesson, course


def _reflection(session: Session, viewer: Viewer, lesson_id: int) -> tuple[Thread, Lesson, Course]:
    """The discussion of a reflection lesson she may read (opened now if nobody had asked before)."""
    lesson, course = _lesson(session, viewer, lesson_id)
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


def open_thread_id(session: Session, *, principal: Principal, lesson_id: int) -> int | None:
    """The reflection's discussion, if it is open already and she may read it (None: it must be opened,
    or she will be refused when it is)."""
    viewer = viewer_for(session, principal)
    existing = session.scalars(
        sa.select(Thread).where(Thread.system_key == f"reflection:{lesson_id}")
    ).one_or_none()
    return existing.id if existing is not None and viewer.can_read(existing) else None


def open_thread(session: Session, *, principal: Principal, lesson_id: int) -> int:
    """Open the reflection's discussion (the first time anyone asks for it): its id."""
    thread, _lesson, _course = _reflection(session, viewer_for(session, principal), lesson_id)
    return thread.id


def share(
    session: Session,
    *,
    principal: Principal,
    lesson_id: int,
    text: str,
    event_id: str,
    today: dt.date,
    locale: str,
) -> Post:
    """ "Save and share": her reflection is kept as her note (the lesson is complete, while her access
    lets her record progress) and posted in the lesson's discussion."""
    viewer = viewer_for(session, principal)
    thread, lesson, course = _reflection(session, viewer, lesson_id)
    access = learning_service.access(session, user_id=viewer.user_id, course_id=course.id, today=today)
    if access.can_record:
        learning_service.save_note(session, user_id=viewer.user_id, lesson_id=lesson.id, text=text[:NOTE_MAX])
        completed = progress.ProgressIn(
            id=event_id or f"share-{lesson.id}", lesson=f"{course.slug}/{lesson.slug}", type="completed"
        )
        known = progress.Known(access={course.id: access})
        progress.record_progress(
            session, user_id=viewer.user_id, events=[completed], today=today, locale=locale, known=known
        )
    return discussions.reply(session, viewer, thread, body=text)


def share_page(session: Session, *, principal: Principal, lesson_id: int, locale: str) -> dict[str, Any]:
    """The reflection's question and where it is, for her answer shown again (a share refused)."""
    lesson, course = _lesson(session, viewer_for(session, principal), lesson_id)
    outline = courses_service.outlines_by_id(session, [course.id], locale=locale)[course.id]
    content = courses_service.lesson_content(session, course=outline, slug=lesson.slug, locale=locale)
    title = next((item.title for item in outline.lessons() if item.id == lesson.id), lesson.slug)
    return {
        "lesson_id": lesson.id,
        "title": title,
        "prompt": content.prompt,
        "lesson_url": f"/courses/{outline.slug}/{lesson.slug}",
    }
