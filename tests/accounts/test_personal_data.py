"""Every person can take her data with her and delete her account (app/accounts/personal_data.py)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts import personal_data
from app.accounts import service as accounts_service
from app.accounts.models import AuditEvent, User, UserSession
from app.config import Settings
from app.db import Base
from app.discussions.models import Post, Thread
from app.i18n import use_locale
from app.learning.models import Certificate, Enrolment, ReflectionNote
from app.refs import encode as ref
from app.web.templating import NO_PERSON_LABELS, _who
from tests.discussions.conftest import World, build_world, reply, start, text_of
from tests.factories import PASSWORD, create_user, csrf_token


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    world = build_world(session, settings)
    thread, _post = start(
        session, world.aigul, lesson=world.lesson, title="Где найти план?", body="Мой вопрос"
    )
    reply(session, world.bermet, thread, body="Ответ Бермет")
    session.add(ReflectionNote(user_id=world.aigul.id, lesson_id=world.reflection.id, text="Моя заметка"))
    session.add(
        Certificate(
            code="AIGUL0000001", user_id=world.aigul.id, course_id=world.course.id, name="Айгүл Т.",
            course_title="Курс", hours=2.0, locale="ru", issued_on=dt.date(2026, 11, 1),
        )
    )  # fmt: skip
    accounts_service.record(session, actor=world.admin, action="role.grant", target=world.aigul, detail="x")
    session.commit()
    return world


def delete(client: TestClient, password: str = PASSWORD) -> object:
    token = csrf_token(client, "/account/delete")
    return client.post("/account/delete", data={"password": password, "csrf_token": token})


# The schema says what deletion does -------------------------------------------------------------------


def test_every_column_that_points_at_a_person_says_what_her_deletion_does() -> None:
    columns = personal_data.person_columns()
    assert len(columns) > 20
    for table, found in columns.items():
        for column in found:
            [key] = [key for key in column.foreign_keys if key.column.table.name == "user_account"]
            assert key.ondelete in ("CASCADE", "SET NULL"), f"{table.name}.{column.name}"


def test_every_copied_name_is_overwritten_on_deletion() -> None:
    for table in Base.metadata.sorted_tables:
        people = personal_data.person_columns().get(table, [])
        labels = [column.name for column in table.columns if column.name.endswith("_label")]
        if people and labels:
            listed = {label for (name, _id), label in personal_data.LABELS.items() if name == table.name}
            assert set(labels) <= listed, table.name


# Download ------------------------------------------------------------------------------------------------


def test_she_downloads_her_records_and_nobody_elses(
    world: World, browser_of: Callable[[User], TestClient]
) -> None:
    response = browser_of(world.aigul).get("/account/data")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    assert response.headers["cache-control"] == "no-store"
    document = response.json()
    assert document["format"] == personal_data.FORMAT
    assert document["account"]["email"] == world.aigul.email
    records = document["records"]
    for name in (
        "enrolment",
        "thread",
        "post",
        "reflection_note",
        "certificate",
        "user_session",
        "audit_event",
    ):
        assert records.get(name), name
    assert [note["text"] for note in records["reflection_note"]] == ["Моя заметка"]
    assert "Ответ Бермет" not in response.text and world.bermet.email not in response.text
    assert "password_hash" not in response.text and "token_hash" not in response.text
    for name, rows in records.items():
        if name == "audit_event":  # named by her pseudonymous id
            assert all(world.aigul.public_id in (row["actor_ref"], row["target_ref"]) for row in rows)
            continue
        columns = [c.name for c in personal_data.person_columns()[Base.metadata.tables[name]]]
        for row in rows:  # she by her public id; nobody else by any id
            assert world.aigul.public_id in [row[column] for column in columns], name
            assert {row[column] for column in columns} <= {world.aigul.public_id, None}, name
    assert "id" not in document["account"]
    for row in records["post"] + records["thread"]:  # named as her pages name them
        assert isinstance(row["id"], str) and len(row["id"]) == 12, row
        assert isinstance(row["thread_id" if "thread_id" in row else "id"], str)


def test_the_download_needs_signing_in(client: TestClient) -> None:
    response = client.get("/account/data", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


# Deletion ------------------------------------------------------------------------------------------------


def test_a_wrong_password_deletes_nothing(
    world: World, browser_of: Callable[[User], TestClient], session: Session
) -> None:
    aigul = browser_of(world.aigul)
    response = delete(aigul, password="not my password")  # type: ignore[assignment]
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert 'id="error-summary"' in response.text  # type: ignore[attr-defined]
    session.expire_all()
    assert session.get(User, world.aigul.id) is not None
    assert aigul.get("/account").status_code == 200


def test_deleting_her_account_removes_her_and_keeps_her_posts_without_her_name(
    world: World, browser_of: Callable[[User], TestClient], session: Session
) -> None:
    aigul_id, name = world.aigul.id, world.aigul.display_name
    aigul = browser_of(world.aigul)
    assert 'action="/account/delete"' in aigul.get("/account/delete").text
    response = delete(aigul)
    assert response.status_code == 303 and response.headers["location"] == "/"  # type: ignore[attr-defined]
    assert aigul.get("/account", follow_redirects=False).status_code == 303  # signed out
    session.expire_all()
    assert session.get(User, aigul_id) is None
    for model in (Enrolment, ReflectionNote, Certificate, UserSession):
        assert not session.scalars(sa.select(model).where(model.user_id == aigul_id)).all(), model  # type: ignore[attr-defined]
    thread = session.scalars(sa.select(Thread).where(Thread.title == "Где найти план?")).one()
    assert thread.author_id is None
    posts = session.scalars(sa.select(Post).where(Post.thread_id == thread.id).order_by(Post.id)).all()
    assert [post.author_id for post in posts] == [None, world.bermet.id]
    # The audit log holds no copy of her name; its rows stay as they were and name "a deleted account".
    columns = [c.name for c in AuditEvent.__table__.columns]
    assert not [c for c in columns if "label" in c or c.endswith("_id")], columns
    deleted = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "account.delete")).one()
    assert (
        deleted.actor_ref
        and session.scalar(sa.select(User).where(User.public_id == deleted.actor_ref)) is None
    )
    page = text_of(browser_of(world.bermet).get(f"/threads/{ref(thread.id)}").text)
    assert "Мой вопрос" in page and name not in page
    audit = text_of(browser_of(world.admin).get("/admin/audit").text)  # the admin reads Russian
    assert "удалённый аккаунт" in audit and personal_data.DELETED not in audit and name not in audit


def test_labels_with_no_person_behind_them_are_shown_translated() -> None:
    assert {personal_data.DELETED, accounts_service.COMMAND_LINE, "files"} <= set(NO_PERSON_LABELS)
    with use_locale("ru"):
        assert _who(personal_data.DELETED) == "удалённый аккаунт"
        assert _who("files", person_id=7) == "files"  # a person who chose that name keeps it
        assert _who(None) == ""


def test_the_only_administrator_cannot_leave(
    world: World, browser_of: Callable[[User], TestClient], session: Session, settings: Settings
) -> None:
    admin = browser_of(world.admin)
    assert delete(admin).status_code == 409  # type: ignore[attr-defined]
    session.expire_all()
    assert session.get(User, world.admin.id) is not None
    create_user(session, settings, roles=("admin",), email="second-admin@example.kg")
    session.commit()
    assert delete(admin).status_code == 303  # type: ignore[attr-defined]


def test_the_account_page_offers_both(world: World, browser_of: Callable[[User], TestClient]) -> None:
    page = browser_of(world.aigul).get("/account").text
    assert 'href="/account/data"' in page and 'href="/account/delete"' in page
    data = json.loads(browser_of(world.bermet).get("/account/data").text)
    assert data["account"]["email"] == world.bermet.email
