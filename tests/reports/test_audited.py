"""What staff do with participants' data is in the audit log (issue 23): a learner's timeline viewed, a
cohort's export (with the columns it held), a roster import, a cohort made; an admin's look at a user's
page; a course made and a file uploaded."""

from __future__ import annotations

import io
from collections.abc import Callable

import sqlalchemy as sa
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy.orm import Session

from app.accounts.models import AuditEvent
from app.authoring import service as authoring
from app.config import Settings
from app.learning import cohorts
from app.principal import Principal
from tests.factories import create_user, login
from tests.reports.conftest import World
from tests.reports.test_cohorts import export_matrix
from tests.reports.test_roster import GOOD, confirm


def logged(session: Session, action: str) -> list[AuditEvent]:
    session.expire_all()
    return list(session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_a_coordinators_reading_and_exporting_is_logged(
    world: World, session: Session, new_client: Callable[[], TestClient]
) -> None:
    client = new_client()
    login(client, world.coordinator.email)
    learner = world.learners[0]
    assert client.get(f"/cohorts/{world.first.id}/learners/{learner.id}").status_code == 200
    [viewed] = logged(session, "learner.view")
    assert (viewed.actor_ref, viewed.target_ref) == (world.coordinator.public_id, learner.public_id)
    assert export_matrix(client, world.first.id).status_code == 200
    [exported] = logged(session, "export.cohort")
    assert "matrix.csv" in exported.detail and "3 rows" in exported.detail and "columns:" in exported.detail
    assert confirm(client, world.first.id, GOOD).status_code == 303  # type: ignore[attr-defined]
    [imported] = logged(session, "roster.import")
    assert imported.actor_ref == world.coordinator.public_id and "rows" in imported.detail


def test_making_a_cohort_or_a_course_and_an_upload_are_logged(
    world: World, session: Session, settings: Settings
) -> None:
    cohorts.create_cohort(
        session,
        user=world.coordinator,
        fields=cohorts.CohortFields(course_id=world.course.id, name="Баткен", starts_on=None, ends_on=None),
    )
    assert logged(session, "cohort.create")[0].actor_ref == world.coordinator.public_id
    trainer = create_user(session, settings, roles=("learner", "trainer"))
    principal = Principal.of(trainer)
    authoring.create_course(session, principal, slug="local-budget", title="Бюджет", locale="ru")
    assert logged(session, "course.create")[0].detail == "course local-budget"
    picture = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(picture, format="PNG")
    png = picture.getvalue()
    authoring.upload_media(
        session,
        principal,
        slug="local-budget",
        filename="map.png",
        data=png,
        media_dir=settings.data_dir / "media",
    )
    assert "map.png" in logged(session, "media.upload")[0].detail


def test_an_admin_looking_at_a_users_page_is_logged(
    world: World, session: Session, settings: Settings, new_client: Callable[[], TestClient]
) -> None:
    admin = create_user(session, settings, roles=("learner", "admin"))
    session.commit()
    desk = new_client()
    login(desk, admin.email)
    assert desk.get(f"/admin/users/{world.learners[2].id}").status_code == 200
    [seen] = logged(session, "user.view")
    assert (seen.actor_ref, seen.target_ref) == (admin.public_id, world.learners[2].public_id)
