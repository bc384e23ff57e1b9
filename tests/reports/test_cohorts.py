"""Cohort pages: who sees which, the overview's figures, the matrix, a learner's timeline, exports,
and the query count that does not grow with the cohort."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from app.accounts.models import AuditEvent, User
from app.config import Settings
from app.db import utcnow
from app.learning.models import Enrolment
from tests.factories import PASSWORD, create_user, csrf_token, enrol
from tests.reports.conftest import World

Make = Callable[[User], TestClient]


def pages(world: World, cohort_id: int) -> list[str]:
    learner = world.learners[0].id
    return [f"/cohorts/{cohort_id}", f"/cohorts/{cohort_id}/matrix", f"/cohorts/{cohort_id}/learners/{learner}",
            f"/cohorts/{cohort_id}/export", f"/cohorts/{cohort_id}/export/summary.xlsx"]  # fmt: skip


def export_matrix(
    client: TestClient, cohort_id: int, *, fmt: str = "csv", contact: bool = False, secret: str = PASSWORD
) -> Any:
    """Learners by lesson, as the export page sends it (her password again, at most every ten minutes)."""
    page = f"/cohorts/{cohort_id}/export"
    data = {"fmt": fmt, "secret": secret, "csrf_token": csrf_token(client, page)}
    if contact:
        data["contact"] = "on"
    return client.post(page, data=data)


def management(world: World, cohort_id: int) -> list[str]:
    return [f"/cohorts/{cohort_id}/settings", f"/cohorts/{cohort_id}/roster"]


class TestWhoSeesWhat:
    def test_a_coordinator_sees_only_her_cohorts(self, world: World, browser_of: Make) -> None:
        client = browser_of(world.coordinator)
        for path in pages(world, world.first.id) + management(world, world.first.id):
            assert client.get(path).status_code == 200, path
        for path in pages(world, world.second.id) + management(world, world.second.id):
            assert client.get(path).status_code in (403, 404), path
        listing = client.get("/cohorts/").text
        assert "Нарын" in listing and "Ош" not in listing

    def test_a_trainer_reads_but_does_not_manage(self, world: World, browser_of: Make) -> None:
        client = browser_of(world.trainer)
        assert client.get(f"/cohorts/{world.first.id}").status_code == 200
        assert client.get(f"/cohorts/{world.first.id}/matrix").status_code == 200
        for path in management(world, world.first.id):
            assert client.get(path).status_code == 403, path
        token = csrf_token(client, "/cohorts/")
        withdraw = client.post(
            f"/cohorts/{world.first.id}/learners/{world.learners[0].id}/withdraw", data={"csrf_token": token}
        )
        assert withdraw.status_code == 403

    def test_learners_and_visitors_are_refused(
        self, world: World, browser_of: Make, new_client: Callable[[], TestClient]
    ) -> None:
        learner = browser_of(world.learners[0])
        for path in pages(world, world.first.id) + ["/cohorts/", "/cohorts/new"]:
            assert learner.get(path).status_code == 403, path
        visitor = new_client()
        assert visitor.get(f"/cohorts/{world.first.id}").status_code == 303

    def test_an_admin_sees_every_cohort(
        self, world: World, browser_of: Make, session: Session, settings: Settings
    ) -> None:
        admin = create_user(session, settings, roles=("admin",))
        session.commit()
        client = browser_of(admin)
        for cohort in (world.first, world.second):
            assert client.get(f"/cohorts/{cohort.id}/matrix").status_code == 200

    def test_emails_only_for_the_cohorts_coordinators(self, world: World, browser_of: Make) -> None:
        email = world.learners[0].email
        assert email in browser_of(world.coordinator).get(f"/cohorts/{world.first.id}/matrix").text
        trainer = browser_of(world.trainer)
        assert email not in trainer.get(f"/cohorts/{world.first.id}/matrix").text
        exported = export_matrix(trainer, world.first.id, contact=True)
        assert exported.status_code == 200 and email not in exported.content.decode("utf-8-sig")


class TestOverview:
    def test_the_figures(self, world: World, browser_of: Make) -> None:
        page = browser_of(world.coordinator).get(f"/cohorts/{world.first.id}").text
        assert "<strong>3</strong>" in page  # enrolled
        assert "<strong>30%</strong>" in page  # the one quiz score
        assert (
            '<svg class="chart"' in page and '<title id="funnel-t">' in page
        )  # charts with a text alternative
        risky = page.split('id="risk-heading"')[1]
        assert "=cmd" in risky  # failed the quiz twice
        assert "Айгерим" not in risky  # active, nothing failed

    def test_inactive_learners_are_at_risk(self, world: World, browser_of: Make, session: Session) -> None:
        client = browser_of(world.coordinator)
        assert "Бермет" not in client.get(f"/cohorts/{world.first.id}").text.split('id="risk-heading"')[1]
        month_ago = utcnow() - dt.timedelta(days=30)
        session.execute(sa.update(Enrolment).values(enrolled_at=month_ago))
        risky = client.get(f"/cohorts/{world.first.id}?days=14").text.split('id="risk-heading"')[1]
        assert "Бермет" in risky  # enrolled a month ago, nothing since
        assert "Айгерим" not in risky  # completed a lesson today
        assert (
            "Бермет"
            not in client.get(f"/cohorts/{world.first.id}?days=60").text.split('id="risk-heading"')[1]
        )


class TestMatrix:
    def test_filters_and_sorting(self, world: World, browser_of: Make) -> None:
        client = browser_of(world.coordinator)
        everyone = client.get(f"/cohorts/{world.first.id}/matrix").text
        assert everyone.count('<th scope="row">') == 3
        batken = client.get(f"/cohorts/{world.first.id}/matrix?region=KG-B", headers={"HX-Request": "true"})
        assert batken.text.count('<th scope="row">') == 1 and "<html" not in batken.text
        risky = client.get(f"/cohorts/{world.first.id}/matrix?state=at_risk").text
        assert risky.count('<th scope="row">') == 1
        by_progress = client.get(f"/cohorts/{world.first.id}/matrix?sort=progress").text
        assert by_progress.index("Айгерим") < by_progress.index("Бермет")
        assert client.get(f"/cohorts/{world.first.id}/matrix?sort=x&state=y&region=z").status_code == 200

    def test_a_learners_timeline(self, world: World, browser_of: Make) -> None:
        page = (
            browser_of(world.coordinator)
            .get(f"/cohorts/{world.first.id}/learners/{world.learners[1].id}")
            .text
        )
        assert page.count("30%") == 2  # both attempts
        assert (
            browser_of(world.coordinator)
            .get(f"/cohorts/{world.first.id}/learners/{world.outsider.id}")
            .status_code
            == 404
        )


class TestExports:
    def test_csv(self, world: World, browser_of: Make) -> None:
        client = browser_of(world.coordinator)
        response = export_matrix(client, world.first.id, contact=True)
        assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert len(rows) == 4
        names = [row[0] for row in rows[1:]]
        assert "Айгерим" in names and "'=cmd|' /C calc'!A0" in names  # a formula never runs
        assert world.learners[0].email in rows[1] + rows[2] + rows[3]
        assert "Нарынская область" in response.content.decode("utf-8-sig") or "Нарын" in str(rows)

    def test_xlsx(self, world: World, browser_of: Make) -> None:
        client = browser_of(world.coordinator)
        for response in (
            export_matrix(client, world.first.id, fmt="xlsx"),
            client.get(f"/cohorts/{world.first.id}/export/summary.xlsx"),
        ):
            sheet = load_workbook(io.BytesIO(response.content)).active
            values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
            assert "Нарын" in values or "Айгерим" in values
        assert (
            browser_of(world.coordinator).get(f"/cohorts/{world.first.id}/export/summary.pdf").status_code
            == 404
        )


def test_the_matrix_costs_the_same_for_3_and_43_learners(
    world: World, browser_of: Make, session: Session, settings: Settings, queries: list[str]
) -> None:
    client = browser_of(world.coordinator)
    path = f"/cohorts/{world.first.id}/matrix"
    client.get(path)
    queries.clear()
    client.get(path)
    small = len(queries)
    for n in range(40):
        enrol(session, create_user(session, settings, display_name=f"Новая {n}"), world.course, world.first)
    session.commit()
    queries.clear()
    page = client.get(path).text
    assert page.count('<th scope="row">') == 43
    assert len(queries) == small <= 16


class TestManaging:
    def test_create_and_validate(self, world: World, browser_of: Make, session: Session) -> None:
        client = browser_of(world.coordinator)
        token = csrf_token(client, "/cohorts/new")
        bad = client.post("/cohorts/", data={"csrf_token": token, "name": "X", "course_id": str(world.course.id),
                                              "starts_on": "2026-12-01", "ends_on": "2026-11-01"})  # fmt: skip
        assert bad.status_code == 422
        wrong_date = client.post(
            "/cohorts/",
            data={"csrf_token": token, "name": "Талас", "course_id": "x", "starts_on": "tomorrow"},
        )
        assert wrong_date.status_code == 422 and 'id="error-starts_on"' in wrong_date.text
        good = client.post(
            "/cohorts/", data={"csrf_token": token, "name": "Талас", "course_id": str(world.course.id)}
        )
        assert good.status_code == 303
        assert "Талас" in client.get("/cohorts/").text

    def test_invites_and_codes(self, world: World, browser_of: Make) -> None:
        client = browser_of(world.coordinator)
        token = csrf_token(client, f"/cohorts/{world.first.id}/settings")
        made = client.post(
            f"/cohorts/{world.first.id}/invites", data={"csrf_token": token, "days": "7", "max_uses": "3"}
        )
        assert made.status_code == 200 and "/invite/" in made.text
        link = made.text.split("/invite/")[1].split("<")[0]
        assert client.get(f"/invite/{link}").status_code == 200
        old_code = world.first.enrolment_code
        client.post(f"/cohorts/{world.first.id}/code", data={"csrf_token": token})
        assert old_code not in client.get(f"/cohorts/{world.first.id}/settings").text
        invalid = client.post(
            f"/cohorts/{world.first.id}/invites", data={"csrf_token": token, "days": "0", "max_uses": "3"}
        )
        assert invalid.status_code == 422

    def test_withdraw_and_move_are_audited(self, world: World, browser_of: Make, session: Session) -> None:
        from app.learning.models import CohortMember

        session.add(CohortMember(cohort_id=world.second.id, user_id=world.coordinator.id, role="coordinator"))
        session.commit()
        client = browser_of(world.coordinator)
        token = csrf_token(client, "/cohorts/")
        learner = world.learners[2]
        moved = client.post(
            f"/cohorts/{world.first.id}/learners/{learner.id}/move",
            data={"csrf_token": token, "target": str(world.second.id)},
        )
        assert moved.status_code == 303
        assert (
            session.scalars(sa.select(Enrolment.cohort_id).where(Enrolment.user_id == learner.id)).one()
            == world.second.id
        )
        gone = client.post(
            f"/cohorts/{world.second.id}/learners/{learner.id}/withdraw", data={"csrf_token": token}
        )
        assert gone.status_code == 303
        assert (
            session.scalars(sa.select(Enrolment.status).where(Enrolment.user_id == learner.id)).one()
            == "withdrawn"
        )
        actions = session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.action.like("cohort.%")).order_by(AuditEvent.id)
        ).all()
        assert actions == ["cohort.move", "cohort.withdraw"]


@pytest.mark.parametrize("together", [False, True], ids=["in-sequence", "at-once"])
def test_a_cohort_or_an_invitation_sent_twice_is_made_once(
    world: World, browser_of: Make, session: Session, together: bool
) -> None:
    from app.learning.models import Cohort, Invite
    from tests.double_sends import twice

    coordinator = [browser_of(world.coordinator), browser_of(world.coordinator)]
    cohorts_before = session.scalar(sa.select(sa.func.count()).select_from(Cohort))
    made = twice(coordinator, "/cohorts/", {"name": "Талас", "course_id": str(world.course.id)},
                 together=together, token_from="/cohorts/new")  # fmt: skip
    assert [answer.status_code for answer in made] == [303, 303]  # type: ignore[attr-defined]
    assert len({answer.headers["location"] for answer in made}) == 1  # type: ignore[attr-defined]
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(Cohort)) == cohorts_before + 1
    invited = twice(coordinator, f"/cohorts/{world.first.id}/invites", {"days": "7", "max_uses": "3"},
                    together=together, token_from=f"/cohorts/{world.first.id}/settings")  # fmt: skip
    assert sorted(answer.status_code for answer in invited) == [200, 303]  # type: ignore[attr-defined]
    shown = next(answer for answer in invited if answer.status_code == 200)  # type: ignore[attr-defined]
    assert "/invite/" in shown.text  # type: ignore[attr-defined]  # the link, shown once
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(Invite)) == 1
