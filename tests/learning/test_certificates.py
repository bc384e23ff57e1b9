"""Certificates: issued on completion with a chosen name, a PDF with Kyrgyz letters, a public check,
revocation by an admin, and nobody else's certificate within reach."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import sqlalchemy as sa
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from app.accounts.models import AuditEvent
from app.config import Settings
from app.learning.models import Certificate
from tests.factories import create_user, login, post
from tests.learning.conftest import Enrolled
from tests.learning.test_progress import LESSON, QUIZ, RIGHT

NAME = "Гүлүмкан Өмүрбекова-Жээнбекова"  # ү, ө and the rest of Kyrgyz Cyrillic
CERTIFICATE = "/my/certificates/example-course"


def complete(enrolled: Enrolled) -> None:
    client = enrolled.client
    post(client, f"{LESSON}/complete", {"event_id": "c1"}, token_from=LESSON)
    post(client, f"{QUIZ}/quiz", {"event_id": "c2", **RIGHT}, token_from=QUIZ)  # type: ignore[dict-item]
    post(
        client,
        "/courses/example-course/your-turn/note",
        {"event_id": "c3", "note": "мой-тайный-ответ"},
        token_from=LESSON,
    )
    post(client, "/courses/example-course/the-meeting/complete", {"event_id": "c4"}, token_from=LESSON)


def issue(enrolled: Enrolled, name: str = NAME) -> str:
    response = post(enrolled.client, CERTIFICATE, {"name": name}, token_from=CERTIFICATE)
    assert response.status_code == 303, response.text[:300]
    match = re.search(r"<code>([A-Z0-9]{20})</code>", enrolled.client.get(CERTIFICATE).text)
    assert match
    return match.group(1)


def test_not_before_completion(enrolled: Enrolled, session: Session) -> None:
    assert enrolled.client.get(CERTIFICATE).status_code == 409
    assert post(enrolled.client, CERTIFICATE, {"name": NAME}, token_from=LESSON).status_code == 409
    assert session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0


def test_the_pdf_carries_kyrgyz_letters(enrolled: Enrolled, session: Session) -> None:
    complete(enrolled)
    code = issue(enrolled)
    response = enrolled.client.get(f"/certificates/{code}.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert NAME in text
    assert "Пример курса" in text  # the course title in her language
    assert "ң" in "Өзүңүздү" and "ү" in text and "Ө" in text
    assert code[:5] in text


def test_the_name_must_be_sensible(enrolled: Enrolled, session: Session) -> None:
    complete(enrolled)
    response = post(enrolled.client, CERTIFICATE, {"name": "x"}, token_from=CERTIFICATE)
    assert response.status_code == 422 and 'id="error-name"' in response.text


def test_public_check_shows_only_what_the_certificate_states(
    enrolled: Enrolled, session: Session, new_client: Callable[[], TestClient]
) -> None:
    complete(enrolled)
    code = issue(enrolled)
    stranger = new_client()
    page = stranger.get(f"/verify/{code}")
    assert page.status_code == 200 and NAME in page.text and "Пример курса" in page.text
    assert (
        enrolled.user.email not in page.text and "Бермет" not in page.text
    )  # not her account, nor her pseudonym
    assert stranger.get(f"/verify?code={code.lower()}").headers["location"] == f"/verify/{code}"
    assert stranger.get("/verify/AAAAABBBBBCCCCCDDDDD").status_code == 404


def test_nobody_else_gets_the_pdf(
    enrolled: Enrolled, session: Session, settings: Settings, new_client: Callable[[], TestClient]
) -> None:
    complete(enrolled)
    code = issue(enrolled)
    other = create_user(session, settings)
    intruder = new_client()
    login(intruder, other.email)
    assert intruder.get(f"/certificates/{code}.pdf").status_code == 404
    assert intruder.get(CERTIFICATE).status_code == 409  # her own, which does not exist


def test_an_admin_revokes_and_the_check_says_so(
    enrolled: Enrolled, session: Session, settings: Settings, new_client: Callable[[], TestClient]
) -> None:
    complete(enrolled)
    code = issue(enrolled)
    admin = create_user(session, settings, roles=("admin",), display_name="Админ")
    staff = new_client()
    login(staff, admin.email)
    assert NAME in staff.get(f"/admin/certificates?code={code}").text
    response = post(
        staff,
        f"/admin/certificates/{code}/revoke",
        {"reason": "issued by mistake"},
        token_from="/admin/certificates",
    )
    assert response.status_code == 303
    page = new_client().get(f"/verify/{code}")
    assert page.status_code == 200 and ("revoked" in page.text or "отозван" in page.text)
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action != "staff.sign_in")).one()
    assert (event.action, event.detail, event.actor_ref) == ("certificate.revoke", code, admin.public_id)
    assert "Админ" in staff.get("/admin/audit").text  # her name, looked up


def test_a_learner_cannot_revoke(enrolled: Enrolled, session: Session) -> None:
    complete(enrolled)
    code = issue(enrolled)
    response = post(
        enrolled.client, f"/admin/certificates/{code}/revoke", {"reason": "x"}, token_from=CERTIFICATE
    )
    assert response.status_code == 403
    assert session.scalars(sa.select(Certificate.revoked_at)).one() is None
