"""The staff audit log (issue 23): append-only in the database itself (triggers refuse UPDATE and DELETE
on SQLite and PostgreSQL), names people by a pseudonymous id with the name looked up when shown, and an
admin page filters it by action, person and days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.accounts.models import AuditEvent
from app.config import Settings
from app.db import Database
from tests.factories import PASSWORD, create_user, csrf_token, login, post


def one_event(session: Session, settings: Settings) -> int:
    admin = create_user(session, settings, roles=("learner", "admin"), display_name="Асель")
    event = accounts_service.record(session, actor=admin, action="role.grant", detail="trainer")
    session.commit()
    return event.id


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET detail = 'nothing happened' WHERE id = :id",
        "UPDATE audit_event SET actor_ref = NULL WHERE id = :id",
        "DELETE FROM audit_event WHERE id = :id",
        "DELETE FROM audit_event",
    ],
)
def test_a_row_cannot_be_changed_or_deleted(
    statement: str, database: Database, session: Session, settings: Settings
) -> None:
    event_id = one_event(session, settings)
    with pytest.raises(DBAPIError, match="append-only"):
        with database.engine.begin() as conn:
            conn.execute(sa.text(statement), {"id": event_id})
    session.expire_all()
    row = session.get(AuditEvent, event_id)
    assert row is not None and row.detail == "trainer" and row.actor_ref


def test_the_orm_cannot_change_a_row_either(session: Session, settings: Settings) -> None:
    event_id = one_event(session, settings)
    row = session.get(AuditEvent, event_id)
    assert row is not None
    row.detail = "rewritten"
    with pytest.raises(DBAPIError, match="append-only"):
        session.commit()
    session.rollback()


def test_truncate_is_refused_on_postgresql(database: Database, session: Session, settings: Settings) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    one_event(session, settings)
    with pytest.raises(DBAPIError, match="append-only"):
        with database.engine.begin() as conn:
            conn.execute(sa.text("TRUNCATE audit_event"))


def test_the_page_looks_names_up_filters_and_survives_a_deleted_account(
    new_client: Callable[[], TestClient], session: Session, settings: Settings
) -> None:
    admin = create_user(session, settings, roles=("learner", "admin"), display_name="Асель")
    trainer = create_user(session, settings, roles=("learner", "trainer"), display_name="Гүлнара")
    session.commit()
    desk = new_client()
    login(desk, admin.email)
    page = f"/admin/users/{trainer.id}"
    post(desk, f"{page}/end-sessions", token_from=page)
    accounts_service.record(session, actor=None, action="user.create", target=trainer)
    session.commit()

    def table(**params: str) -> str:
        return desk.get("/admin/audit", params=params).text.partition("<tbody>")[2]

    everything = table()
    assert "Гүлнара" in everything and "sessions.end_all" in everything and "staff.sign_in" in everything
    only = table(action="sessions")
    assert "sessions.end_all" in only and "user.create" not in only and "staff.sign_in" not in only
    hers = table(person=trainer.email)
    assert "sessions.end_all" in hers and "user.create" in hers and "staff.sign_in" not in hers
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    assert "sessions.end_all" not in table(since=tomorrow)
    assert desk.get("/admin/audit", params={"since": "not a day"}).status_code == 200

    # Her account deleted: no row of the log changes (it could not), and they name "a deleted account".
    trainer_client = new_client()
    login(trainer_client, trainer.email)
    before = session.scalars(sa.select(AuditEvent.target_ref).order_by(AuditEvent.id)).all()
    token = csrf_token(trainer_client, "/account/delete")
    gone = trainer_client.post("/account/delete", data={"password": PASSWORD, "csrf_token": token})
    assert gone.status_code == 303
    session.expire_all()
    after = session.scalars(sa.select(AuditEvent.target_ref).order_by(AuditEvent.id)).all()
    assert after[: len(before)] == before
    page = table(action="sessions")
    assert "Гүлнара" not in page and "удалённый аккаунт" in page


def test_a_person_filter_with_an_unknown_email_shows_nothing(
    new_client: Callable[[], TestClient], session: Session, settings: Settings
) -> None:
    admin = create_user(session, settings, roles=("learner", "admin"))
    accounts_service.record(session, actor=None, action="user.create", target=None, detail="from the shell")
    session.commit()
    desk = new_client()
    login(desk, admin.email)
    page = desk.get("/admin/audit", params={"person": "nobody@example.kg"}).text.partition("<tbody>")[2]
    assert "user.create" not in page
