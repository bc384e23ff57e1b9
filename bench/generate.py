"""Generate a large cohort for benchmarks: a course of LESSONS lessons, a cohort of LEARNERS learners with
progress, and EVENTS append-only progress events.

    python -m bench.generate --learners 500 --lessons 60 --events 1000000

It writes to ACADEMY_DATABASE_URL (or the SQLite file in ACADEMY_DATA_DIR), which must be migrated, and
replaces an earlier generated course and cohort. Every account it makes is `bench-...@example.org`, and the
coordinator signs in as bench-coordinator@example.org / bench-coordinator-pass.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import time
import uuid
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.accounts.models import User, UserRole
from app.accounts.passwords import hash_password
from app.config import get_settings
from app.courses.models import Course, CourseTranslation, Lesson, LessonTranslation, Module, ModuleTranslation
from app.db import Database, create_engine, utcnow
from app.learning.models import Cohort, CohortMember, Enrolment, LessonProgress, ProgressEvent

SLUG = "bench-course"
CODE = "BENCH001"
COORDINATOR = ("bench-coordinator@example.org", "bench-coordinator-pass")
LEARNER_PASSWORD = "bench-learner-pass"
REGIONS = ["KG-GB", "KG-GO", "KG-B", "KG-C", "KG-J", "KG-N", "KG-O", "KG-T", "KG-Y", None]
BODY = "<p>" + "A paragraph of a lesson about local risks and plans. " * 40 + "</p>"


def chunks(items: list[dict[str, Any]], size: int = 20_000) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def clear(session: Session) -> None:
    course_id = session.scalar(sa.select(Course.id).where(Course.slug == SLUG))
    if course_id is not None:
        for model in (ProgressEvent, LessonProgress, Enrolment):
            session.execute(sa.delete(model).where(model.course_id == course_id))
        session.execute(sa.delete(Cohort).where(Cohort.course_id == course_id))
        session.execute(sa.delete(Course).where(Course.id == course_id))
    session.execute(sa.delete(User).where(User.email.like("bench-%@example.org")))
    session.commit()


def make_course(session: Session, lessons: int) -> tuple[Course, list[Lesson]]:
    modules = max(1, lessons // 10)
    course = Course(
        slug=SLUG,
        estimated_hours=lessons / 4,
        pass_mark=70,
        licence="CC BY-SA 4.0",
        authors=["bench"],
        topics=["disaster-risk"],
        source_language="en",
        published_at=utcnow(),
        translations=[
            CourseTranslation(locale=loc, title=f"Benchmark course ({loc})", summary="…", audience="…")
            for loc in ("en", "ru", "ky")
        ],
    )
    session.add(course)
    session.flush()
    made: list[Lesson] = []
    for m in range(modules):
        module = Module(
            course_id=course.id,
            slug=f"module-{m + 1}",
            position=m + 1,
            translations=[
                ModuleTranslation(locale=loc, title=f"Module {m + 1}", summary="…")
                for loc in ("en", "ru", "ky")
            ],
        )
        session.add(module)
        session.flush()
        count = lessons // modules + (1 if m < lessons % modules else 0)
        for n in range(count):
            kind = "quiz" if n == count - 1 else "reading"
            structure = (
                {
                    "questions": [
                        {
                            "key": "q1",
                            "kind": "single",
                            "options": [{"key": "a", "correct": True}, {"key": "b", "correct": False}],
                        }
                    ]
                }
                if kind == "quiz"
                else {}
            )
            lesson = Lesson(
                course_id=course.id,
                module_id=module.id,
                slug=f"lesson-{m + 1}-{n + 1}",
                kind=kind,
                position=n + 1,
                estimated_minutes=10,
                required=True,
                structure=structure,
                published_at=utcnow(),
                translations=[
                    LessonTranslation(
                        locale=loc,
                        title=f"Lesson {m + 1}.{n + 1}",
                        summary="…",
                        body_md="…",
                        body_html=BODY,
                        texts={},
                        texts_html={},
                    )
                    for loc in ("en", "ru", "ky")
                ],
            )
            session.add(lesson)
            made.append(lesson)
    session.flush()
    return course, made


def generate(
    *, learners: int, lessons: int, events: int, cohort_size: int | None = None, seed: int = 1
) -> dict[str, Any]:
    """Learners are spread over cohorts of `cohort_size` (default: all in one); the coordinator runs
    the first, whose enrolment code is CODE."""
    random.seed(seed)
    settings = get_settings()
    database = Database(create_engine(settings.resolved_database_url))
    started = time.perf_counter()
    with database.session(write=True) as session:
        clear(session)
        course, lesson_rows = make_course(session, lessons)
        coordinator = accounts_service.create_user(
            session,
            settings=settings,
            email=COORDINATOR[0],
            password=COORDINATOR[1],
            display_name="Bench coordinator",
            roles=("coordinator",),
        )
        size = max(1, cohort_size or learners)
        cohorts = [
            Cohort(
                course_id=course.id,
                name=f"Benchmark cohort {k + 1}",
                enrolment_code=CODE if k == 0 else f"BENCH{k + 1:03d}",
            )
            for k in range(max(1, -(-learners // size)))
        ]
        session.add_all(cohorts)
        session.flush()
        cohort = cohorts[0]
        session.add(CohortMember(cohort_id=cohort.id, user_id=coordinator.id, role="coordinator"))
        password_hash = hash_password(settings, LEARNER_PASSWORD)
        session.execute(
            sa.insert(User),
            [
                {
                    "email": f"bench-{n}@example.org",
                    "display_name": f"Участница {n}",
                    "password_hash": password_hash,
                    "locale": "ru",
                    "region": REGIONS[n % len(REGIONS)],
                    "is_active": True,
                    "created_at": utcnow(),
                }
                for n in range(learners)
            ],
        )
        user_ids = list(
            session.scalars(
                sa.select(User.id)
                .where(User.email.like("bench-%@example.org"), User.id != coordinator.id)
                .order_by(User.id)
            )
        )
        session.execute(
            sa.insert(UserRole),
            [{"user_id": uid, "role": "learner", "granted_at": utcnow()} for uid in user_ids],
        )
        now = utcnow()
        session.execute(
            sa.insert(Enrolment),
            [
                {
                    "user_id": uid,
                    "course_id": course.id,
                    "cohort_id": cohorts[index // size].id,
                    "status": "active",
                    "enrolled_at": now - dt.timedelta(days=90),
                }
                for index, uid in enumerate(user_ids)
            ],
        )
        lesson_ids = [lesson.id for lesson in lesson_rows]
        quizzes = {lesson.id for lesson in lesson_rows if lesson.kind == "quiz"}
        progress = []
        reached: dict[int, int] = {}
        for uid in user_ids:
            done = random.randint(0, len(lesson_ids))
            reached[uid] = min(done + 1, len(lesson_ids))
            for index, lesson_id in enumerate(lesson_ids[: reached[uid]]):
                completed = index < done
                when = now - dt.timedelta(days=random.randint(0, 60), minutes=random.randint(0, 1440))
                failed = 0 if completed else random.choice([0, 1, 2]) if lesson_id in quizzes else 0
                progress.append(
                    {
                        "user_id": uid,
                        "lesson_id": lesson_id,
                        "course_id": course.id,
                        "status": "completed" if completed else "in_progress",
                        "first_viewed_at": when,
                        "completed_at": when if completed else None,
                        "attempts": failed + (1 if completed else 0),
                        "failed_attempts": failed,
                        "best_score": random.randint(70, 100) if lesson_id in quizzes and completed else None,
                        "last_activity_at": when,
                    }
                )
        for chunk in chunks(progress):
            session.execute(sa.insert(LessonProgress), chunk)
        session.commit()
        made = 0
        pairs = [(row["user_id"], row["lesson_id"]) for row in progress]
        while made < events:
            batch = []
            for _ in range(min(50_000, events - made)):
                uid, lesson_id = random.choice(pairs)
                batch.append(
                    {
                        "user_id": uid,
                        "course_id": course.id,
                        "lesson_id": lesson_id,
                        "client_event_id": uuid.uuid4().hex,
                        "type": "quiz_submitted" if lesson_id in quizzes else "viewed",
                        "occurred_at": now - dt.timedelta(minutes=random.randint(0, 90 * 1440)),
                        "received_at": now,
                        "data": {"score": random.randint(0, 100)} if lesson_id in quizzes else {},
                    }
                )
            session.execute(sa.insert(ProgressEvent), batch)
            session.commit()
            made += len(batch)
        cohort_id = cohort.id
    database.dispose()
    return {
        "learners": learners,
        "lessons": lessons,
        "events": events,
        "cohorts": len(cohorts),
        "cohort_id": cohort_id,
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--lessons", type=int, default=60)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--cohort-size", type=int, default=None, help="learners per cohort (default: all)")
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()
    made = generate(
        learners=arguments.learners,
        lessons=arguments.lessons,
        events=arguments.events,
        cohort_size=arguments.cohort_size,
        seed=arguments.seed,
    )
    print(json.dumps(made, default=str))


if __name__ == "__main__":
    main()
