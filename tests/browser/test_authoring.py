"""The editor in a real browser: the live preview, and the editor's pages' accessibility."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.authoring import service as authoring
from app.config import Settings
from tests.browser.conftest import axe_violations
from tests.browser.test_learning import sign_in
from tests.factories import create_user, lesson_of, sync_course


@pytest.fixture
def trainer(session: Session, settings: Settings) -> tuple[Any, int]:
    course = sync_course(session, settings)
    user = create_user(session, settings, roles=("trainer",), locale="en")
    authoring.add_staff(session, course, user)
    lesson = lesson_of(session, course, "first-steps")
    session.commit()
    return user, lesson.id


def test_live_preview_with_htmx(page: Any, live_server: str, trainer: tuple[Any, int]) -> None:
    user, lesson_id = trainer
    sign_in(page, live_server, user.email)
    page.goto(f"{live_server}/author/lessons/{lesson_id}?tab=en")
    page.fill("#field-body", "## A heading\n\nSome **bold** words.")
    page.click("button[value=preview]")
    page.locator("#preview strong").wait_for()
    assert page.locator("#preview h2", has_text="A heading").is_visible()
    assert page.url.endswith("tab=en")  # swapped in place, no navigation


@pytest.mark.parametrize(
    "path",
    [
        "/author/",
        "/author/courses/example-course",
        "LESSON?tab=en",
        "LESSON?tab=ru",
        "LESSON?tab=settings",
        "LESSON?tab=history",
    ],
)
def test_editor_pages_are_accessible(
    page: Any, live_server: str, trainer: tuple[Any, int], path: str
) -> None:
    user, lesson_id = trainer
    sign_in(page, live_server, user.email)
    page.goto(live_server + path.replace("LESSON", f"/author/lessons/{lesson_id}"))
    assert axe_violations(page) == []
