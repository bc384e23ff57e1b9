"""Recording progress: the one way in for every event, from a page or from a phone.

The lesson page (her first view), its forms (a lesson marked complete, a quiz submitted, a reflection
saved) and `POST /api/v1/progress` all hand their events to `record_progress`. Each event names its
lesson by its stable id (`<course slug>/<lesson slug>`) and carries the client's own event id, so an
event sent twice (a double click, a retry, a phone syncing again) is stored once and answered
"duplicate"; every event is answered on its own: accepted, duplicate, or rejected and why.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from app.courses import service as courses_service
from app.courses.service import CourseOutline, LessonItem
from app.errors import DomainError
from app.learning import quiz, service
from app.learning.exceptions import EventRefused, NoSuchLesson, NotAllowed, NotAReflection, QuizUnanswered
from app.learning.service import HasStatus


@dataclass(frozen=True)
class ProgressIn:
    """One thing a learner did, as her page or her phone reports it."""

    id: str  # the client's own id: the same id twice is the same event
    lesson: str  # "<course slug>/<lesson slug>"
    type: str  # viewed, completed, quiz_submitted
    at: dt.datetime | None = None  # when it happened, by the client's clock (a naive time is UTC)
    data: dict[str, Any] | None = None  # a quiz's answers, score and order, graded by the page
    answers: dict[str, list[str]] | None = None  # quiz_submitted from a phone: graded here
    attempt: int = 0  # the attempt (its options' order) the phone's page showed
    note: str | None = None  # reflection_saved: her note, private; the lesson is completed with it


@dataclass(frozen=True)
class ProgressAnswer:
    """What became of one event."""

    id: str
    status: str  # accepted, duplicate, rejected
    problem: DomainError | None = None  # why it was rejected
    progress: HasStatus | None = None  # her progress in the lesson, once accepted (as stored)
    course_completed: bool = False  # this event completed the course
    score: int | None = None  # a quiz's score, once graded (never its answer key)
    passed: bool | None = None

    @property
    def reason(self) -> str | None:
        """Why it was rejected, in the request's language."""
        return self.problem.translated() if self.problem else None


@dataclass
class Known:
    """What the caller has read already (a page: its course, and her access to it checked today), so
    that recording reads neither again."""

    outlines: dict[str, CourseOutline] = field(default_factory=dict)  # by course slug
    access: dict[int, service.Access] = field(default_factory=dict)  # by course id


def lesson_id(outline: CourseOutline, lesson: LessonItem) -> str:
    """A lesson's stable id, as events and the API name it."""
    return f"{outline.slug}/{lesson.slug}"


def record_progress(
    session: Session,
    *,
    user_id: int,
    events: Sequence[ProgressIn],
    today: dt.date,
    locale: str,
    known: Known | None = None,
) -> list[ProgressAnswer]:
    """Record her events, each once, and answer each: its lesson must exist and her access to its course
    allow recording today. Progress and completion are brought up to date with every accepted event."""
    known = known or Known()
    wanted = sorted({event.lesson.partition("/")[0] for event in events} - set(known.outlines))
    outlines = dict(known.outlines)
    if wanted:
        outlines.update(courses_service.outlines_by_slug(session, wanted, locale=locale))
    accesses = dict(known.access)
    answers: list[ProgressAnswer | None] = []
    batches: dict[int, list[tuple[int, ProgressIn, service.Pending]]] = {}  # by course: what to store
    for event in events:
        course_slug, _sep, lesson_slug = event.lesson.partition("/")
        outline = outlines.get(course_slug)
        lesson = (
            next((item for item in outline.lessons() if item.slug == lesson_slug), None) if outline else None
        )
        if outline is None or lesson is None:
            answers.append(ProgressAnswer(event.id, "rejected", NoSuchLesson()))
            continue
        if outline.id not in accesses:
            accesses[outline.id] = service.access(session, user_id=user_id, course_id=outline.id, today=today)
        access = accesses[outline.id]
        if not access.can_record:
            answers.append(ProgressAnswer(event.id, "rejected", access.problem or NotAllowed()))
            continue
        try:
            event = _prepared(
                session, user_id=user_id, outline=outline, lesson=lesson, event=event, locale=locale
            )
        except DomainError as problem:
            answers.append(ProgressAnswer(event.id, "rejected", problem))
            continue
        at = event.at if event.at is None or event.at.tzinfo else event.at.replace(tzinfo=dt.UTC)
        pending = service.Pending(event.id, lesson, event.type, at, event.data)
        batches.setdefault(outline.id, []).append((len(answers), event, pending))
        answers.append(None)
    by_id = {outline.id: outline for outline in outlines.values()}
    for course_id, batch in batches.items():
        recorded = service.record_events(
            session,
            user_id=user_id,
            course_id=course_id,
            pass_mark=by_id[course_id].pass_mark,
            events=[pending for _index, _event, pending in batch],
            enrolled=accesses[course_id].enrolment,
        )
        for (index, event, pending), outcome in zip(batch, recorded, strict=True):
            answers[index] = _answer(
                session, user_id=user_id, event=event, lesson=pending.lesson, recorded=outcome
            )
    return [answer for answer in answers if answer is not None]


def quiz_data(
    structure: dict[str, Any], answers: dict[str, list[str]], *, pass_mark: int, order: dict[str, list[str]]
) -> tuple[service.QuizResult, dict[str, Any]]:
    """Her answers graded, and what the event keeps of them (with the order she saw); a submission that
    leaves a question unanswered is not an attempt (QuizUnanswered)."""
    missing = quiz.unanswered(structure, answers)
    if missing:
        raise QuizUnanswered(number=missing[0][0])
    result = service.grade(structure, answers, pass_mark)
    chosen = {question.key: question.chosen for question in result.questions}
    return result, {"answers": chosen, "score": result.score, "passed": result.passed, "order": order}


def _prepared(
    session: Session,
    *,
    user_id: int,
    outline: CourseOutline,
    lesson: LessonItem,
    event: ProgressIn,
    locale: str,
) -> ProgressIn:
    """A phone's quiz answers graded here, as the page grades them; a reflection is a completion that
    keeps her note."""
    if event.type == "quiz_submitted" and event.data is None and lesson.kind == "quiz":
        content = courses_service.lesson_content(session, course=outline, slug=lesson.slug, locale=locale)
        order = quiz.order(content.structure, user_id=user_id, lesson_id=lesson.id, attempt=event.attempt)
        _result, data = quiz_data(
            content.structure, event.answers or {}, pass_mark=outline.pass_mark, order=order
        )
        return dataclasses.replace(event, data=data)
    if event.type == "reflection_saved":
        if lesson.kind != "reflection":
            raise NotAReflection()
        return dataclasses.replace(event, type="completed")
    return event


def _answer(
    session: Session, *, user_id: int, event: ProgressIn, lesson: Any, recorded: service.Recorded
) -> ProgressAnswer:
    problem = EventRefused(recorded.reason) if recorded.status == "rejected" else None
    if recorded.status == "accepted" and event.note is not None:
        service.save_note(session, user_id=user_id, lesson_id=lesson.id, text=event.note)
    graded = event.data if event.type == "quiz_submitted" and event.data else {}
    return ProgressAnswer(
        event.id,
        recorded.status,
        problem,
        recorded.progress,
        recorded.course_completed,
        score=graded.get("score"),
        passed=graded.get("passed"),
    )
