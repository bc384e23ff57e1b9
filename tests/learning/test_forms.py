"""Every learning form that is refused comes back on the page she was on (issue 20): status 422, what she
typed still in the form, the reason beside the field and in the summary; and a refused request leaves
nothing half-written."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import AuditEvent, User
from app.config import Settings
from app.courses.models import Course
from app.db import utcnow
from app.learning.models import (
    Certificate,
    Cohort,
    CohortMember,
    Enrolment,
    Invite,
    LessonProgress,
    ProgressEvent,
    ReflectionNote,
)
from tests.factories import create_cohort, create_user, csrf_token, enrol, login, post, sync_course
from tests.learning.conftest import Enrolled
from tests.learning.test_certificates import CERTIFICATE, complete, issue

NOTE = "/courses/example-course/your-turn"


def count(session: Session, model: type) -> int:
    session.commit()
    statement = sa.select(sa.func.count()).select_from(model)
    if model is AuditEvent:  # what staff changed, not their signing in
        statement = statement.where(AuditEvent.action != "staff.sign_in")
    return session.scalar(statement) or 0


def field_value(page: str, name: str) -> str:
    """The value an <input name=...> shows."""
    start = page.index(f'name="{name}"')
    tag = page[page.rfind("<", 0, start) : page.index(">", start)]
    return html.unescape(tag.split('value="', 1)[1].split('"', 1)[0])


# The learner's forms ------------------------------------------------------------------------------------


class TestReflection:
    def test_too_long_comes_back_with_her_text(self, enrolled: Enrolled, session: Session) -> None:
        text = "Бюджет айылдын " * 400  # 6,000 characters
        response = post(enrolled.client, f"{NOTE}/note", {"event_id": "n1", "note": text}, token_from=NOTE)
        assert response.status_code == 422  # type: ignore[attr-defined]
        page = response.text  # type: ignore[attr-defined]
        assert 'id="error-note"' in page and 'aria-invalid="true"' in page and "5000" in page
        assert text.strip() in page  # her text, in the textarea, to shorten
        assert count(session, ReflectionNote) == 0
        assert not [e for e in session.scalars(sa.select(ProgressEvent)) if e.type == "completed"]

    def test_empty_is_refused_beside_the_field_in_place(self, enrolled: Enrolled) -> None:
        token = csrf_token(enrolled.client, NOTE)
        response = enrolled.client.post(
            f"{NOTE}/note",
            data={"csrf_token": token, "event_id": "n2", "note": "   "},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 422 and "<html" not in response.text
        assert 'id="error-note"' in response.text and 'id="reflection-heading"' in response.text

    def test_a_reflection_that_cannot_be_recorded_is_not_kept(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        """The note is written first, then the lesson's completion is refused (her cohort has ended):
        the request's one unit of work is rolled back, note and all."""
        course = sync_course(session, settings)
        ended = create_cohort(
            session,
            course,
            starts_on=dt.date.today() - dt.timedelta(days=30),
            ends_on=dt.date.today() - dt.timedelta(days=1),
        )
        user = create_user(session, settings)
        enrol(session, user, course, ended)
        login(client, user.email)
        response = post(client, f"{NOTE}/note", {"event_id": "late", "note": "Мой ответ"}, token_from=NOTE)
        assert response.status_code == 403  # type: ignore[attr-defined]
        assert count(session, ReflectionNote) == 0 and count(session, LessonProgress) == 0


class TestJoin:
    def test_an_unknown_code_keeps_what_she_typed(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        sync_course(session, settings)
        user = create_user(session, settings, locale="en")
        login(client, user.email)
        response = post(client, "/join", {"code": "nosuch-00"}, token_from="/join")
        assert response.status_code == 422  # type: ignore[attr-defined]
        page = response.text  # type: ignore[attr-defined]
        assert field_value(page, "code") == "nosuch-00"
        assert 'id="error-code"' in page and "There is no cohort with this code." in page
        assert 'id="error-summary"' in page and count(session, Enrolment) == 0

    def test_a_code_without_letters_is_refused_before_looking(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        user = create_user(session, settings, locale="en")
        login(client, user.email)
        response = post(client, "/join", {"code": " -- "}, token_from="/join")
        assert response.status_code == 422  # type: ignore[attr-defined]
        assert "Enter the enrolment code your coordinator gave you." in response.text  # type: ignore[attr-defined]


class TestCertificates:
    @pytest.mark.parametrize("name", ["x", "Я" * 121])
    def test_a_name_refused_is_kept(self, enrolled: Enrolled, session: Session, name: str) -> None:
        complete(enrolled)
        response = post(enrolled.client, CERTIFICATE, {"name": name}, token_from=CERTIFICATE)
        assert response.status_code == 422  # type: ignore[attr-defined]
        page = response.text  # type: ignore[attr-defined]
        assert 'id="error-name"' in page and field_value(page, "name") == name
        assert count(session, Certificate) == 0

    def test_a_reason_too_long_is_kept_and_nothing_is_revoked(
        self, enrolled: Enrolled, session: Session, settings: Settings, new_client: Callable[[], TestClient]
    ) -> None:
        complete(enrolled)
        code = issue(enrolled)
        admin = create_user(session, settings, roles=("admin",), locale="en")
        staff = new_client()
        login(staff, admin.email)
        reason = "issued by mistake; " * 20
        response = post(
            staff, f"/admin/certificates/{code}/revoke", {"reason": reason}, token_from="/admin/certificates"
        )
        assert response.status_code == 422  # type: ignore[attr-defined]
        page = response.text  # type: ignore[attr-defined]
        assert 'id="error-reason"' in page and "At most 300 characters." in page
        assert field_value(page, "reason") == reason and code in page
        assert session.scalars(sa.select(Certificate.revoked_at)).one() is None
        assert count(session, AuditEvent) == 0


# The coordinators' forms --------------------------------------------------------------------------------


@dataclass
class Staff:
    user: User
    course: Course
    cohort: Cohort
    client: TestClient


@pytest.fixture
def staff(session: Session, settings: Settings, browser_of: Callable[[User], TestClient]) -> Staff:
    course = sync_course(session, settings)
    cohort = create_cohort(session, course, name="Нарын")
    user = create_user(session, settings, roles=("coordinator",), locale="en")
    session.add(CohortMember(cohort_id=cohort.id, user_id=user.id, role="coordinator"))
    session.commit()
    return Staff(user, course, cohort, browser_of(user))


class TestCohortForms:
    def test_a_cohort_that_ends_before_it_starts(self, staff: Staff, session: Session) -> None:
        fields = {
            "name": "Талас",
            "course_id": str(staff.course.id),
            "starts_on": "2026-12-01",
            "ends_on": "2026-11-01",
        }
        response = post(staff.client, "/cohorts/", fields, token_from="/cohorts/new")
        assert response.status_code == 422  # type: ignore[attr-defined]
        page = response.text  # type: ignore[attr-defined]
        assert 'id="error-ends_on"' in page and "The end date comes before the start date." in page
        assert field_value(page, "name") == "Талас" and field_value(page, "ends_on") == "2026-11-01"
        assert f'<option value="{staff.course.id}" selected>' in page
        assert count(session, Cohort) == 1

    def test_each_field_says_what_is_wrong(self, staff: Staff) -> None:
        fields = {"name": "T", "course_id": "", "starts_on": "tomorrow"}
        response = post(staff.client, "/cohorts/", fields, token_from="/cohorts/new")
        assert response.status_code == 422  # type: ignore[attr-defined]
        page = response.text  # type: ignore[attr-defined]
        for field in ("name", "course_id", "starts_on"):
            assert f'id="error-{field}"' in page, field
        assert "Write the date as YYYY-MM-DD, or leave it empty." in page
        assert field_value(page, "starts_on") == "tomorrow"

    def test_an_edit_refused_changes_nothing(
        self, staff: Staff, session: Session, settings: Settings
    ) -> None:
        path = f"/cohorts/{staff.cohort.id}/settings"
        fields = {"name": "Нарын, осень", "course_id": "999999", "starts_on": "", "ends_on": ""}
        response = post(staff.client, path, fields, token_from=path)
        assert response.status_code == 422  # type: ignore[attr-defined]
        page = response.text  # type: ignore[attr-defined]
        assert 'id="error-course_id"' in page and field_value(page, "name") == "Нарын, осень"
        assert "<h1>Нарын</h1>" in page  # the cohort as saved
        session.expire_all()
        assert session.get(Cohort, staff.cohort.id).name == "Нарын"  # type: ignore[union-attr]

    def test_the_course_of_a_cohort_with_learners(
        self, staff: Staff, session: Session, settings: Settings
    ) -> None:
        enrol(session, create_user(session, settings), staff.course, staff.cohort)
        other = Course(slug="other", estimated_hours=1, licence="CC BY 4.0", published_at=utcnow())
        session.add(other)
        session.commit()
        path = f"/cohorts/{staff.cohort.id}/settings"
        fields = {"name": "Нарын", "course_id": str(other.id)}
        response = post(staff.client, path, fields, token_from=path)
        assert response.status_code == 422  # type: ignore[attr-defined]
        page = response.text  # type: ignore[attr-defined]
        assert (
            'id="error-course_id"' in page
            and "The course of a cohort that has learners cannot change." in page
        )
        session.expire_all()
        assert session.get(Cohort, staff.cohort.id).course_id == staff.course.id  # type: ignore[union-attr]

    @pytest.mark.parametrize(
        ("days", "max_uses", "field", "message"),
        [
            ("0", "3", "days", "An invitation lasts 1 to 365 days"),
            ("7", "20000", "max_uses", "An invitation lasts 1 to 365 days"),
            ("a week", "3", "days", "Give whole numbers."),
        ],
    )
    def test_an_invitation_refused(
        self, staff: Staff, session: Session, days: str, max_uses: str, field: str, message: str
    ) -> None:
        path = f"/cohorts/{staff.cohort.id}/settings"
        response = post(
            staff.client,
            f"/cohorts/{staff.cohort.id}/invites",
            {"days": days, "max_uses": max_uses},
            token_from=path,
        )
        assert response.status_code == 422  # type: ignore[attr-defined]
        page = response.text  # type: ignore[attr-defined]
        assert f'id="error-{field}"' in page and message in page
        assert field_value(page, "days") == days and field_value(page, "max_uses") == max_uses
        assert field_value(page, "name") == "Нарын"  # the cohort's own form, as saved
        assert count(session, Invite) == 0

    def test_staff_nobody_has_that_role(self, staff: Staff, session: Session, settings: Settings) -> None:
        learner = create_user(session, settings, email="aida@example.kg")
        session.commit()
        path = f"/cohorts/{staff.cohort.id}/settings"
        response = post(
            staff.client,
            f"/cohorts/{staff.cohort.id}/staff",
            {"email": learner.email, "role": "coordinator"},
            token_from=path,
        )
        assert response.status_code == 422  # type: ignore[attr-defined]
        page = response.text  # type: ignore[attr-defined]
        assert 'id="error-email"' in page and "No one with this email has that role." in page
        assert field_value(page, "email") == "aida@example.kg"
        assert '<option value="coordinator" selected>' in page
        assert count(session, CohortMember) == 1 and count(session, AuditEvent) == 0

    def test_staff_role_must_be_one_of_the_two(self, staff: Staff) -> None:
        path = f"/cohorts/{staff.cohort.id}/settings"
        response = post(
            staff.client,
            f"/cohorts/{staff.cohort.id}/staff",
            {"email": "x@example.kg", "role": "boss"},
            token_from=path,
        )
        assert response.status_code == 422  # type: ignore[attr-defined]
        assert 'id="error-role"' in response.text  # type: ignore[attr-defined]

    def test_a_roster_with_wrong_lines_comes_back_line_by_line(self, staff: Staff, session: Session) -> None:
        text = "name,email\nЖаңыл,janyl@example.kg\nNo email,not-an-address\nАнна,anna@example.kg\n"
        before = count(session, User)
        response = staff.client.post(
            f"/cohorts/{staff.cohort.id}/roster",
            data={"csrf_token": csrf_token(staff.client, f"/cohorts/{staff.cohort.id}/roster")},
            files={"file": ("roster.csv", text.encode(), "text/csv")},
        )
        assert response.status_code == 422
        page = response.text
        assert page.count('class="new"') == 2 and page.count('class="error"') == 1
        assert "not an email address" in page and "not-an-address" in page
        assert 'name="check_id"' not in page  # nothing to confirm: no id kept
        forced = post(
            staff.client,
            f"/cohorts/{staff.cohort.id}/roster/import",
            {"check_id": "made-up"},
            token_from=f"/cohorts/{staff.cohort.id}/roster",
        )
        assert forced.status_code == 422  # type: ignore[attr-defined]
        assert "Check the file again" in forced.text  # type: ignore[attr-defined]
        assert count(session, User) == before and count(session, Enrolment) == 0
