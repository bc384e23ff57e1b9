"""The lesson page and what she does on it: reading, a quiz, a scenario, a reflection.

`view` is everything the page shows, read in one go (the page reads through app.db.read); her first
visit to a lesson is recorded by `record_first_view`, in a short write of its own (Database.write_aside).
Marking a lesson complete, submitting a quiz and saving a reflection record their events through
`progress.record_progress`, as the API does: one way to record progress.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.courses import service as courses_service
from app.courses.service import CourseOutline, LessonContent, LessonItem
from app.errors import NotFound
from app.forms import FormErrors
from app.i18n import N_
from app.learning import progress, quiz, service
from app.learning.exceptions import EnrolFirst
from app.learning.models import ProgressEvent, ReflectionNote
from app.learning.progress import Known, ProgressAnswer, ProgressIn, lesson_id
from app.learning.service import Access, CourseProgress, HasStatus, QuizResult


def new_event_id() -> str:
    return str(uuid.uuid4())


@dataclass
class LessonPage:
    """What the lesson page shows (its template's context)."""

    course: CourseOutline
    lesson: LessonItem
    content: LessonContent
    access: Access
    progress: Mapping[int, HasStatus]  # her progress by lesson (its status is what the page shows)
    summary: CourseProgress
    previous: LessonItem | None
    next: LessonItem | None
    event_id: str = field(default_factory=new_event_id)  # the id her next event will carry
    quiz_result: QuizResult | None = None
    questions: list[dict[str, Any]] = field(default_factory=list)  # in this attempt's order
    attempt: int = 0  # the attempt the quiz form is shown for: her previous submission's id
    order: dict[str, list[str]] = field(default_factory=dict)
    unanswered: FormErrors = field(default_factory=FormErrors)  # question key -> message
    answers: dict[str, list[str]] = field(default_factory=dict)
    note: ReflectionNote | None = None
    note_errors: FormErrors = field(default_factory=FormErrors)
    draft: str | None = None  # her reflection as she sent it, when it came back
    step: dict[str, Any] | None = None  # the scenario's step
    course_completed: bool = False  # what she just did completed the course
    just_completed: bool = False  # this answer is to her "mark as complete": focus its message

    @property
    def first_view(self) -> bool:
        """Her first visit to the lesson, to be recorded (when her cohort's dates allow it)."""
        return self.lesson.id not in self.progress and self.access.can_record

    def context(self) -> dict[str, Any]:
        return {entry.name: getattr(self, entry.name) for entry in fields(self)}

    def known(self) -> Known:
        return Known(outlines={self.course.slug: self.course}, access={self.course.id: self.access})

    def after(self, answer: ProgressAnswer) -> None:
        """Her progress once the event is recorded (the row the upsert returned: nothing to read)."""
        if answer.progress is not None:
            self.progress = {**self.progress, self.lesson.id: answer.progress}
        self.summary = service.summarise(self.course, self.progress)
        self.course_completed = answer.course_completed


def _page(
    session: Session, *, user_id: int, slug: str, lesson_slug: str, locale: str, today: dt.date
) -> LessonPage:
    """The lesson as she may read it; raises (or sends her to enrol) when she may not."""
    outline = courses_service.outline(session, slug=slug, locale=locale)
    item = outline.lesson(lesson_slug)
    access = service.access(session, user_id=user_id, course_id=outline.id, today=today)
    if access.enrolment is None:
        raise EnrolFirst(slug)
    if not access.can_read:
        assert access.problem is not None
        raise access.problem
    content = courses_service.lesson_content(session, course=outline, slug=lesson_slug, locale=locale)
    rows = service.progress_of(session, user_id=user_id, course_id=outline.id)
    previous, following = outline.neighbours(lesson_slug)
    summary = service.summarise(outline, rows)
    return LessonPage(outline, item, content, access, rows, summary, previous, following)


def view(
    session: Session,
    *,
    user_id: int,
    slug: str,
    lesson_slug: str,
    locale: str,
    today: dt.date,
    step: str = "",
    retry: bool = False,
) -> LessonPage:
    """The lesson page: a quiz with her last result (or a new attempt), a scenario at its step, her
    reflection."""
    page = _page(session, user_id=user_id, slug=slug, lesson_slug=lesson_slug, locale=locale, today=today)
    structure = page.content.structure
    if page.lesson.kind == "quiz":
        last = _last_quiz(session, user_id=user_id, lesson_id=page.lesson.id)
        if last is not None and not retry:  # her last attempt, graded, as she saw it
            page.answers = last.data.get("answers", {})
            page.quiz_result = service.grade(structure, page.answers, page.course.pass_mark)
            page.questions = quiz.ordered(structure, last.data.get("order"))
        else:  # a new attempt
            _new_attempt(page, user_id=user_id, attempt=last.id if last is not None else 0)
    if page.lesson.kind == "scenario":
        steps = {entry["key"]: entry for entry in structure.get("steps", [])}
        page.step = steps.get(step) or steps.get(structure.get("start", ""))
    if page.lesson.kind == "reflection":
        page.note = service.note_of(session, user_id=user_id, lesson_id=page.lesson.id)
    return page


def _last_quiz(session: Session, *, user_id: int, lesson_id: int) -> ProgressEvent | None:
    """Her latest submission of the quiz: its id marks the next attempt, its data the last result."""
    return session.scalars(
        sa.select(ProgressEvent)
        .where(
            ProgressEvent.user_id == user_id,
            ProgressEvent.lesson_id == lesson_id,
            ProgressEvent.type == "quiz_submitted",
        )
        .order_by(ProgressEvent.id.desc())
        .limit(1)
    ).one_or_none()


def _new_attempt(page: LessonPage, *, user_id: int, attempt: int) -> None:
    """The questions of a new attempt in its own order; `attempt` is her previous submission's id."""
    structure = page.content.structure
    page.attempt = attempt
    page.order = quiz.order(structure, user_id=user_id, lesson_id=page.lesson.id, attempt=attempt)
    page.questions = quiz.ordered(structure, page.order)


def record_first_view(
    session: Session, *, user_id: int, page: LessonPage, today: dt.date, locale: str
) -> None:
    """Her first visit to the lesson (the page checked that it is one); the event's id is the lesson's,
    so a second first visit, or the same view sent by her phone, is stored once."""
    event = ProgressIn(f"view:{page.lesson.id}", lesson_id(page.course, page.lesson), "viewed")
    progress.record_progress(
        session, user_id=user_id, events=[event], today=today, locale=locale, known=page.known()
    )


def _record(
    session: Session,
    page: LessonPage,
    *,
    user_id: int,
    type: str,
    event_id: str,
    today: dt.date,
    locale: str,
    data: dict[str, Any] | None = None,
) -> ProgressAnswer:
    """One event of the page's lesson, recorded (or a duplicate); raises why it was rejected."""
    event = ProgressIn(event_id or new_event_id(), lesson_id(page.course, page.lesson), type, data=data)
    [answer] = progress.record_progress(
        session, user_id=user_id, events=[event], today=today, locale=locale, known=page.known()
    )
    if answer.problem is not None:
        raise answer.problem
    page.after(answer)
    return answer


def complete(
    session: Session, *, user_id: int, slug: str, lesson_slug: str, event_id: str, locale: str, today: dt.date
) -> LessonPage:
    """She marks the lesson complete (a reading, a scenario at its end)."""
    page = _page(session, user_id=user_id, slug=slug, lesson_slug=lesson_slug, locale=locale, today=today)
    _record(session, page, user_id=user_id, type="completed", event_id=event_id, today=today, locale=locale)
    return page


# Quizzes --------------------------------------------------------------------------------------------------


def _quiz_page(
    session: Session,
    *,
    user_id: int,
    slug: str,
    lesson_slug: str,
    attempt: int,
    locale: str,
    today: dt.date,
) -> LessonPage:
    page = _page(session, user_id=user_id, slug=slug, lesson_slug=lesson_slug, locale=locale, today=today)
    if page.lesson.kind != "quiz":
        raise NotFound()
    _new_attempt(page, user_id=user_id, attempt=attempt)
    return page


def unanswered(structure: dict[str, Any], answers: dict[str, list[str]]) -> FormErrors:
    """Each question left without an answer, by its key, and the message that says so."""
    missing = FormErrors()
    for number, key in quiz.unanswered(structure, answers):
        missing.add(key, N_("Question %(number)s has no answer yet."), number=number)
    return missing


def submit_quiz(
    session: Session,
    *,
    user_id: int,
    slug: str,
    lesson_slug: str,
    answers: dict[str, list[str]],
    attempt: int,
    event_id: str,
    locale: str,
    today: dt.date,
) -> LessonPage:
    """Grade her answers to the attempt she was shown and record them (with the order she saw); a
    submission that leaves a question unanswered is not an attempt (QuizUnanswered, nothing stored)."""
    page = _quiz_page(
        session,
        user_id=user_id,
        slug=slug,
        lesson_slug=lesson_slug,
        attempt=attempt,
        locale=locale,
        today=today,
    )
    result, data = progress.quiz_data(
        page.content.structure, answers, pass_mark=page.course.pass_mark, order=page.order
    )
    _record(
        session,
        page,
        user_id=user_id,
        type="quiz_submitted",
        event_id=event_id,
        today=today,
        locale=locale,
        data=data,
    )
    page.quiz_result, page.answers = result, data["answers"]
    return page


def quiz_again(
    session: Session,
    *,
    user_id: int,
    slug: str,
    lesson_slug: str,
    answers: dict[str, list[str]],
    attempt: int,
    locale: str,
    today: dt.date,
) -> LessonPage:
    """The quiz as she sent it back unfinished: her answers kept, in the attempt's order, and each
    question she left unanswered named."""
    page = _quiz_page(
        session,
        user_id=user_id,
        slug=slug,
        lesson_slug=lesson_slug,
        attempt=attempt,
        locale=locale,
        today=today,
    )
    page.answers = answers
    page.unanswered = unanswered(page.content.structure, answers)
    return page


# Reflections ----------------------------------------------------------------------------------------------


def reflection(
    session: Session, *, user_id: int, slug: str, lesson_slug: str, locale: str, today: dt.date
) -> LessonPage:
    """A reflection lesson (NotFound for any other kind)."""
    page = _page(session, user_id=user_id, slug=slug, lesson_slug=lesson_slug, locale=locale, today=today)
    if page.lesson.kind != "reflection":
        raise NotFound()
    return page


def save_reflection(
    session: Session,
    *,
    user_id: int,
    slug: str,
    lesson_slug: str,
    text: str,
    event_id: str,
    locale: str,
    today: dt.date,
) -> LessonPage:
    """Her reflection saved (private), and the lesson completed."""
    page = reflection(
        session, user_id=user_id, slug=slug, lesson_slug=lesson_slug, locale=locale, today=today
    )
    service.save_note(session, user_id=user_id, lesson_id=page.lesson.id, text=text)
    _record(session, page, user_id=user_id, type="completed", event_id=event_id, today=today, locale=locale)
    return page
