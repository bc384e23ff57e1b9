from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import Settings
from app.courses import loader
from app.courses.models import Course
from app.demo import COURSES_DIR
from app.discussions.models import Flag, Post, Thread
from app.learning.models import Cohort, Enrolment, ProgressEvent
from app.resolutions.models import Forum, ImplementationUpdate, Recommendation, Resolution
from tests.accounts.test_roles import academy
from tests.factories import outbox, refresh


def test_demo_is_idempotent_and_says_how_to_sign_in(session: Session, settings: Settings) -> None:
    first = academy(settings, "demo")
    assert first.returncode == 0, first.stderr
    assert "learner@example.org" in first.stdout and "password:" in first.stdout
    second = academy(settings, "demo")
    assert second.returncode == 0, second.stderr
    refresh(session)
    users = session.scalars(sa.select(User)).all()
    assert len(users) == 5
    roles = set().union(*(user.role_names for user in users))
    assert roles == {"learner", "trainer", "coordinator", "admin"}
    shipped = len(loader.find_course_dirs(COURSES_DIR))
    # The shipped courses, and the one the demo trainer is writing in the browser (once, however often).
    assert session.scalar(sa.select(sa.func.count()).select_from(Course)) == shipped + 1
    trainer = next(user for user in users if user.email == "trainer@example.org")
    staff = session.execute(sa.text("SELECT role FROM course_staff WHERE user_id = :id"), {"id": trainer.id})
    assert [row.role for row in staff] == ["owner"]
    if shipped:
        assert "DEMO2026" in first.stdout
        cohort = session.scalars(sa.select(Cohort)).one()
        assert (
            session.scalar(
                sa.select(sa.func.count()).select_from(Enrolment).where(Enrolment.cohort_id == cohort.id)
            )
            == 2
        )
        assert (
            session.scalar(sa.select(sa.func.count()).select_from(ProgressEvent)) == 4
        )  # once, though run twice
        counts = [
            session.scalar(sa.select(sa.func.count()).select_from(model)) for model in (Thread, Post, Flag)
        ]
        assert counts == [2, 5, 1]
        forum = session.scalars(sa.select(Forum)).one()  # once, though run twice
        resolution = session.scalars(sa.select(Resolution).where(Resolution.forum_id == forum.id)).one()
        assert resolution.status == "published" and len((resolution.adopted_text or {})["items"]) >= 5
        assert session.scalars(sa.select(Recommendation.status)).all() == ["accepted"] * 3
        assert session.scalar(sa.select(sa.func.count()).select_from(ImplementationUpdate)) >= 5
        session.commit()
        digest = academy(settings, "discussions", "digest")
        assert digest.returncode == 0, digest.stderr
        assert "Digests sent: 3" in digest.stdout  # the trainer and both learners have something new
        assert len(outbox(settings)) == 3
        assert "Digests sent: 0" in academy(settings, "discussions", "digest").stdout
    session.commit()


def test_demo_refuses_https(settings: Settings) -> None:
    https = settings.model_copy(update={"base_url": "https://academy.example.kg"})
    result = academy(https, "demo")
    assert result.returncode == 2
    assert "refusing" in result.stderr and "Traceback" not in result.stderr
