"""Enrolling alone or with a cohort (code or invite link), cohort dates, withdrawal."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import Database
from app.i18n import format_day
from app.learning import service as learning_service
from app.learning.models import Enrolment, Invite, LessonProgress
from tests.factories import create_cohort, create_invite, create_user, enrol, login, post, sync_course

TODAY = dt.date.today()


@pytest.fixture
def learner(client: TestClient, session: Session, settings: Settings) -> object:
    user = create_user(session, settings)
    login(client, user.email)
    return user


class TestSelfEnrolment:
    def test_enrol_in_an_open_course(
        self, client: TestClient, session: Session, settings: Settings, learner: object
    ) -> None:
        course = sync_course(session, settings)
        response = post(client, "/courses/example-course/enrol", token_from="/courses/example-course")
        assert response.status_code == 303
        assert session.scalars(sa.select(Enrolment)).one().course_id == course.id
        assert client.get("/courses/example-course/first-steps").status_code == 200

    def test_lessons_need_an_enrolment(
        self, client: TestClient, session: Session, settings: Settings, learner: object
    ) -> None:
        sync_course(session, settings)
        response = client.get("/courses/example-course/first-steps")
        assert response.status_code == 303 and response.headers["location"].startswith(
            "/courses/example-course"
        )

    def test_a_cohort_only_course_refuses_self_enrolment(
        self, client: TestClient, session: Session, settings: Settings, learner: object
    ) -> None:
        course = sync_course(session, settings)
        course.open_enrolment = False
        response = post(client, "/courses/example-course/enrol", token_from="/courses/example-course")
        assert response.status_code == 403
        assert session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 0

    def test_withdraw_and_come_back_keeps_progress(
        self, client: TestClient, session: Session, settings: Settings, learner: object
    ) -> None:
        sync_course(session, settings)
        post(client, "/courses/example-course/enrol", token_from="/courses/example-course")
        post(
            client,
            "/courses/example-course/first-steps/complete",
            {"event_id": "x1"},
            token_from="/courses/example-course/first-steps",
        )
        assert (
            post(client, "/courses/example-course/withdraw", token_from="/courses/example-course").status_code
            == 303
        )
        assert client.get("/courses/example-course/first-steps").status_code == 303
        post(client, "/courses/example-course/enrol", token_from="/courses/example-course")
        assert session.scalars(sa.select(LessonProgress.status)).all() == ["completed"]
        assert (
            "1 of 4" in client.get("/courses/example-course").text
            or "1 из 4" in client.get("/courses/example-course").text
        )


class TestCohortCode:
    def test_join_with_a_code_typed_loosely(
        self, client: TestClient, session: Session, settings: Settings, learner: object
    ) -> None:
        course = sync_course(session, settings)
        cohort = create_cohort(session, course, code="NARYN2K6")
        course.open_enrolment = False
        response = post(client, "/join", {"code": " naryn-2k6 "}, token_from="/join")
        assert response.status_code == 303
        enrolment = session.scalars(sa.select(Enrolment)).one()
        assert enrolment.cohort_id == cohort.id

    @pytest.mark.parametrize("code", ["", "NOSUCH00"])
    def test_bad_codes_are_shown_next_to_the_field(
        self, client: TestClient, session: Session, settings: Settings, learner: object, code: str
    ) -> None:
        sync_course(session, settings)
        client.cookies.set("academy_locale", "en")
        response = post(client, "/join", {"code": code}, token_from="/join")
        assert response.status_code == 422
        assert 'id="error-code"' in response.text

    def test_joining_another_cohort_moves_her(self, session: Session, settings: Settings) -> None:
        course = sync_course(session, settings)
        first, second = create_cohort(session, course, name="A"), create_cohort(session, course, name="B")
        user = create_user(session, settings)
        learning_service.join_with_code(session, user_id=user.id, code=first.enrolment_code)
        learning_service.join_with_code(session, user_id=user.id, code=second.enrolment_code)
        [enrolment] = session.scalars(sa.select(Enrolment)).all()
        assert enrolment.cohort_id == second.id


class TestInvites:
    def test_an_invite_link_joins_and_is_used_up(
        self,
        new_client: Callable[[], TestClient],
        client: TestClient,
        session: Session,
        settings: Settings,
        learner: object,
    ) -> None:
        course = sync_course(session, settings)
        token = create_invite(session, create_cohort(session, course), max_uses=1)
        page = client.get(f"/invite/{token}")
        assert page.status_code == 200 and "Нарын 2026" in page.text
        assert post(client, f"/invite/{token}", token_from=f"/invite/{token}").status_code == 303
        assert session.scalars(sa.select(Invite.uses)).one() == 1
        other = create_user(session, settings)
        second = new_client()
        login(second, other.email)
        assert second.get(f"/invite/{token}").status_code == 404  # used up

    def test_expired_and_unknown_links(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        course = sync_course(session, settings)
        token = create_invite(session, create_cohort(session, course), expires_in=dt.timedelta(seconds=-1))
        assert client.get(f"/invite/{token}").status_code == 404
        assert client.get("/invite/" + "x" * 43).status_code == 404

    def test_the_last_use_goes_to_one_person_only(
        self, session: Session, settings: Settings, database: Database
    ) -> None:
        course = sync_course(session, settings)
        token = create_invite(session, create_cohort(session, course), max_uses=3)
        users = [create_user(session, settings).id for _ in range(8)]
        session.commit()

        def join(user_id: int) -> bool:
            with database.session(write=True) as own:
                try:
                    learning_service.join_with_invite(own, user_id=user_id, token=token)
                    own.commit()
                    return True
                except learning_service.InvalidInvite:
                    return False

        with ThreadPoolExecutor(max_workers=4) as pool:
            joined = list(pool.map(join, users))
        assert joined.count(True) == 3
        session.expire_all()
        session.commit()
        assert session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 3


class TestCohortDates:
    def test_before_the_start_the_course_is_visible_but_not_open(
        self, client: TestClient, session: Session, settings: Settings, learner: object
    ) -> None:
        course = sync_course(session, settings)
        cohort = create_cohort(session, course, starts_on=TODAY + dt.timedelta(days=10))
        enrol(session, learner, course, cohort)  # type: ignore[arg-type]
        page = client.get("/courses/example-course")
        # The day as her language writes it (Babel), not as a machine does.
        day = html.escape(format_day(TODAY + dt.timedelta(days=10), "ru"))
        assert page.status_code == 200 and day in page.text
        assert (TODAY + dt.timedelta(days=10)).isoformat() not in page.text
        assert client.get("/courses/example-course/first-steps").status_code == 403

    def test_after_the_end_she_can_read_but_not_record(
        self, client: TestClient, session: Session, settings: Settings, learner: object
    ) -> None:
        course = sync_course(session, settings)
        cohort = create_cohort(
            session, course, starts_on=TODAY - dt.timedelta(days=60), ends_on=TODAY - dt.timedelta(days=1)
        )
        enrol(session, learner, course, cohort)  # type: ignore[arg-type]
        assert client.get("/courses/example-course/first-steps").status_code == 200
        response = post(
            client,
            "/courses/example-course/first-steps/complete",
            {"event_id": "late"},
            token_from="/courses/example-course/first-steps",
        )
        assert response.status_code == 403
        assert session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 0
