"""One way to record progress (issue 20): the lesson page (her first view), its forms (complete, quiz,
reflection) and POST /api/v1/progress all record through `progress.record_progress`, so an event is the
same event whichever way it comes, stored once by its id."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import Busy
from app.learning import progress
from app.learning.models import ProgressEvent
from tests.factories import lesson_of, post
from tests.learning.conftest import Enrolled
from tests.learning.test_api import token_for
from tests.learning.test_progress import LESSON, QUIZ, RIGHT

NOTE = "/courses/example-course/your-turn"


def stored(session: Session) -> list[tuple[str, str]]:
    session.commit()
    return [
        (e.client_event_id, e.type)
        for e in session.scalars(sa.select(ProgressEvent).order_by(ProgressEvent.id))
    ]


def send(enrolled: Enrolled, *events: dict[str, str]) -> list[dict[str, Any]]:
    headers = token_for(enrolled.client, enrolled.user.email)
    response = enrolled.client.post("/api/v1/progress", json={"events": list(events)}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["results"]  # type: ignore[no-any-return]


def test_a_view_recorded_by_the_page_then_sent_by_the_phone_is_one_row(
    enrolled: Enrolled, session: Session
) -> None:
    assert enrolled.client.get(LESSON).status_code == 200  # her first view, recorded by the page
    lesson = lesson_of(session, enrolled.course, "first-steps")
    [answer] = send(
        enrolled, {"id": f"view:{lesson.id}", "lesson": "example-course/first-steps", "type": "viewed"}
    )
    assert answer["status"] == "duplicate" and answer["reason"] is None
    assert stored(session) == [(f"view:{lesson.id}", "viewed")]


@pytest.mark.parametrize(
    "failure",
    [Busy(), sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))],
    ids=["no worker thread free", "the database failing"],
)
def test_a_lesson_is_shown_when_its_first_view_cannot_be_written(
    enrolled: Enrolled, session: Session, monkeypatch: pytest.MonkeyPatch, failure: Exception
) -> None:
    """The lesson is read before her first view is written: in an outage of the write she reads it all
    the same, and the view is recorded at her next visit; any other failure is a bug, and not hidden."""
    database: Database = enrolled.client.app.state.database  # type: ignore[attr-defined]
    run = database.run

    def failing_with(error: Exception) -> Callable[..., Awaitable[object]]:
        async def failing_writes(work: Callable[..., object], *args: object) -> object:
            if work == database.write_aside:
                raise error
            return await run(work, *args)

        return failing_writes

    monkeypatch.setattr(database, "run", failing_with(failure))
    page = enrolled.client.get(LESSON)
    assert page.status_code == 200 and "first-steps" in page.text
    assert stored(session) == []
    monkeypatch.setattr(database, "run", failing_with(ValueError("a bug")))
    assert enrolled.client.get(LESSON).status_code == 500  # logged as an unhandled error
    monkeypatch.setattr(database, "run", run)
    assert enrolled.client.get(LESSON).status_code == 200
    assert [kind for _id, kind in stored(session)] == ["viewed"]


def test_a_completion_sent_by_the_phone_then_by_the_page_is_one_row(
    enrolled: Enrolled, session: Session
) -> None:
    [answer] = send(enrolled, {"id": "done-1", "lesson": "example-course/first-steps", "type": "completed"})
    assert answer["status"] == "accepted"
    response = post(enrolled.client, f"{LESSON}/complete", {"event_id": "done-1"}, token_from=LESSON)
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert stored(session) == [("done-1", "completed")]


def test_the_page_refuses_what_the_api_rejects_and_says_the_same(
    enrolled: Enrolled, session: Session
) -> None:
    """A quiz is completed by passing it: the API answers "rejected" with the reason, the page 403."""
    [answer] = send(enrolled, {"id": "c1", "lesson": "example-course/check", "type": "completed"})
    page = post(enrolled.client, f"{QUIZ}/complete", {"event_id": "c2"}, token_from="/my")
    assert answer["status"] == "rejected" and page.status_code == 403  # type: ignore[attr-defined]
    assert answer["reason"] and answer["reason"] in html.unescape(page.text)  # type: ignore[attr-defined]
    assert stored(session) == []


def test_every_way_in_records_through_record_progress(
    enrolled: Enrolled, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    original = progress.record_progress

    def spy(
        db: Session, *, events: Sequence[progress.ProgressIn], **kwargs: Any
    ) -> list[progress.ProgressAnswer]:
        seen.extend(f"{event.type} {event.lesson}" for event in events)
        return original(db, events=events, **kwargs)

    monkeypatch.setattr(progress, "record_progress", spy)
    client = enrolled.client
    client.get(LESSON)  # the page: her first view
    post(client, f"{LESSON}/complete", {"event_id": "p1"}, token_from=LESSON)  # a form
    post(client, f"{QUIZ}/quiz", {"event_id": "p2", **RIGHT}, token_from=QUIZ)  # type: ignore[dict-item]
    post(client, f"{NOTE}/note", {"event_id": "p3", "note": "Мой ответ"}, token_from=NOTE)
    send(enrolled, {"id": "p4", "lesson": "example-course/recap", "type": "completed"})  # the phone
    assert seen == [
        "viewed example-course/first-steps",
        "completed example-course/first-steps",
        "viewed example-course/check",
        "quiz_submitted example-course/check",
        "viewed example-course/your-turn",
        "completed example-course/your-turn",
        "completed example-course/recap",
    ]
    assert len(stored(session)) == 7
