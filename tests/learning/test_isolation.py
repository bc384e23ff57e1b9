"""One learner can never read or change another's progress, notes or certificates, whatever ids she tries."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.learning.models import LessonProgress, ProgressEvent, ReflectionNote
from tests.factories import create_user, enrol, login, post, sync_course
from tests.learning.conftest import Enrolled
from tests.learning.test_api import token_for
from tests.learning.test_certificates import complete, issue

REFLECTION = "/courses/example-course/your-turn"


def test_another_learner_sees_none_of_it(
    enrolled: Enrolled, session: Session, settings: Settings, new_client: Callable[[], TestClient]
) -> None:
    complete(enrolled)  # Бермет completes the course, writes a private note, and gets a certificate
    code = issue(enrolled)
    other = create_user(session, settings, display_name="Асель")
    enrol(session, other, enrolled.course)
    intruder = new_client()
    login(intruder, other.email)

    assert "мой-тайный-ответ" not in intruder.get(REFLECTION).text  # not her note
    assert code not in intruder.get("/my").text
    assert intruder.get(f"/certificates/{code}.pdf").status_code == 404
    page = intruder.get("/courses/example-course").text
    assert 'class="done"' not in page
    headers = token_for(intruder, other.email)
    progress = intruder.get("/api/v1/me/progress?course=example-course", headers=headers).json()
    assert progress["completed_lessons"] == 0


def test_her_event_ids_are_hers_alone(
    enrolled: Enrolled, session: Session, settings: Settings, new_client: Callable[[], TestClient]
) -> None:
    """Sending another learner's client event id neither collides with hers nor changes her progress."""
    post(
        enrolled.client,
        "/courses/example-course/first-steps/complete",
        {"event_id": "shared-id"},
        token_from=REFLECTION,
    )
    other = create_user(session, settings)
    enrol(session, other, enrolled.course)
    session.commit()
    intruder = new_client()
    headers = token_for(intruder, other.email)
    result = intruder.post(
        "/api/v1/progress",
        json={"events": [{"id": "shared-id", "lesson": "example-course/recap", "type": "completed"}]},
        headers=headers,
    ).json()
    assert result["results"][0]["status"] == "accepted"
    mine = session.scalars(sa.select(ProgressEvent).where(ProgressEvent.user_id == enrolled.user.id)).all()
    assert [(e.client_event_id, e.type) for e in mine if e.type == "completed"] == [
        ("shared-id", "completed")
    ]
    hers = session.scalars(sa.select(LessonProgress).where(LessonProgress.user_id == enrolled.user.id))
    assert {p.lesson_id for p in hers if p.status == "completed"} == {mine[0].lesson_id}


def test_notes_are_saved_per_learner(
    enrolled: Enrolled, session: Session, settings: Settings, new_client: Callable[[], TestClient]
) -> None:
    post(enrolled.client, f"{REFLECTION}/note", {"event_id": "n1", "note": "первый"}, token_from=REFLECTION)
    other = create_user(session, settings)
    enrol(session, other, enrolled.course)
    intruder = new_client()
    login(intruder, other.email)
    post(intruder, f"{REFLECTION}/note", {"event_id": "n1", "note": "второй"}, token_from=REFLECTION)
    notes = {n.user_id: n.text for n in session.scalars(sa.select(ReflectionNote))}
    assert notes == {enrolled.user.id: "первый", other.id: "второй"}


def test_a_course_she_is_not_enrolled_in_stays_closed(
    client: TestClient, session: Session, settings: Settings
) -> None:
    sync_course(session, settings)
    user = create_user(session, settings)
    login(client, user.email)
    for path in (REFLECTION, "/courses/example-course/check"):
        assert client.get(path).status_code == 303
    response = post(client, "/courses/example-course/first-steps/complete", {"event_id": "x"})
    assert response.status_code in (303, 403)
    assert session.scalar(sa.select(sa.func.count()).select_from(ProgressEvent)) == 0
