from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.authoring import service as authoring
from app.config import Settings
from app.courses.models import Course, Lesson
from tests.factories import create_user, csrf_token, lesson_of, login, sync_course

VERSION = re.compile(r'name="version" value="(\d+)"')


@dataclass
class Editor:
    user: User
    course: Course
    client: TestClient

    def version(self, lesson: Lesson, tab: str = "en") -> str:
        match = VERSION.search(self.client.get(f"/author/lessons/{lesson.id}?tab={tab}").text)
        assert match
        return match.group(1)

    def save(self, lesson: Lesson, tab: str = "en", version: str | None = None, **fields: str) -> object:
        data = {"csrf_token": csrf_token(self.client, "/author/"), "tab": tab, "action": "save",
                "version": version if version is not None else self.version(lesson, tab), **fields}  # fmt: skip
        return self.client.post(f"/author/lessons/{lesson.id}/texts", data=data)

    def publish(self, lesson: Lesson, note: str = "") -> object:
        data = {
            "csrf_token": csrf_token(self.client, "/author/"),
            "version": self.version(lesson),
            "note": note,
        }
        return self.client.post(f"/author/lessons/{lesson.id}/publish", data=data)


@pytest.fixture
def editor(client: TestClient, session: Session, settings: Settings) -> Editor:
    """A trainer who is an author of the (synced) example course, signed in."""
    course = sync_course(session, settings)
    user = create_user(session, settings, roles=("trainer",), display_name="Нургуль")
    authoring.add_staff(session, course, user)
    login(client, user.email)
    return Editor(user, course, client)


def reading(session: Session, editor: Editor) -> Lesson:
    return lesson_of(session, editor.course, "first-steps")
