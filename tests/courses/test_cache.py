"""Outlines and lesson texts are cached in each process, and a change of content from anywhere shows at
the next request."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.courses import cache
from app.courses import service as courses_service
from app.courses.models import LessonTranslation
from app.db import Database
from tests.factories import create_user, enrol, lesson_of, login, sync_course


def count_queries(database: Database, call: Any) -> int:
    seen: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("SELECT"):
            seen.append(statement)

    with database.listening("before_cursor_execute", listen):
        call()
    return len(seen)


def test_an_outline_is_built_once_per_content_version(
    session: Session, settings: Settings, database: Database
) -> None:
    sync_course(session, settings)
    session.commit()
    cache.clear()
    with database.session() as first:
        built = count_queries(
            database, lambda: courses_service.outline(first, slug="example-course", locale="ru")
        )
    with database.session() as second:
        reused = count_queries(
            database, lambda: courses_service.outline(second, slug="example-course", locale="ru")
        )
    assert built > 4 and reused == 1  # only the version is read


def test_a_change_from_another_session_is_seen_at_once(
    client: TestClient, session: Session, settings: Settings, database: Database
) -> None:
    course = sync_course(session, settings)
    user = create_user(session, settings, locale="en")
    enrol(session, user, course)
    session.commit()
    login(client, user.email)
    assert "First steps" in client.get("/courses/example-course/first-steps").text
    with database.session(write=True) as writer:  # as a sync or a trainer in another process would
        row = writer.get(LessonTranslation, (lesson_of(writer, course, "first-steps").id, "en"))
        assert row is not None
        row.title, row.body_html = "Renamed steps", "<p>A new body.</p>"
        writer.commit()
    page = client.get("/courses/example-course/first-steps").text
    assert "Renamed steps" in page and "A new body." in page
