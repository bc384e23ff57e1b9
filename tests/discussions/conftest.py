"""A course with two cohorts, their learners and staff, an outsider and an admin: who sees what."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import Settings
from app.courses.models import Course, Lesson
from app.discussions import service as discussions
from app.discussions.access import Viewer, viewer_for
from app.discussions.models import Post, Thread
from app.learning.models import Cohort, CohortMember
from app.permissions import capabilities_of
from app.principal import Principal
from tests.factories import create_cohort, create_user, csrf_token, enrol, lesson_of, sync_course


@dataclass
class World:
    course: Course
    lesson: Lesson  # a reading
    reflection: Lesson
    naryn: Cohort
    osh: Cohort
    aigul: User  # learner in Naryn
    bermet: User  # learner in Naryn
    cholpon: User  # learner in Osh
    solo: User  # enrolled alone, in no cohort
    outsider: User  # not enrolled at all
    trainer: User  # trainer of Naryn only
    coordinator: User  # coordinator of Osh only
    admin: User


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


def build_world(session: Session, settings: Settings) -> World:
    course = sync_course(session, settings)
    naryn, osh = create_cohort(session, course, name="Нарын"), create_cohort(session, course, name="Ош")
    people = {
        name: create_user(session, settings, display_name=display, region="KG-N", email=f"{name}@example.kg")
        for name, display in [
            ("aigul", "Айгүл"), ("bermet", "Бермет"), ("cholpon", "Чолпон"), ("solo", "Соло"), ("outsider", "Чужая"),
        ]
    }  # fmt: skip
    trainer = create_user(
        session, settings, roles=("trainer",), display_name="Тренер", email="trainer@example.kg"
    )
    coordinator = create_user(
        session, settings, roles=("coordinator",), display_name="Координатор", email="coordinator@example.kg"
    )
    admin = create_user(session, settings, roles=("admin",), display_name="Админ", email="admin@example.kg")
    for name in ("aigul", "bermet"):
        enrol(session, people[name], course, naryn)
    enrol(session, people["cholpon"], course, osh)
    enrol(session, people["solo"], course)
    session.add(CohortMember(cohort_id=naryn.id, user_id=trainer.id, role="trainer"))
    session.add(CohortMember(cohort_id=osh.id, user_id=coordinator.id, role="coordinator"))
    session.flush()
    world = World(
        course, lesson_of(session, course, "first-steps"), lesson_of(session, course, "your-turn"), naryn, osh,
        people["aigul"], people["bermet"], people["cholpon"], people["solo"], people["outsider"], trainer,
        coordinator, admin,
    )  # fmt: skip
    session.commit()
    return world


def principal_of(user: User) -> Principal:
    return Principal(
        user_id=user.id, session_id=0, display_name=user.display_name, email=user.email, locale=user.locale,
        roles=user.role_names, capabilities=capabilities_of(user.role_names),
    )  # fmt: skip


def viewer(session: Session, user: User) -> Viewer:
    return viewer_for(session, principal_of(user))


def start(
    session: Session, user: User, *, lesson: Lesson | None = None, cohort: Cohort | None = None,
    title: str = "Вопрос", body: str = "Текст", anonymous: bool = False,
) -> tuple[Thread, Post]:  # fmt: skip
    """A thread started by `user` through the service (fast; the pages are tested on their own)."""
    place = (
        discussions.place_of(session, lesson_id=lesson.id)
        if lesson
        else discussions.place_of(session, cohort_id=cohort.id if cohort else None)
    )
    thread, post = discussions.start_thread(
        session, viewer(session, user), place, title=title, body=body, anonymous=anonymous
    )
    session.commit()
    return thread, post


def reply(session: Session, user: User, thread: Thread, body: str = "Ответ", **kwargs: object) -> Post:
    post = discussions.reply(session, viewer(session, user), thread, body=body, **kwargs)  # type: ignore[arg-type]
    session.commit()
    return post


def form(client: TestClient, path: str, data: dict[str, str], *, token_from: str = "/discussions") -> object:
    fields = dict(data)
    fields.setdefault("csrf_token", csrf_token(client, token_from))
    return client.post(path, data=fields)


def text_of(html: str) -> str:
    """The visible words of a page, roughly (tags dropped)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def fetch(session: Session, model: type, **where: object) -> list:  # type: ignore[type-arg]
    session.commit()
    session.expire_all()
    statement = sa.select(model)
    if model.__name__ == "AuditEvent":  # what staff did here, not their signing in
        statement = statement.where(model.action != "staff.sign_in")  # type: ignore[attr-defined]
    for key, value in where.items():
        statement = statement.where(getattr(model, key) == value)
    return list(session.scalars(statement))
