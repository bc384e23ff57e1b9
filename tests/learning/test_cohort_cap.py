"""A cohort's places (issue 25, point 9): joining by the code, by an invitation, by a move or by a roster
stops when every place is taken, with a clear message and status 409; a roster that would not fit is
refused as a whole; two people joining for the last place never both get in."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import Settings
from app.courses.models import Course
from app.db import Database
from app.learning import cohorts, roster
from app.learning import service as learning_service
from app.learning.models import Cohort, CohortMember, Enrolment, Invite
from tests.factories import (
    PASSWORD,
    create_cohort,
    create_invite,
    create_user,
    csrf_token,
    enrol,
    post,
    refresh,
    sync_course,
)
from tests.test_cli import academy, environment

Make = Callable[[User], TestClient]


@dataclass
class Capped:
    course: Course
    cohort: Cohort  # two places, one taken
    coordinator: User
    learner: User  # in the cohort


@pytest.fixture
def capped(session: Session, settings: Settings) -> Capped:
    course = sync_course(session, settings)
    cohort = create_cohort(session, course, name="Баткен")
    cohort.max_learners = 2
    coordinator = create_user(session, settings, roles=("coordinator",))
    session.add(CohortMember(cohort_id=cohort.id, user_id=coordinator.id, role="coordinator"))
    learner = create_user(session, settings)
    enrol(session, learner, course, cohort)
    session.commit()
    return Capped(course, cohort, coordinator, learner)


def active(session: Session, cohort: Cohort) -> int:
    session.expire_all()
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Enrolment)
            .where(Enrolment.cohort_id == cohort.id, Enrolment.status == "active")
        )
        or 0
    )


class TestTheService:
    def test_the_last_place_then_a_refusal_that_names_the_places(
        self, capped: Capped, session: Session, settings: Settings
    ) -> None:
        second, third = create_user(session, settings), create_user(session, settings)
        code = capped.cohort.enrolment_code
        learning_service.join_with_code(session, user_id=second.id, code=code)
        with pytest.raises(learning_service.CohortFull) as refused:
            learning_service.join_with_code(session, user_id=third.id, code=code.lower())
        assert refused.value.status_code == 409 and refused.value.params == {"places": 2}
        assert "(2)" in refused.value.translated()
        # one already in the cohort joins again without taking another place
        learning_service.join_with_code(session, user_id=capped.learner.id, code=code)
        assert active(session, capped.cohort) == 2

    def test_a_withdrawal_frees_a_place_and_no_limit_takes_everyone(
        self, capped: Capped, session: Session, settings: Settings
    ) -> None:
        code = capped.cohort.enrolment_code
        learning_service.join_with_code(session, user_id=create_user(session, settings).id, code=code)
        learning_service.withdraw(session, user_id=capped.learner.id, course_id=capped.course.id)
        newcomer = create_user(session, settings)
        learning_service.join_with_code(session, user_id=newcomer.id, code=code)
        with pytest.raises(learning_service.CohortFull):  # she left: coming back needs a place too
            learning_service.join_with_code(session, user_id=capped.learner.id, code=code)
        capped.cohort.max_learners = None
        for _ in range(3):
            learning_service.join_with_code(session, user_id=create_user(session, settings).id, code=code)
        assert active(session, capped.cohort) == 5

    def test_a_move_into_a_full_cohort_is_refused(
        self, capped: Capped, session: Session, settings: Settings
    ) -> None:
        other = create_cohort(session, capped.course, name="Ош")
        two = [create_user(session, settings) for _ in range(2)]
        for user in two:
            enrol(session, user, capped.course, other)
        cohorts.move_learner(session, other, capped.cohort, actor=capped.coordinator, user_id=two[0].id)
        with pytest.raises(learning_service.CohortFull):
            cohorts.move_learner(session, other, capped.cohort, actor=capped.coordinator, user_id=two[1].id)

    def test_two_people_at_once_for_the_last_places(
        self, capped: Capped, session: Session, settings: Settings, database: Database
    ) -> None:
        """Each in her own session and thread: the cohort's row is locked while the places are counted
        (on PostgreSQL, SELECT ... FOR UPDATE; on SQLite, one writer at a time)."""
        capped.cohort.max_learners = 4  # one taken: three left, for eight people
        code = capped.cohort.enrolment_code
        token = create_invite(session, capped.cohort, max_uses=10)
        users = [create_user(session, settings).id for _ in range(8)]
        session.commit()

        def join(numbered: tuple[int, int]) -> bool:
            index, user_id = numbered
            with database.session(write=True) as own:
                try:
                    if index % 2:
                        learning_service.join_with_invite(own, user_id=user_id, token=token)
                    else:
                        learning_service.join_with_code(own, user_id=user_id, code=code)
                    own.commit()
                    return True
                except learning_service.CohortFull:
                    own.rollback()
                    return False

        with ThreadPoolExecutor(max_workers=4) as pool:
            joined = list(pool.map(join, enumerate(users)))
        assert joined.count(True) == 3
        refresh(session)
        assert active(session, capped.cohort) == 4


class TestThePages:
    def test_joining_a_full_cohort_by_its_code(
        self, capped: Capped, session: Session, settings: Settings, browser_of: Make
    ) -> None:
        enrol(session, create_user(session, settings), capped.course, capped.cohort)
        session.commit()
        client = browser_of(create_user(session, settings))
        token = csrf_token(client, "/join")
        refused = client.post("/join", data={"csrf_token": token, "code": capped.cohort.enrolment_code})
        assert refused.status_code == 409
        assert 'id="error-code"' in refused.text and "(2)" in refused.text
        assert capped.cohort.enrolment_code in refused.text  # what she typed, kept
        assert active(session, capped.cohort) == 2

    def test_an_invitation_to_a_full_cohort(
        self, capped: Capped, session: Session, settings: Settings, browser_of: Make
    ) -> None:
        token = create_invite(session, capped.cohort, max_uses=5)
        session.commit()
        first = browser_of(create_user(session, settings))
        joined: Any = post(first, f"/invite/{token}", token_from=f"/invite/{token}")
        assert joined.status_code == 303
        second = browser_of(create_user(session, settings))
        page = second.get(f"/invite/{token}")
        assert page.status_code == 200 and f'action="/invite/{token}"' not in page.text  # no button
        refused: Any = post(second, f"/invite/{token}", token_from="/join")  # sent anyway (an old tab)
        assert refused.status_code == 409 and 'role="alert"' in refused.text
        session.expire_all()
        assert session.scalars(sa.select(Invite.uses)).one() == 1  # the refused one used nothing
        assert active(session, capped.cohort) == 2

    def test_the_api_answers_409(
        self, capped: Capped, session: Session, settings: Settings, client: TestClient
    ) -> None:
        enrol(session, create_user(session, settings), capped.course, capped.cohort)
        user = create_user(session, settings)
        session.commit()
        answer = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
        headers = {"Authorization": f"Bearer {answer.json()['token']}"}
        refused = client.post(
            "/api/v1/enrolments", json={"code": capped.cohort.enrolment_code}, headers=headers
        )
        assert refused.status_code == 409 and "(2)" in refused.json()["detail"]

    def test_the_coordinator_sets_the_places(
        self, capped: Capped, session: Session, browser_of: Make
    ) -> None:
        client = browser_of(capped.coordinator)
        page = f"/cohorts/{capped.cohort.id}/settings"
        fields = {
            "csrf_token": csrf_token(client, page),
            "name": "Баткен",
            "course_id": str(capped.course.id),
        }
        for wrong in ("many", "0", "20000", "-3", "2.5"):
            refused = client.post(page, data={**fields, "max_learners": wrong})
            assert refused.status_code == 422 and 'id="error-max_learners"' in refused.text, wrong
            assert f'value="{wrong}"' in refused.text  # what she typed, kept
        assert client.post(page, data={**fields, "max_learners": " 1 000 "}).status_code == 303
        session.expire_all()
        assert session.get(Cohort, capped.cohort.id).max_learners == 1000  # type: ignore[union-attr]
        shown = client.get(page).text
        assert 'value="1000"' in shown and "1" in shown
        assert client.post(page, data={**fields, "max_learners": ""}).status_code == 303
        session.expire_all()
        assert session.get(Cohort, capped.cohort.id).max_learners is None  # type: ignore[union-attr]

    def test_a_new_cohort_with_places(self, capped: Capped, session: Session, browser_of: Make) -> None:
        client = browser_of(capped.coordinator)
        data = {"csrf_token": csrf_token(client, "/cohorts/new"), "name": "Талас",
                "course_id": str(capped.course.id), "max_learners": "25"}  # fmt: skip
        assert client.post("/cohorts/", data=data).status_code == 303
        session.expire_all()
        made = session.scalars(sa.select(Cohort).where(Cohort.name == "Талас")).one()
        assert made.max_learners == 25


ROWS = "name,email,region,language\n" + "".join(f"Жаңыл {n},janyl{n}@example.kg,KG-N,ky\n" for n in range(3))


def check(client: TestClient, cohort_id: int, text: str) -> Any:
    return client.post(
        f"/cohorts/{cohort_id}/roster",
        data={"csrf_token": csrf_token(client, f"/cohorts/{cohort_id}/roster")},
        files={"file": ("roster.csv", text.encode("utf-8"), "text/csv")},
    )


class TestTheRoster:
    def test_the_dry_run_says_how_many_lines_would_not_fit(
        self, capped: Capped, session: Session, browser_of: Make
    ) -> None:
        client = browser_of(capped.coordinator)
        # three new people and one already in: one place left, so two lines would not fit
        text = ROWS + f"Айгерим,{capped.learner.email},,\n"
        page = check(client, capped.cohort.id, text)
        assert page.status_code == 409
        assert 'name="check_id"' not in page.text  # nothing to confirm
        assert re.search(r"\b2\b[^<]*\b2\b[^<]*\b1\b", page.text)  # 2 lines; 2 places, 1 taken
        users = session.scalar(sa.select(sa.func.count()).select_from(User))
        capped.cohort.max_learners = 4
        session.commit()
        fits = check(client, capped.cohort.id, text)
        assert fits.status_code == 200 and 'name="check_id"' in fits.text
        assert session.scalar(sa.select(sa.func.count()).select_from(User)) == users

    def test_the_import_refuses_as_a_whole_when_the_places_went_meanwhile(
        self, capped: Capped, session: Session, settings: Settings, browser_of: Make
    ) -> None:
        capped.cohort.max_learners = 4
        session.commit()
        client = browser_of(capped.coordinator)
        page = check(client, capped.cohort.id, ROWS)
        found = re.search(r'name="check_id" value="([^"]*)"', page.text)
        assert found
        enrol(session, create_user(session, settings), capped.course, capped.cohort)  # one place taken
        session.commit()
        users = session.scalar(sa.select(sa.func.count()).select_from(User))
        refused: Any = post(client, f"/cohorts/{capped.cohort.id}/roster/import", {"check_id": found.group(1)},
                       token_from="/cohorts/")  # fmt: skip
        assert refused.status_code == 409 and 'name="check_id"' not in refused.text
        session.expire_all()
        assert session.scalar(sa.select(sa.func.count()).select_from(User)) == users  # nothing written
        assert active(session, capped.cohort) == 2

    def test_apply_refuses_before_writing(self, capped: Capped, session: Session, settings: Settings) -> None:
        rows = roster.plan(session, capped.cohort, ROWS, "ru")
        assert roster.over_cap(session, capped.cohort, rows) == (2, 2, 1)
        users = session.scalar(sa.select(sa.func.count()).select_from(User))
        with pytest.raises(learning_service.CohortFull):
            roster.apply(session, capped.cohort, rows, settings=settings, actor=None)
        assert session.scalar(sa.select(sa.func.count()).select_from(User)) == users

    def test_the_command(self, capped: Capped, session: Session, settings: Settings, tmp_path: Path) -> None:
        env = environment(tmp_path, database_url=settings.database_url)
        path = tmp_path / "roster.csv"
        path.write_text(ROWS)
        dry = academy("cohorts", "import", capped.cohort.enrolment_code, str(path), "--dry-run", env=env)
        assert dry.returncode == 1 and "2 line(s) would not fit" in dry.stderr, dry.stdout + dry.stderr
        refused = academy("cohorts", "import", capped.cohort.enrolment_code, str(path), env=env)
        assert refused.returncode == 1 and "nothing was imported" in refused.stderr
        refresh(session)
        assert active(session, capped.cohort) == 1
        capped.cohort.max_learners = 10
        session.commit()
        done = academy("cohorts", "import", capped.cohort.enrolment_code, str(path), env=env)
        assert done.returncode == 0, done.stderr
        refresh(session)
        assert active(session, capped.cohort) == 4
