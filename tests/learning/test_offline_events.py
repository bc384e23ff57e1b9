"""What a phone sends when she is back online (issue 22): quiz answers graded by the server (the phone
never holds the answer key), a reflection that completes its lesson and keeps her note, and the same
API taking a signed-in page's session with its CSRF token, each event counted once."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.learning.models import LessonProgress, ProgressEvent, ReflectionNote
from tests.factories import lesson_of
from tests.learning.conftest import Enrolled
from tests.learning.test_api import token_for
from tests.learning.test_progress import QUIZ
from tests.learning.test_recording import send, stored

RIGHT = {"format": ["markdown"], "kinds": ["quiz", "scenario"], "yaml-no": ["true"]}
WRONG = {"format": ["word"], "kinds": ["video"], "yaml-no": ["false"]}


def quiz_event(event_id: str, answers: dict[str, list[str]], attempt: int = 0) -> dict[str, Any]:
    return {
        "id": event_id,
        "lesson": "example-course/check",
        "type": "quiz_submitted",
        "at": "2026-12-01T08:30:00Z",
        "answers": answers,
        "attempt": attempt,
    }


def test_quiz_answers_sent_later_are_graded_once(enrolled: Enrolled, session: Session) -> None:
    [wrong] = send(enrolled, quiz_event("q-1", WRONG))
    [right, again] = send(enrolled, quiz_event("q-2", RIGHT), quiz_event("q-2", RIGHT))
    assert (wrong["status"], wrong["score"], wrong["passed"]) == ("accepted", 0, False)
    assert (right["status"], right["score"], right["passed"]) == ("accepted", 100, True)
    assert again["status"] == "duplicate" and "correct" not in str(again)
    lesson = lesson_of(session, enrolled.course, "check")
    row = session.get(LessonProgress, (enrolled.user.id, lesson.id))
    assert row is not None and (row.status, row.attempts, row.best_score) == ("completed", 2, 100)
    event = session.scalars(sa.select(ProgressEvent).where(ProgressEvent.client_event_id == "q-2")).one()
    assert event.occurred_at.replace(tzinfo=None).isoformat() == "2026-12-01T08:30:00"  # when she did it
    assert set(event.data) == {"answers", "score", "passed", "order"} and event.data["order"]


def test_the_quiz_page_shows_a_result_sent_from_the_phone(enrolled: Enrolled) -> None:
    send(enrolled, quiz_event("q-1", RIGHT))
    page = enrolled.client.get(QUIZ).text
    assert 'id="quiz-result"' in page and "100" in page


def test_an_unanswered_question_or_a_wrong_lesson_is_rejected_with_a_reason(
    enrolled: Enrolled, session: Session
) -> None:
    partial = {"format": ["markdown"]}
    [unanswered] = send(enrolled, quiz_event("q-1", partial))
    reading = {**quiz_event("q-2", RIGHT), "lesson": "example-course/first-steps"}
    [not_a_quiz] = send(enrolled, reading)
    note = {"id": "n-1", "lesson": "example-course/check", "type": "reflection_saved", "note": "x"}
    [not_a_reflection] = send(enrolled, note)
    for answer in (unanswered, not_a_quiz, not_a_reflection):
        assert answer["status"] == "rejected" and answer["reason"], answer
    assert "2" in unanswered["reason"]  # question 2 has no answer yet
    assert stored(session) == []


def test_a_reflection_sent_later_completes_the_lesson_and_keeps_the_note_once(
    enrolled: Enrolled, session: Session
) -> None:
    event = {
        "id": "n-1",
        "lesson": "example-course/your-turn",
        "type": "reflection_saved",
        "note": "Написано в автобусе",
    }
    [first] = send(enrolled, event)
    later = {**event, "id": "n-2", "note": "Исправлено дома"}
    send(enrolled, later)
    [replayed] = send(enrolled, event)  # the first one again: it must not bring the old text back
    assert (first["status"], replayed["status"]) == ("accepted", "duplicate")
    session.commit()
    assert session.scalars(sa.select(ReflectionNote.text)).all() == ["Исправлено дома"]
    assert stored(session) == [("n-1", "completed"), ("n-2", "completed")]


def test_a_body_that_does_not_fit_its_type_is_422(enrolled: Enrolled) -> None:
    headers = token_for(enrolled.client, enrolled.user.email)
    bad = [
        {"id": "a", "lesson": "example-course/check", "type": "quiz_submitted"},  # no answers
        {"id": "a", "lesson": "example-course/first-steps", "type": "completed", "answers": {}},
        {"id": "a", "lesson": "example-course/your-turn", "type": "reflection_saved", "note": ""},
        {"id": "a", "lesson": "example-course/your-turn", "type": "reflection_saved", "note": "x" * 5001},
        {**quiz_event("a", {f"q{i}": ["x"] for i in range(101)})},
        {**quiz_event("a", RIGHT), "attempt": -1},
    ]
    for event in bad:
        answer = enrolled.client.post("/api/v1/progress", json={"events": [event]}, headers=headers)
        assert answer.status_code == 422, event


def test_a_signed_in_page_sends_with_its_session_and_csrf_token(enrolled: Enrolled, session: Session) -> None:
    """What the page's offline script does: no bearer token, the session cookie and X-CSRF-Token."""
    client = enrolled.client
    body = {"events": [{"id": "done-1", "lesson": "example-course/first-steps", "type": "completed"}]}
    assert client.post("/api/v1/progress", json=body).status_code == 403  # no CSRF token: refused
    match = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/my").text)
    assert match
    for _ in range(2):  # sent twice (the online event and Background Sync, say): counted once
        answer = client.post("/api/v1/progress", json=body, headers={"X-CSRF-Token": match.group(1)})
        assert answer.status_code == 200
    assert answer.json()["results"][0]["status"] == "duplicate"
    assert stored(session) == [("done-1", "completed")]
