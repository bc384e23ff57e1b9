from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import PasswordReset
from app.config import Settings
from app.db import utcnow
from tests.factories import create_user, link_in, login, outbox, post

NEW = "apple orchard winter bridge"


def ask(client: TestClient, email: str) -> object:
    return post(client, "/password-reset", {"email": email}, token_from="/password-reset")


class TestResetRequest:
    def test_known_and_unknown_addresses_get_the_same_answer(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        user = create_user(session, settings, locale="ky")
        known, unknown = ask(client, user.email), ask(client, "nobody@example.kg")
        assert known.status_code == unknown.status_code == 303
        assert known.headers["location"] == unknown.headers["location"] == "/password-reset/sent"
        [mail] = outbox(settings)  # only the real account gets mail
        assert mail["To"] == user.email
        assert "Жаңы сырсөз" in mail["Subject"] or "сырсөз" in mail["Subject"].lower()  # in her language

    def test_empty_email_is_an_error_next_to_the_field(self, client: TestClient) -> None:
        response = post(client, "/password-reset", {"email": ""}, token_from="/password-reset")
        assert response.status_code == 422
        assert 'id="error-email"' in response.text


class TestResetLink:
    def test_sets_the_password_once_and_signs_out_everywhere(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        user = create_user(session, settings)
        login(client, user.email)
        ask(client, user.email)
        link = link_in(outbox(settings)[0], r"/password-reset/[A-Za-z0-9_-]{30,}")
        assert client.get(link).status_code == 200
        response = post(client, link, {"password": NEW, "password_confirm": NEW}, token_from=link)
        assert response.status_code == 303
        assert response.headers["location"] == "/login"
        assert client.get("/account").status_code == 303  # every session ended
        login(client, user.email, NEW)
        client.cookies.clear()
        assert client.get(link).status_code == 400  # used
        assert post(client, link, {"password": NEW, "password_confirm": NEW}).status_code == 400

    def test_expired_link(self, client: TestClient, session: Session, settings: Settings) -> None:
        user = create_user(session, settings)
        ask(client, user.email)
        link = link_in(outbox(settings)[0], r"/password-reset/[A-Za-z0-9_-]{30,}")
        session.execute(sa.update(PasswordReset).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
        assert client.get(link).status_code == 400

    def test_unknown_token(self, client: TestClient) -> None:
        assert client.get("/password-reset/" + "A" * 43).status_code == 400

    def test_weak_new_password(self, client: TestClient, session: Session, settings: Settings) -> None:
        user = create_user(session, settings)
        ask(client, user.email)
        link = link_in(outbox(settings)[0], r"/password-reset/[A-Za-z0-9_-]{30,}")
        response = post(
            client, link, {"password": "qwerty12345", "password_confirm": "qwerty12345"}, token_from=link
        )
        assert response.status_code == 422
        assert 'id="error-password"' in response.text
        assert client.get(link).status_code == 200  # still usable
