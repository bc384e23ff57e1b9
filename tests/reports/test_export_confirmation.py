"""A participant export is the riskiest file (issue 23): her password (or a code) again before it, at most
every ten minutes; by default no email and no region (a box adds them); each export audited with what
columns it held."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import AuditEvent, User, UserSession
from app.db import utcnow
from tests.factories import PASSWORD
from tests.reports.conftest import World
from tests.reports.test_cohorts import export_matrix

Make = Callable[[User], TestClient]


def header(response: object) -> list[str]:
    return next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))  # type: ignore[attr-defined]


def test_the_default_export_leaves_out_email_and_region(world: World, browser_of: Make) -> None:
    client = browser_of(world.coordinator)
    page = client.get(f"/cohorts/{world.first.id}/export").text
    assert 'name="secret"' in page and 'name="contact"' in page
    plain = header(export_matrix(client, world.first.id))
    assert "Эл. почта" not in plain and "Email" not in plain and "Регион" not in plain
    full = header(export_matrix(client, world.first.id, contact=True))
    assert any("почта" in column.lower() or column == "Email" for column in full) and "Регион" in full


def test_a_wrong_password_exports_nothing(world: World, browser_of: Make, session: Session) -> None:
    client = browser_of(world.coordinator)
    refused = export_matrix(client, world.first.id, secret="not her password")
    assert refused.status_code == 422 and "attachment" not in refused.headers.get("content-disposition", "")
    assert 'id="field-secret"' in refused.text
    session.expire_all()
    assert not session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "export.cohort")).all()


def test_asked_again_after_ten_minutes_not_before(world: World, browser_of: Make, session: Session) -> None:
    client = browser_of(world.coordinator)
    assert export_matrix(client, world.first.id).status_code == 200
    assert 'name="secret"' not in client.get(f"/cohorts/{world.first.id}/export").text  # confirmed lately
    assert export_matrix(client, world.first.id, secret="").status_code == 200
    session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == world.coordinator.id)
        .values(confirmed_at=utcnow() - dt.timedelta(minutes=11))
    )
    session.commit()
    assert export_matrix(client, world.first.id, secret="").status_code == 422
    assert export_matrix(client, world.first.id, secret=PASSWORD).status_code == 200


def test_each_export_is_audited_with_its_columns(world: World, browser_of: Make, session: Session) -> None:
    client = browser_of(world.coordinator)
    export_matrix(client, world.first.id)
    export_matrix(client, world.first.id, contact=True)
    session.expire_all()
    details = session.scalars(
        sa.select(AuditEvent.detail).where(AuditEvent.action == "export.cohort").order_by(AuditEvent.id)
    ).all()
    assert len(details) == 2 and "Регион" not in details[0] and "Регион" in details[1]
