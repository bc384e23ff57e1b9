"""Coordinators' read models: a cohort's learners by lesson, its summary, who is at risk, the funnel,
and one learner's timeline.

The whole report is built from a fixed number of queries, whatever the cohort's size: the course outline,
the cohort's enrolments with their accounts, and every `lesson_progress` row of the cohort in one join.
It never reads the append-only events (there may be millions) except for one learner's timeline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.courses import service as courses_service
from app.courses.models import Course, Lesson, LessonTranslation
from app.courses.service import CourseOutline, LessonItem
from app.db import utcnow
from app.learning.models import Cohort, Enrolment, LessonProgress, ProgressEvent

ACTIVE_DAYS = 7
FAILED_TWICE = 2


# One learner's state in one lesson: (status, best quiz score or None), status being "done", "started" or
# "failed" (a quiz failed and not yet passed). A plain tuple: a report holds tens of thousands.
Cell = tuple[str, int | None]


@dataclass
class LearnerRow:
    user_id: int
    name: str
    email: str | None  # only for the cohort's coordinators
    region: str | None
    status: str  # active, withdrawn
    enrolled_at: dt.datetime
    completed_at: dt.datetime | None
    last_activity: dt.datetime | None
    cells: dict[int, Cell] = field(default_factory=dict)
    done: int = 0
    percent: int = 0
    failed_twice: bool = False
    quiz_scores: list[int] = field(default_factory=list)

    @property
    def progress_state(self) -> str:
        if self.completed_at:
            return "completed"
        return "in_progress" if self.cells else "not_started"


@dataclass
class FunnelStep:
    module_title: str
    reached: int  # learners who started the module
    completed: int  # learners who completed every required lesson in it


@dataclass
class CohortReport:
    cohort: Cohort
    course: CourseOutline
    rows: list[LearnerRow]
    enrolled: int
    active: int  # active in the last ACTIVE_DAYS days
    completed: int
    average_quiz: int | None
    funnel: list[FunnelStep]
    at_risk: list[tuple[LearnerRow, list[str]]]  # reasons as keys: inactive, failed
    distribution: list[int]  # learners by progress: 0-19, 20-39, 40-59, 60-79, 80-100 per cent

    @property
    def completion_rate(self) -> int:
        return round(100 * self.completed / self.enrolled) if self.enrolled else 0


def cohort_report(
    session: Session,
    cohort: Cohort,
    *,
    locale: str,
    include_emails: bool,
    inactive_days: int = 14,
    now: dt.datetime | None = None,
    include_withdrawn: bool = False,
) -> CohortReport:
    now = now or utcnow()
    outline = courses_service.outlines_by_id(session, [cohort.course_id], locale=locale)[cohort.course_id]
    enrolments = session.execute(
        sa.select(Enrolment, User)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.cohort_id == cohort.id)
        .order_by(User.display_name, User.id)
    ).all()
    in_cohort = sa.and_(
        Enrolment.user_id == LessonProgress.user_id,
        Enrolment.course_id == LessonProgress.course_id,
        Enrolment.cohort_id == cohort.id,
    )
    # Plain tuples, not objects: a 500-learner cohort of a 60-lesson course has 30,000 of these rows.
    progress = session.execute(
        sa.select(
            LessonProgress.user_id,
            LessonProgress.lesson_id,
            LessonProgress.status,
            LessonProgress.failed_attempts,
            LessonProgress.best_score,
        ).join(Enrolment, in_cohort)
    ).all()
    last_activity = dict(
        session.execute(
            sa.select(LessonProgress.user_id, sa.func.max(LessonProgress.last_activity_at))
            .join(Enrolment, in_cohort)
            .group_by(LessonProgress.user_id)
        ).all()
    )
    lessons = outline.lessons()
    required = [lesson for lesson in lessons if lesson.required]
    quizzes = {lesson.id for lesson in lessons if lesson.kind == "quiz"}
    rows: dict[int, LearnerRow] = {}
    for enrolment, user in enrolments:
        if enrolment.status != "active" and not include_withdrawn:
            continue
        rows[user.id] = LearnerRow(
            user_id=user.id, name=user.display_name, email=user.email if include_emails else None,
            region=user.region, status=enrolment.status, enrolled_at=enrolment.enrolled_at,
            completed_at=enrolment.completed_at, last_activity=None,
        )  # fmt: skip
    _fill_cells(rows, progress, quizzes)
    for user_id, when in last_activity.items():
        if user_id in rows and when is not None:
            rows[user_id].last_activity = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    for row in rows.values():
        row.done = sum(1 for lesson in required if _done(row.cells.get(lesson.id)))
        row.percent = round(100 * row.done / len(required)) if required else 0

    learners = list(rows.values())
    active_since = now - dt.timedelta(days=ACTIVE_DAYS)
    inactive_since = now - dt.timedelta(days=inactive_days)
    scores = [score for row in learners for score in row.quiz_scores]
    distribution = [0] * 5
    for row in learners:
        distribution[min(row.percent // 20, 4)] += 1
    return CohortReport(
        cohort=cohort,
        course=outline,
        rows=learners,
        enrolled=len(learners),
        active=sum(1 for row in learners if row.last_activity and row.last_activity >= active_since),
        completed=sum(1 for row in learners if row.completed_at),
        average_quiz=round(sum(scores) / len(scores)) if scores else None,
        funnel=_funnel(outline, learners),
        at_risk=_at_risk(learners, inactive_since),
        distribution=distribution,
    )


def _fill_cells(rows: dict[int, LearnerRow], progress: Any, quizzes: set[int]) -> None:
    """Each learner's cells from the progress rows (user, lesson, status, failed attempts, best score)."""
    for user_id, lesson_id, status, failed_attempts, best_score in progress:
        row = rows.get(user_id)
        if row is None:
            continue
        failed = status != "completed" and failed_attempts > 0
        row.cells[lesson_id] = (
            "done" if status == "completed" else ("failed" if failed else "started"),
            best_score,
        )
        if lesson_id in quizzes and best_score is not None:
            row.quiz_scores.append(best_score)
        if status != "completed" and failed_attempts >= FAILED_TWICE:
            row.failed_twice = True


def _at_risk(learners: list[LearnerRow], inactive_since: dt.datetime) -> list[tuple[LearnerRow, list[str]]]:
    """Who has not finished and has been away since `inactive_since`, or failed a quiz twice."""
    at_risk = []
    for row in learners:
        if row.completed_at:
            continue
        reasons = []
        if (row.last_activity or row.enrolled_at) < inactive_since:
            reasons.append("inactive")
        if row.failed_twice:
            reasons.append("failed")
        if reasons:
            at_risk.append((row, reasons))
    return at_risk


def _done(cell: Cell | None) -> bool:
    return cell is not None and cell[0] == "done"


def _funnel(outline: CourseOutline, rows: list[LearnerRow]) -> list[FunnelStep]:
    steps = []
    for module in outline.modules:
        required = [lesson.id for lesson in module.lessons if lesson.required]
        ids = [lesson.id for lesson in module.lessons]
        reached = sum(1 for row in rows if any(lesson_id in row.cells for lesson_id in ids))
        completed = sum(1 for row in rows if required and all(_done(row.cells.get(i)) for i in required))
        steps.append(FunnelStep(module.title, reached, completed))
    return steps


SORTS = {
    "name": lambda row: (row.name.lower(), row.user_id),
    "region": lambda row: (row.region or "~", row.name.lower()),
    "progress": lambda row: (-row.percent, row.name.lower()),
    "activity": lambda row: (-(row.last_activity.timestamp() if row.last_activity else 0), row.name.lower()),
}
STATES = ("not_started", "in_progress", "completed", "at_risk")


def filtered(
    report: CohortReport, *, region: str = "", state: str = "", sort: str = "name"
) -> list[LearnerRow]:
    risky = {row.user_id for row, _reasons in report.at_risk}
    rows = [
        row
        for row in report.rows
        if (not region or (row.region or "none") == region)
        and (not state or (row.user_id in risky if state == "at_risk" else row.progress_state == state))
    ]
    return sorted(rows, key=SORTS.get(sort, SORTS["name"]))


# One learner's timeline ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    type: str
    lesson_title: str
    lesson_kind: str
    score: int | None
    passed: bool | None


def timeline(
    session: Session, *, user_id: int, course_id: int, locale: str, limit: int = 500
) -> list[TimelineEntry]:
    course = session.get(Course, course_id)
    order = courses_service.preference(locale, course.source_language if course else "en")
    events = session.execute(
        sa.select(ProgressEvent, Lesson.kind)
        .join(Lesson, Lesson.id == ProgressEvent.lesson_id)
        .where(ProgressEvent.user_id == user_id, ProgressEvent.course_id == course_id)
        .order_by(ProgressEvent.occurred_at.desc(), ProgressEvent.id.desc())
        .limit(limit)
    ).all()
    lesson_ids = {event.lesson_id for event, _kind in events}
    titles: dict[int, dict[str, str]] = {}
    if lesson_ids:
        for lesson_id, row_locale, title in session.execute(
            sa.select(LessonTranslation.lesson_id, LessonTranslation.locale, LessonTranslation.title).where(
                LessonTranslation.lesson_id.in_(lesson_ids)
            )
        ):
            titles.setdefault(lesson_id, {})[row_locale] = title
    entries = []
    for event, kind in events:
        data: dict[str, Any] = event.data or {}
        entries.append(
            TimelineEntry(
                at=event.occurred_at,
                type=event.type,
                lesson_title=courses_service.pick(titles.get(event.lesson_id, {"": "?"}), order),
                lesson_kind=kind,
                score=data.get("score"),
                passed=data.get("passed"),
            )
        )
    return entries


def lesson_header(outline: CourseOutline) -> list[tuple[str, list[LessonItem]]]:
    return [(module.title, module.lessons) for module in outline.modules]
