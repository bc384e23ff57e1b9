"""The activist's whole journey over HTTP: register, join a cohort with a code, read, take a quiz,
complete the course, get the certificate, and have it verified by someone else."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from app.config import Settings
from tests.factories import create_cohort, link_in, outbox, post, sync_course
from tests.learning.test_progress import RIGHT


def test_the_whole_journey(
    client: TestClient, session: Session, settings: Settings, new_client: Callable[[], TestClient]
) -> None:
    course = sync_course(session, settings)
    course.open_enrolment = False
    create_cohort(session, course, name="Баткен, күз 2026", code="BATKEN26")

    form = {"email": "nuriza@example.kg", "display_name": "Нуриза", "locale": "ky", "region": "KG-B",
            "password": "apricot garden evening", "password_confirm": "apricot garden evening"}  # fmt: skip
    assert post(client, "/register", form, token_from="/register").status_code == 303
    link = link_in(outbox(settings)[-1], r"/register/confirm/[A-Za-z0-9_-]+")
    assert post(client, link, token_from=link).status_code == 303

    assert (
        post(client, "/join", {"code": "batken26"}, token_from="/join").headers["location"]
        == "/courses/example-course"
    )
    course_page = client.get("/courses/example-course").text
    assert "Баткен, күз 2026" in course_page and "Алгачкы кадамдар" in course_page  # in Kyrgyz

    lesson = client.get("/courses/example-course/first-steps").text
    assert "Russian" in lesson or "орусча" in lesson.lower() or "Кыргыз" in lesson  # the fallback note
    post(
        client,
        "/courses/example-course/first-steps/complete",
        {"event_id": "j1"},
        token_from="/courses/example-course/first-steps",
    )
    post(
        client,
        "/courses/example-course/check/quiz",
        {"event_id": "j2", **RIGHT},
        token_from="/courses/example-course/check",
    )  # type: ignore[dict-item]
    post(
        client,
        "/courses/example-course/your-turn/note",
        {"event_id": "j3", "note": "Жооп"},
        token_from="/courses/example-course/your-turn",
    )
    final = post(
        client,
        "/courses/example-course/the-meeting/complete",
        {"event_id": "j4"},
        token_from="/courses/example-course/the-meeting?step=heard",
    )
    next_step = client.get(final.headers["location"]).text  # type: ignore[attr-defined]
    assert 'href="/my/certificates/example-course"' in next_step  # the lesson page says what comes next

    assert "100%" in client.get("/my").text or 'value="100"' in client.get("/my").text
    post(
        client,
        "/my/certificates/example-course",
        {"name": "Нуриза Ташиева"},
        token_from="/my/certificates/example-course",
    )
    code = re.search(
        r"<code>([A-Z0-9]{20})</code>", client.get("/my/certificates/example-course").text
    ).group(1)  # type: ignore[union-attr]
    pdf = client.get(f"/certificates/{code}.pdf").content
    assert "Нуриза Ташиева" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()

    employer = new_client()
    check = employer.get(f"/verify/{code}")
    assert (
        check.status_code == 200 and "Нуриза Ташиева" in check.text and "nuriza@example.kg" not in check.text
    )
