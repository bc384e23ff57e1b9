"""A batch of progress events costs a fixed number of SQL queries, whatever its size (issue 26): the
phone that syncs a hundred events after a week offline costs the server what one event costs."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine.interfaces import CacheStats
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import Settings
from app.courses.models import Lesson
from app.db import Database
from app.learning import service
from app.learning.models import LessonProgress, ProgressEvent
from tests.factories import create_cohort, create_user, enrol, sync_course
from tests.learning.test_api import token_for

# The budget was 6; since the content's version comes in the token's lookup (app/content_version.py)
# a batch costs 4 (5 when it completes a lesson): her token and the version, her access, the events, her
# progress (and what remains of the course).
BUDGET = 5


def _events(lessons: list[str], size: int, kind: str = "viewed") -> list[dict[str, str]]:
    return [{"id": str(uuid.uuid4()), "lesson": lessons[n % len(lessons)], "type": kind} for n in range(size)]


def _learner_with_lessons(
    client: TestClient, session: Session, settings: Settings
) -> tuple[User, dict[str, str], list[str]]:
    """A learner in a cohort of the course (as learners are), her API token's headers, and the course's
    lessons that are not quizzes ("course/lesson")."""
    course = sync_course(session, settings)
    user = create_user(session, settings)
    enrol(session, user, course, create_cohort(session, course))
    session.commit()
    headers = token_for(client, user.email)
    slugs = session.scalars(
        sa.select(Lesson.slug).where(Lesson.course_id == course.id, Lesson.kind != "quiz").order_by(Lesson.id)
    ).all()
    return user, headers, [f"{course.slug}/{slug}" for slug in slugs]


def test_a_batch_costs_the_same_queries_as_one_event(
    client: TestClient, session: Session, settings: Settings, queries: list[str]
) -> None:
    user, headers, lessons = _learner_with_lessons(client, session, settings)
    client.post("/api/v1/progress", json={"events": _events(lessons, 1)}, headers=headers)  # warm caches
    costs = {}
    for size, kind in ((1, "viewed"), (100, "viewed"), (1, "completed"), (100, "completed")):
        queries.clear()
        answer = client.post(
            "/api/v1/progress", json={"events": _events(lessons, size, kind)}, headers=headers
        )
        assert answer.status_code == 200 and {r["status"] for r in answer.json()["results"]} == {"accepted"}
        costs[(size, kind)] = len(queries)
    assert max(costs.values()) <= BUDGET, (costs, queries)
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(ProgressEvent)) == 1 + 1 + 100 + 1 + 100
    done = session.scalars(sa.select(LessonProgress.status).where(LessonProgress.user_id == user.id)).all()
    assert set(done) == {"completed"} and len(done) == len(lessons)


def test_a_resent_batch_is_answered_duplicate_at_the_same_cost(
    client: TestClient, session: Session, settings: Settings, queries: list[str]
) -> None:
    course = sync_course(session, settings)
    user = create_user(session, settings)
    enrol(session, user, course)
    session.commit()
    headers = token_for(client, user.email)
    lesson = session.scalars(
        sa.select(Lesson).where(Lesson.course_id == course.id, Lesson.kind == "reading")
    ).first()
    assert lesson is not None
    batch = _events([f"{course.slug}/{lesson.slug}"], 50, "completed")
    assert client.post("/api/v1/progress", json={"events": batch}, headers=headers).status_code == 200
    queries.clear()
    again = client.post("/api/v1/progress", json={"events": batch}, headers=headers)
    assert {r["status"] for r in again.json()["results"]} == {"duplicate"}
    assert len(queries) <= BUDGET, queries
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(ProgressEvent)) == 50


def test_each_statement_of_a_progress_event_is_compiled_once(
    client: TestClient, session: Session, settings: Settings, database: Database
) -> None:
    """SQLAlchemy compiles a statement once and finds it again by its cache key. A statement it cannot
    key (one built with its rows in it, `.values(rows)`) is compiled for every request: that was a third of
    a progress event's CPU (docs/performance.md). After the first events, every statement is found."""
    _user, headers, lessons = _learner_with_lessons(client, session, settings)
    # The first of each shape compiles its statements (one row, or several: SQLAlchemy keys them apart).
    for size, kind in ((1, "viewed"), (1, "completed"), (3, "completed")):
        client.post("/api/v1/progress", json={"events": _events(lessons[:3], size, kind)}, headers=headers)
    found: list[tuple[CacheStats, str]] = []

    def note(_conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool) -> None:
        if not statement.startswith(("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")):
            found.append((context.cache_hit, statement.split("(")[0]))

    with database.listening("after_cursor_execute", note):
        for size, kind in ((1, "viewed"), (3, "completed"), (1, "completed")):
            events = _events(lessons[1:], size, kind)
            answer = client.post("/api/v1/progress", json={"events": events}, headers=headers)
            assert answer.status_code == 200
            assert {r["status"] for r in answer.json()["results"]} == {"accepted"}
    kinds = {statement.strip() for _, statement in found}
    assert {"INSERT INTO progress_event", "INSERT INTO lesson_progress"} <= kinds, kinds
    assert all(cache_hit is CacheStats.CACHE_HIT for cache_hit, _ in found), found


def test_her_progress_is_upserted_by_a_core_statement(session: Session, settings: Settings) -> None:
    """The upsert answers with the rows it stored, not ORM objects: through the ORM's bulk insert the
    same statement cost a progress event twice the CPU (its cache key rebuilt from the rows every time,
    ORM objects made of what it returned: docs/performance.md). The lesson page takes the row."""
    course = sync_course(session, settings)
    user = create_user(session, settings)
    enrol(session, user, course)
    lesson = session.scalars(
        sa.select(Lesson).where(Lesson.course_id == course.id, Lesson.kind == "reading")
    ).first()
    assert lesson is not None
    recorded = service.record_event(
        session, user_id=user.id, course_id=course.id, pass_mark=70, lesson=lesson, type="completed",
        client_event_id=str(uuid.uuid4()),
    )  # fmt: skip
    assert isinstance(recorded.progress, sa.Row), type(recorded.progress)
    assert recorded.progress.status == "completed" and recorded.progress.lesson_id == lesson.id
