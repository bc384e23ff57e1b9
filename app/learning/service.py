"""Enrolment, progress, quizzes and completion.

Every change of progress goes through `record_event`: it stores the append-only event (once, whatever
the number of times the client sends it) and brings the learner's `LessonProgress` row and her
enrolment's completion up to date in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.courses.models import Course, Lesson, live
from app.courses.service import CourseNotFound, CourseOutline, LessonItem
from app.db import dialect_insert, utcnow
from app.errors import DomainError
from app.i18n import N_
from app.learning.exceptions import (
    CohortEnded,
    CohortFull,
    CohortNotStarted,
    EnrolmentClosed,
    InvalidCode,
    InvalidInvite,
    NotCompleted,
    NotEnrolled,
)
from app.learning.models import (
    Cohort,
    Enrolment,
    Invite,
    LessonProgress,
    ProgressEvent,
    ReflectionNote,
)
from app.security import hash_token

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed on phones
EVENT_TYPES = ("viewed", "completed", "quiz_submitted")

# The domain's errors live in app.learning.exceptions; these are re-exported for the callers that name
# them as service.X (other domains and the tests).
__all__ = [
    "CohortEnded",
    "CohortFull",
    "CohortNotStarted",
    "EnrolmentClosed",
    "InvalidCode",
    "InvalidInvite",
    "NotCompleted",
    "NotEnrolled",
]


def new_code(length: int = 8) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def normalize_code(raw: str) -> str:
    return "".join(ch for ch in raw.upper() if ch.isalnum())[:16]


# Enrolment ------------------------------------------------------------------------------------------------


# The statements every lesson and course page runs, built once (building one costs more than running it).
_ACTIVE_ENROLMENT = sa.select(Enrolment).where(
    Enrolment.user_id == sa.bindparam("user_id"),
    Enrolment.course_id == sa.bindparam("course_id"),
    Enrolment.status == "active",
)
_ENROLMENT_AND_COHORT = _ACTIVE_ENROLMENT.add_columns(Cohort).outerjoin(
    Cohort, Cohort.id == Enrolment.cohort_id
)  # her access: one query
_PROGRESS = sa.select(LessonProgress).where(
    LessonProgress.user_id == sa.bindparam("user_id"), LessonProgress.course_id == sa.bindparam("course_id")
)


def enrolment(session: Session, *, user_id: int, course_id: int) -> Enrolment | None:
    """Her active enrolment in the course, if any."""
    return session.scalars(_ACTIVE_ENROLMENT, {"user_id": user_id, "course_id": course_id}).one_or_none()


def live_course(session: Session, slug: str) -> Course:
    """The course (not archived) with this slug; else CourseNotFound."""
    course = session.scalars(sa.select(Course).where(Course.slug == slug, live(Course))).one_or_none()
    if course is None:
        raise CourseNotFound()
    return course


def places_left(session: Session, cohort: Cohort, *, lock: bool = False) -> int | None:
    """How many more learners the cohort takes (None: it has no limit). With `lock`, the cohort's row is
    taken first (SELECT ... FOR UPDATE), so that two people joining for the last place are counted one
    after the other, and the count holds until the transaction ends."""
    if lock:
        cap = session.scalar(sa.select(Cohort.max_learners).where(Cohort.id == cohort.id).with_for_update())
    else:
        cap = cohort.max_learners
    if cap is None:
        return None
    return max(0, cap - active_learners(session, cohort))


def active_learners(session: Session, cohort: Cohort) -> int:
    """How many learners are in the cohort now (the places taken)."""
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Enrolment)
            .where(Enrolment.cohort_id == cohort.id, Enrolment.status == "active")
        )
        or 0
    )


def make_room(session: Session, cohort: Cohort, needed: int = 1) -> None:
    """Take `needed` places in the cohort, under its row's lock, or refuse them all (CohortFull)."""
    if needed <= 0:
        return
    left = places_left(session, cohort, lock=True)
    if left is not None and needed > left:
        raise CohortFull(places=cohort.max_learners)


def enrol(
    session: Session, *, user_id: int, course: Course, cohort: Cohort | None = None, counted: bool = False
) -> Enrolment:
    """Enrol alone (open courses only) or with a cohort. Enrolling again re-activates, keeping progress;
    joining another cohort of the same course moves her there. Joining a cohort takes one of its places
    (CohortFull when none is left), unless the caller has made room already (`counted`)."""
    if cohort is None and not course.open_enrolment:
        raise EnrolmentClosed()
    existing = session.scalars(
        sa.select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id == course.id)
    ).one_or_none()
    if cohort is not None and not counted and not _active_in(existing, cohort):
        make_room(session, cohort)
    if existing is None:
        existing = Enrolment(user_id=user_id, course_id=course.id, cohort_id=cohort.id if cohort else None)
        session.add(existing)
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError:  # the same learner enrolled in another request a moment ago
            existing = session.scalars(
                sa.select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id == course.id)
            ).one()
    if existing.status != "active":
        existing.status, existing.withdrawn_at = "active", None
    if cohort is not None:
        existing.cohort_id = cohort.id
    session.flush()
    return existing


def _active_in(found: Enrolment | None, cohort: Cohort) -> bool:
    return found is not None and found.cohort_id == cohort.id and found.status == "active"


def join_with_code(session: Session, *, user_id: int, code: str) -> Enrolment:
    cohort = session.scalars(
        sa.select(Cohort).where(Cohort.enrolment_code == normalize_code(code), Cohort.archived_at.is_(None))
    ).one_or_none()
    if cohort is None:
        raise InvalidCode()
    course = session.get(Course, cohort.course_id)
    if course is None or course.archived_at is not None:
        raise InvalidCode()
    return enrol(session, user_id=user_id, course=course, cohort=cohort)


def invite_by_token(session: Session, *, token: str) -> Invite:
    invite = session.scalars(sa.select(Invite).where(Invite.token_hash == hash_token(token))).one_or_none()
    if invite is None or invite.revoked_at or invite.expires_at <= utcnow() or invite.uses >= invite.max_uses:
        raise InvalidInvite()
    return invite


def join_with_invite(session: Session, *, user_id: int, token: str) -> Enrolment:
    invite = invite_by_token(session, token=token)
    cohort = session.get(Cohort, invite.cohort_id)
    course = session.get(Course, cohort.course_id) if cohort else None
    if cohort is None or course is None or cohort.archived_at or course.archived_at:
        raise InvalidInvite()
    already = enrolment(session, user_id=user_id, course_id=course.id)
    joined = enrol(session, user_id=user_id, course=course, cohort=cohort)
    if already is None or already.cohort_id != cohort.id:
        # Count a use atomically, so that two people cannot both take the last one.
        used = session.execute(
            sa.update(Invite)
            .where(Invite.id == invite.id, Invite.uses < Invite.max_uses)
            .values(uses=Invite.uses + 1)
        )
        if not getattr(used, "rowcount", 0):
            raise InvalidInvite()
    return joined


def withdraw(session: Session, *, user_id: int, course_id: int) -> None:
    found = enrolment(session, user_id=user_id, course_id=course_id)
    if found is None:
        raise NotEnrolled()
    found.status, found.withdrawn_at = "withdrawn", utcnow()
    session.flush()


@dataclass(frozen=True)
class Access:
    """What an enrolled learner may do with a course today."""

    enrolment: Enrolment | None
    cohort: Cohort | None
    can_read: bool
    can_record: bool
    problem: DomainError | None


def access(session: Session, *, user_id: int | None, course_id: int, today: dt.date) -> Access:
    if user_id is None:
        return Access(None, None, False, False, NotEnrolled())
    row = session.execute(_ENROLMENT_AND_COHORT, {"user_id": user_id, "course_id": course_id}).one_or_none()
    if row is None:
        return Access(None, None, False, False, NotEnrolled())
    found, cohort = row
    if cohort and cohort.starts_on and today < cohort.starts_on:
        return Access(found, cohort, False, False, CohortNotStarted(date=cohort.starts_on))
    if cohort and cohort.ends_on and today > cohort.ends_on:
        return Access(found, cohort, True, False, CohortEnded(date=cohort.ends_on))
    return Access(found, cohort, True, True, None)


# Built once: every API sync asks them (building a statement costs more than running it on SQLite).
_ENROLMENTS_WITH_COHORTS = (
    sa.select(Enrolment, Cohort)
    .outerjoin(Cohort, Cohort.id == Enrolment.cohort_id)
    .where(Enrolment.user_id == sa.bindparam("user_id"), Enrolment.status == "active")
    .order_by(Enrolment.enrolled_at.desc())
)
# Only what a summary needs (summarise), as plain rows rather than an ORM object for every lesson she
# has begun (the phone's enrolments call about 2% faster for the benchmark's learner; docs/performance.md).
_ALL_STATUSES = sa.select(LessonProgress.course_id, LessonProgress.lesson_id, LessonProgress.status).where(
    LessonProgress.user_id == sa.bindparam("user_id")
)


def enrolments_with_cohorts(session: Session, *, user_id: int) -> list[tuple[Enrolment, Cohort | None]]:
    """Her active enrolments, newest first, each with its cohort: one query."""
    rows = session.execute(_ENROLMENTS_WITH_COHORTS, {"user_id": user_id})
    return [(enrolment, cohort) for enrolment, cohort in rows]


def enrolments_of(session: Session, *, user_id: int) -> list[Enrolment]:
    return list(
        session.scalars(
            sa.select(Enrolment)
            .where(Enrolment.user_id == user_id, Enrolment.status == "active")
            .order_by(Enrolment.enrolled_at.desc())
        )
    )


# Progress -------------------------------------------------------------------------------------------------


@dataclass
class Recorded:
    status: str  # accepted, duplicate, rejected
    reason: str = ""  # untranslated, for rejected events
    progress: HasStatus | None = None  # the row the upsert stored (_advance)
    course_completed: bool = False  # this event completed the course


def progress_of(session: Session, *, user_id: int, course_id: int) -> dict[int, LessonProgress]:
    rows = session.scalars(_PROGRESS, {"user_id": user_id, "course_id": course_id})
    return {row.lesson_id: row for row in rows}


class HasStatus(Protocol):
    """A lesson's progress as a summary reads it: a LessonProgress, or a row of its status only."""

    @property
    def status(self) -> str: ...


def statuses_by_course(session: Session, *, user_id: int) -> dict[int, dict[int, HasStatus]]:
    """Course id -> lesson id -> her progress's status, for summarise (every course she has begun)."""
    found: dict[int, dict[int, HasStatus]] = {}
    for row in session.execute(_ALL_STATUSES, {"user_id": user_id}):
        found.setdefault(row.course_id, {})[row.lesson_id] = row
    return found


@dataclass(frozen=True)
class Pending:
    """One event to store: her client's id, the lesson, what happened, when (her clock) and its data."""

    client_event_id: str
    lesson: LessonItem | Lesson
    type: str
    occurred_at: dt.datetime | None = None
    data: dict[str, Any] | None = None


def _refusal(lesson: LessonItem | Lesson, type: str) -> str:
    """Why an event cannot be stored for this lesson (untranslated), or ""."""
    if type not in EVENT_TYPES:
        return N_("Unknown event type.")
    if type == "completed" and lesson.kind == "quiz":
        return N_("A quiz is completed by passing it.")
    if type == "quiz_submitted" and lesson.kind != "quiz":
        return N_("Only a quiz can be submitted.")
    return ""


def record_event(
    session: Session,
    *,
    user_id: int,
    course_id: int,
    pass_mark: int,
    lesson: LessonItem | Lesson,
    type: str,
    client_event_id: str,
    occurred_at: dt.datetime | None = None,
    data: dict[str, Any] | None = None,
) -> Recorded:
    """One event: `record_events` with a batch of one."""
    event = Pending(client_event_id, lesson, type, occurred_at, data)
    [recorded] = record_events(
        session, user_id=user_id, course_id=course_id, pass_mark=pass_mark, events=[event]
    )
    return recorded


def record_events(
    session: Session,
    *,
    user_id: int,
    course_id: int,
    pass_mark: int,
    events: Sequence[Pending],
    enrolled: Enrolment | None = None,
) -> list[Recorded]:
    """Store her events of one course, each once, and bring her progress up to date; the caller has
    checked access (and may pass her enrolment, read then). A fixed number of statements, whatever the
    number of events: one INSERT of the events (ON CONFLICT DO NOTHING: an id seen before is a
    duplicate), one upsert of her progress in their lessons (each row changed relative to what is stored,
    so two batches at once add up), and, when a lesson was completed, one count of what remains of the
    course (and the enrolment's completion)."""
    now = utcnow()
    answers: list[Recorded | None] = []
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for event in events:
        reason = _refusal(event.lesson, event.type)
        if reason or event.client_event_id in seen:
            answers.append(Recorded("rejected", reason) if reason else Recorded("duplicate"))
            continue
        seen.add(event.client_event_id)
        rows.append(
            {
                "user_id": user_id, "course_id": course_id, "lesson_id": event.lesson.id,
                "client_event_id": event.client_event_id, "type": event.type,
                "occurred_at": min(event.occurred_at or now, now),  # a phone's clock may run ahead
                "received_at": now, "data": dict(event.data or {}),
            }
        )  # fmt: skip
        answers.append(None)
    stored = _store(session, rows)
    taken = [row for row in rows if row["client_event_id"] in stored]
    progress = _advance(session, taken, pass_mark=pass_mark)
    completing = [row for row in taken if _completes(row, pass_mark)]
    completed = bool(completing) and _complete_course(
        session, user_id=user_id, course_id=course_id, when=max(r["occurred_at"] for r in completing),
        enrolled=enrolled,
    )  # fmt: skip
    last_completing = completing[-1]["client_event_id"] if completed else None
    by_id = {row["client_event_id"]: row for row in taken}
    pending = iter(row["client_event_id"] for row in rows)
    result = []
    for answer in answers:
        if answer is not None:
            result.append(answer)
            continue
        client_id = next(pending)
        if client_id not in by_id:
            result.append(Recorded("duplicate"))
            continue
        row = by_id[client_id]
        result.append(
            Recorded(
                "accepted", progress=progress[row["lesson_id"]], course_completed=client_id == last_completing
            )
        )
    return result


def _store(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    """The events stored now (those whose client id she had not sent before), by client id."""
    if not rows:
        return set()
    statement = _statements(session.get_bind().dialect.name).store
    return set(session.execute(statement, rows).scalars())


@dataclass(frozen=True)
class _Upserts:
    store: Any
    advance: Any


@functools.cache
def _statements(dialect: str) -> _Upserts:
    """The two statements of a batch, built once per dialect and given its rows as parameters (the
    executemany form): SQLAlchemy then sends all the rows in one INSERT (its "insertmanyvalues") and
    compiles the statement once per process. Built with `.values(rows)` instead, a statement has no
    cache key and was compiled anew for every request: a third of a progress event's time."""
    insert = dialect_insert(dialect)
    events = ProgressEvent.__table__
    store = (
        insert(events)
        .on_conflict_do_nothing(index_elements=["user_id", "client_event_id"])
        .returning(events.c.client_event_id)
    )
    table = LessonProgress.__table__
    statement = insert(table)
    new, old = statement.excluded, table.c
    advance = statement.on_conflict_do_update(
        index_elements=["user_id", "lesson_id"],
        set_={
            "status": sa.case((old.status == "completed", old.status), else_=new.status),
            "first_viewed_at": sa.func.coalesce(old.first_viewed_at, new.first_viewed_at),
            "completed_at": sa.func.coalesce(old.completed_at, new.completed_at),
            "attempts": old.attempts + new.attempts,
            "failed_attempts": old.failed_attempts + new.failed_attempts,
            "best_score": sa.case(
                (new.best_score.is_(None), old.best_score),
                (sa.or_(old.best_score.is_(None), new.best_score > old.best_score), new.best_score),
                else_=old.best_score,
            ),
            "last_activity_at": sa.case(
                (new.last_activity_at > old.last_activity_at, new.last_activity_at),
                else_=old.last_activity_at,
            ),
        },
    ).returning(*table.c)
    return _Upserts(store, advance)


def _completes(row: dict[str, Any], pass_mark: int) -> bool:
    if row["type"] == "quiz_submitted":
        return int(row["data"].get("score", 0)) >= pass_mark
    return bool(row["type"] == "completed")


def _advance(session: Session, rows: list[dict[str, Any]], *, pass_mark: int) -> dict[int, HasStatus]:
    """Her progress in the lessons of these new events, in one upsert: each lesson's events folded into
    one change (first and last activity, attempts, best score, completion) and applied to what is stored,
    relative to it (attempts add, a completion stays, the best score and the latest activity win).

    A Core statement on the table, answered with plain rows (what the upsert stored): through the ORM
    (`insert(LessonProgress)`), SQLAlchemy's bulk insert built the statement's cache key again on every
    request (docs/performance.md). A `LessonProgress` of the same lesson already in the session keeps
    what it was loaded with: callers take the returned rows, as the lesson page does."""
    if not rows:
        return {}
    folded: dict[int, dict[str, Any]] = {}
    for row in rows:
        when = row["occurred_at"]
        one = folded.setdefault(
            row["lesson_id"],
            {
                "user_id": row["user_id"], "lesson_id": row["lesson_id"], "course_id": row["course_id"],
                "status": "in_progress", "first_viewed_at": when, "completed_at": None, "attempts": 0,
                "failed_attempts": 0, "best_score": None, "last_activity_at": when,
            },
        )  # fmt: skip
        one["first_viewed_at"] = min(one["first_viewed_at"], when)
        one["last_activity_at"] = max(one["last_activity_at"], when)
        if row["type"] == "quiz_submitted":
            score = int(row["data"].get("score", 0))
            one["attempts"] += 1
            one["best_score"] = max(one["best_score"] or 0, score)
            one["failed_attempts"] += 0 if score >= pass_mark else 1
        if _completes(row, pass_mark):
            one["status"] = "completed"
            one["completed_at"] = min(one["completed_at"] or when, when)
    found = session.execute(_statements(session.get_bind().dialect.name).advance, list(folded.values()))
    return {row.lesson_id: row for row in found}


def _complete_course(
    session: Session, *, user_id: int, course_id: int, when: dt.datetime, enrolled: Enrolment | None
) -> bool:
    """Her enrolment completed, when this batch completed the last required lesson; True when it did."""
    found = enrolled if enrolled is not None else enrolment(session, user_id=user_id, course_id=course_id)
    if found is None or found.completed_at is not None:
        return False
    return _update_completion(session, user_id=user_id, course_id=course_id, when=when, found=found)


def _update_completion(
    session: Session, *, user_id: int, course_id: int, when: dt.datetime, found: Enrolment
) -> bool:
    """Mark the enrolment complete when every required lesson is; True when this call did it."""
    required = (
        sa.select(Lesson.id)
        .where(Lesson.course_id == course_id, Lesson.required.is_(True), live(Lesson))
        .subquery()
    )
    done = sa.exists().where(
        LessonProgress.user_id == user_id,
        LessonProgress.lesson_id == required.c.id,
        LessonProgress.status == "completed",
    )
    remaining = session.scalar(sa.select(sa.func.count()).select_from(required).where(~done))
    if remaining:
        return False
    found.completed_at = when
    session.flush()
    return True


# Quizzes --------------------------------------------------------------------------------------------------


@dataclass
class QuestionResult:
    key: str
    chosen: list[str]
    correct: bool
    correct_keys: list[str]


@dataclass
class QuizResult:
    score: int
    passed: bool
    questions: list[QuestionResult] = field(default_factory=list)

    def for_question(self, key: str) -> QuestionResult | None:
        return next((question for question in self.questions if question.key == key), None)


def grade(structure: dict[str, Any], answers: dict[str, list[str]], pass_mark: int) -> QuizResult:
    """Score the answers (question key -> chosen option keys) against the quiz's structure."""
    results = []
    for question in structure.get("questions", []):
        valid = {option["key"] for option in question["options"]}
        correct = sorted(option["key"] for option in question["options"] if option["correct"])
        chosen = sorted({key for key in answers.get(question["key"], []) if key in valid})
        results.append(QuestionResult(question["key"], chosen, chosen == correct, correct))
    total = len(results) or 1
    score = round(100 * sum(result.correct for result in results) / total)
    return QuizResult(score=score, passed=score >= pass_mark, questions=results)


# Reflections ----------------------------------------------------------------------------------------------


def note_of(session: Session, *, user_id: int, lesson_id: int) -> ReflectionNote | None:
    return session.get(ReflectionNote, (user_id, lesson_id))


def save_note(session: Session, *, user_id: int, lesson_id: int, text: str) -> ReflectionNote:
    note = note_of(session, user_id=user_id, lesson_id=lesson_id)
    if note is None:
        note = ReflectionNote(user_id=user_id, lesson_id=lesson_id, text=text)
        session.add(note)
    else:
        note.text, note.updated_at = text, utcnow()
    session.flush()
    return note


# Summaries for pages --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CourseProgress:
    completed: int
    total: int
    next_lesson: LessonItem | None
    done: set[int]
    modules_done: set[int]

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.total) if self.total else 0


def summarise(outline: CourseOutline, progress: Mapping[int, HasStatus]) -> CourseProgress:
    done = {lesson_id for lesson_id, row in progress.items() if row.status == "completed"}
    required = [lesson for lesson in outline.lessons() if lesson.required]
    completed = sum(1 for lesson in required if lesson.id in done)
    next_lesson = next(
        (lesson for lesson in outline.lessons() if lesson.id not in done and lesson.required), None
    )
    modules_done = {
        module.id
        for module in outline.modules
        if all(lesson.id in done for lesson in module.lessons if lesson.required)
    }
    return CourseProgress(completed, len(required), next_lesson, done, modules_done)
