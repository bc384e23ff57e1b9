from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.accounts.models import PendingRegistration, User
from app.config import Settings
from app.db import Database, utcnow
from tests.factories import PASSWORD, create_user, csrf_token, link_in, mail_text, outbox, post

FORM = {
    "email": "Aigul@Example.KG",
    "display_name": "Айгуль из Нарына",
    "locale": "ky",
    "region": "KG-N",
    "password": "mountain walnut honey path",
    "password_confirm": "mountain walnut honey path",
}


def register(client: TestClient, **changes: str) -> object:
    return post(client, "/register", {**FORM, **changes}, token_from="/register")


class TestRegister:
    def test_form_says_the_name_may_be_a_pseudonym(self, client: TestClient) -> None:
        html = client.get("/register", headers={"Accept-Language": "en"}).text
        assert "pseudonym" in html
        for field in ("email", "display_name", "locale", "region", "password", "password_confirm"):
            assert f'name="{field}"' in html
        assert "Prefer not to say" in html and "Naryn region" in html and "Osh city" in html

    def test_link_then_confirm_creates_the_account_and_signs_in(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        response = register(client)
        assert response.status_code == 303
        assert response.headers["location"] == "/register/sent"
        assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 0  # nothing until the link

        [mail] = outbox(settings)
        assert mail["To"] == "aigul@example.kg"
        assert "Айгуль" in mail_text(mail)
        link = link_in(mail, r"/register/confirm/[A-Za-z0-9_-]+")

        page = client.get(link)  # opening the link (or a mail scanner doing so) changes nothing
        assert page.status_code == 200
        assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 0

        confirmed = post(client, link, token_from=link)
        assert confirmed.status_code == 303
        assert "academy_session=" in confirmed.headers["set-cookie"]
        user = session.scalars(sa.select(User)).one()
        assert (user.email, user.display_name, user.locale, user.region) == (
            "aigul@example.kg", "Айгуль из Нарына", "ky", "KG-N",
        )  # fmt: skip
        assert user.role_names == {"learner"}
        assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert client.get("/account").status_code == 200

    def test_the_link_works_once(self, client: TestClient, settings: Settings) -> None:
        register(client)
        link = link_in(outbox(settings)[0], r"/register/confirm/[A-Za-z0-9_-]+")
        assert post(client, link, token_from=link).status_code == 303
        client.cookies.clear()
        again = post(client, link, token_from="/")
        assert again.status_code == 400

    def test_an_expired_link_is_refused(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        register(client)
        link = link_in(outbox(settings)[0], r"/register/confirm/[A-Za-z0-9_-]+")
        session.execute(sa.update(PendingRegistration).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
        session.commit()
        response = post(
            client,
            link,
            token_from="/",
        )
        assert response.status_code == 400
        assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 0

    def test_a_known_email_gets_the_same_answer_and_a_notice(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        create_user(session, settings, email="aigul@example.kg")
        session.commit()
        response = register(client)
        assert response.status_code == 303
        assert response.headers["location"] == "/register/sent"
        [mail] = outbox(settings)
        assert "/register/confirm/" not in mail_text(mail)
        assert "/password-reset" in mail_text(mail)
        assert session.scalar(sa.select(sa.func.count()).select_from(PendingRegistration)) == 0

    def test_known_and_unknown_addresses_take_the_same_work(
        self, client: TestClient, session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """No enumeration by the clock (issue 23): the hash, most of the work, runs once on both paths,
        over 100 tries each; measured as work done, not as wall time, which a busy machine blurs."""
        from app.accounts import passwords

        create_user(session, settings, email="known@example.kg")
        session.commit()
        calls: list[str] = []
        real = passwords.hash_password
        monkeypatch.setattr(passwords, "hash_password", lambda s, p: calls.append(p) or real(s, p))
        monkeypatch.setattr(client.app.state.rate_limiter, "hit", lambda *_a, **_k: True)  # type: ignore[attr-defined]
        token = csrf_token(client, "/register")
        counts = {}
        for kind, email in (("known", "known@example.kg"), ("unknown", "new-{n}@example.kg")):
            before = len(calls)
            for n in range(100):
                answer = client.post(
                    "/register", data={**FORM, "email": email.format(n=n), "csrf_token": token}
                )
                assert answer.status_code == 303, answer.status_code
            counts[kind] = len(calls) - before
        assert counts == {"known": 100, "unknown": 100}

    def test_the_hash_is_made_before_the_transaction_begins(
        self, settings: Settings, database: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A cohort registering at once: on SQLite the request's transaction holds the writer lock of
        every process, and the hash (tens of milliseconds) is made before it begins."""
        from app.accounts import passwords

        in_transaction: list[bool] = []
        real = passwords.hash_password
        with database.session(write=True) as writing:

            def watched(settings: Settings, password: str) -> str:
                in_transaction.append(writing.in_transaction())
                return real(settings, password)

            monkeypatch.setattr(passwords, "hash_password", watched)
            started = accounts_service.start_registration(
                writing, settings=settings, email="burst@example.kg", display_name="Айгуль",
                password=FORM["password"], locale="ky", region="KG-N",
            )  # fmt: skip
            assert started.token is not None
            writing.rollback()
        assert in_transaction == [False]


class TestRegisterErrors:
    def test_errors_next_to_fields_in_the_users_language_with_values_kept(self, client: TestClient) -> None:
        client.cookies.set("academy_locale", "ru")
        response = register(
            client, email="not-an-email", display_name="Гүлзат", password="short", password_confirm="short"
        )
        assert response.status_code == 422
        html = response.text
        assert 'id="error-email"' in html and 'id="error-password"' in html
        assert "Пароль" in html and "не менее 10 символов" in html
        assert 'value="not-an-email"' in html and 'value="Гүлзат"' in html
        assert "short" not in html  # never the password
        assert 'aria-invalid="true"' in html

    def test_common_password(self, client: TestClient) -> None:
        response = register(client, password="password123", password_confirm="password123")
        assert response.status_code == 422
        assert 'id="error-password"' in response.text

    def test_passwords_differ(self, client: TestClient) -> None:
        response = register(client, password_confirm="mountain walnut honey road")
        assert response.status_code == 422
        assert 'id="error-password_confirm"' in response.text

    def test_unknown_region_and_language(self, client: TestClient) -> None:
        response = register(client, region="KG-XX", locale="de")
        assert response.status_code == 422
        assert 'id="error-region"' in response.text and 'id="error-locale"' in response.text

    def test_signed_in_people_are_sent_to_their_account(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        user = create_user(session, settings)
        session.commit()
        client.post(
            "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)}
        )
        assert client.get("/register").headers["location"] == "/account"
