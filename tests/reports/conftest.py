from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import Settings
from app.courses.models import Course
from app.learning import service as learning_service
from app.learning.models import Cohort, CohortMember
from tests.factories import create_cohort, create_user, enrol, lesson_of, sync_course


@dataclass
class World:
    course: Course
    first: Cohort
    second: Cohort
    coordinator: User  # runs the first cohort only
    trainer: User  # trainer in the first cohort
    learners: list[User]  # in the first cohort
    outsider: User  # a learner of the second cohort


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    course = sync_course(session, settings)
    first = create_cohort(session, course, name="Нарын")
    second = create_cohort(session, course, name="Ош")
    coordinator = create_user(session, settings, roles=("coordinator",), display_name="Координатор")
    trainer = create_user(session, settings, roles=("trainer",), display_name="Тренер")
    session.add(CohortMember(cohort_id=first.id, user_id=coordinator.id, role="coordinator"))
    session.add(CohortMember(cohort_id=first.id, user_id=trainer.id, role="trainer"))
    names = ["Айгерим", "=cmd|' /C calc'!A0", "Бермет"]
    learners = [
        create_user(session, settings, display_name=name, region="KG-N" if i else "KG-B")
        for i, name in enumerate(names)
    ]
    for learner in learners:
        enrol(session, learner, course, first)
    outsider = create_user(session, settings, display_name="Чужая")
    enrol(session, outsider, course, second)
    first_lesson, quiz = lesson_of(session, course, "first-steps"), lesson_of(session, course, "check")
    learning_service.record_event(session, user_id=learners[0].id, course_id=course.id, pass_mark=60, lesson=first_lesson,
                                  type="completed", client_event_id="a1")  # fmt: skip
    for n in range(2):  # the second learner fails the quiz twice
        learning_service.record_event(session, user_id=learners[1].id, course_id=course.id, pass_mark=60, lesson=quiz,
                                      type="quiz_submitted", client_event_id=f"q{n}", data={"score": 30})  # fmt: skip
    session.commit()
    return World(course, first, second, coordinator, trainer, learners, outsider)
