"""An id past what a row can have is refused before any query: 422 with the error page, never a 500
(SQLite cannot bind a number past 64 bits, PostgreSQL's integer ends at 2**31 - 1)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.forms import MAX_ID
from tests.factories import create_user, login, post

HUGE = [str(MAX_ID + 1), "9" * 30, "-1", "0"]


@pytest.mark.parametrize("number", HUGE)
@pytest.mark.parametrize(
    "path", ["/cohorts/{}/matrix", "/admin/users/{}", "/forums/{}", "/author/lessons/{}"]
)
def test_a_path_id_no_row_can_have_is_refused(
    client: TestClient, session: Session, settings: Settings, path: str, number: str
) -> None:
    admin = create_user(session, settings, roles=("learner", "trainer", "coordinator", "admin"))
    session.commit()
    login(client, admin.email)
    response = client.get(path.format(number))
    assert response.status_code == 422, response.text[:300]
    assert "<html" in response.text


def test_a_valid_id_of_nothing_is_404(client: TestClient, session: Session, settings: Settings) -> None:
    user = create_user(session, settings)
    session.commit()
    login(client, user.email)
    assert client.get(f"/forums/{MAX_ID}").status_code == 404


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/cohorts/", {"name": "Ош, весна", "course_id": str(MAX_ID + 1), "starts_on": "2027-01-10"}),
        ("/forums/", {"title-ru": "Форум", "held_on": "2027-01-10", "cohorts": str(MAX_ID + 1)}),
    ],
)
def test_form_ids_past_the_range_are_refused_on_the_form(
    client: TestClient, session: Session, settings: Settings, path: str, fields: dict[str, str]
) -> None:
    coordinator = create_user(session, settings, roles=("learner", "coordinator"))
    session.commit()
    login(client, coordinator.email)
    response = post(client, path, fields)
    assert response.status_code == 422, response.text[:300]  # type: ignore[attr-defined]
    assert 'role="alert"' in response.text or "error-" in response.text  # type: ignore[attr-defined]
