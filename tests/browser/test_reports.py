"""The coordinators' pages in a real browser: accessibility of the reports, the roster and the cohort form."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.config import Settings
from app.learning import service as learning_service
from app.learning.models import CohortMember
from tests.browser.conftest import axe_violations
from tests.browser.test_learning import sign_in
from tests.factories import create_cohort, create_user, enrol, lesson_of, sync_course


@pytest.fixture
def cohort(session: Session, settings: Settings) -> dict[str, Any]:
    course = sync_course(session, settings)
    cohort = create_cohort(session, course, name="Нарын")
    coordinator = create_user(session, settings, roles=("coordinator",), locale="en")
    session.add(CohortMember(cohort_id=cohort.id, user_id=coordinator.id, role="coordinator"))
    learner = create_user(session, settings, display_name="Айгерим")
    enrol(session, learner, course, cohort=cohort)
    learning_service.record_event(
        session, user_id=learner.id, course_id=course.id, pass_mark=60,
        lesson=lesson_of(session, course, "first-steps"), type="completed", client_event_id="a1",
    )  # fmt: skip
    session.commit()
    return {"coordinator": coordinator, "cohort": cohort.id, "learner": learner.id}


@pytest.mark.parametrize(
    "path",
    [
        "/cohorts/",
        "/cohorts/new",
        "/cohorts/C",
        "/cohorts/C/matrix",
        "/cohorts/C/learners/L",
        "/cohorts/C/settings",
        "/cohorts/C/roster",
    ],
)
def test_coordinator_pages_are_accessible(
    page: Any, live_server: str, cohort: dict[str, Any], path: str
) -> None:
    sign_in(page, live_server, cohort["coordinator"].email)
    page.goto(live_server + path.replace("C", str(cohort["cohort"]), 1).replace("L", str(cohort["learner"])))
    assert page.locator("h1").count() == 1
    assert axe_violations(page) == []
