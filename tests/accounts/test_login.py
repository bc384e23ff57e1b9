from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts import passwords, ratelimit
from app.accounts import service as accounts_service
from app.accounts.models import User, UserSession
from app.config import Settings
from app.db import Database, utcnow
from app.main import create_app
from tests.factories import PASSWORD, create_user, csrf_token, login, post


def attempt(client: TestClient, email: str, password: str, **extra: str) -> object:
    data = {"email": email, "password": password, "csrf_token": csrf_token(client, "/login"), **extra}
    return client.post("/login", data=data)


class TestLogin:
    def test_sets_a_safe_session_cookie(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        user = create_user(session, settings)
        response = attempt(client, user.email.upper(), PASSWORD)
        assert response.status_code == 303
        cookie = response.headers["set-cookie"]
        assert "academy_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # http in tests
        assert client.get("/account").status_code == 200

    def test_secure_cookie_behind_https(
        self, settings: Settings, database: Database, session: Session
    ) -> None:
        user = create_user(session, settings)
        session.commit()
        https = settings.model_copy(update={"base_url": "https://academy.example.kg"})
        with TestClient(
            create_app(https, database), base_url="https://testserver", follow_redirects=False
        ) as client:
            response = attempt(client, user.email, PASSWORD)
        assert "Secure" in response.headers["set-cookie"]

    def test_a_new_token_at_every_login(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        user = create_user(session, settings)
        planted = "x" * 43  # a token an attacker fixed in the browser is never adopted
        tokens = []
        for _ in range(2):
            data = {"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client, "/login")}
            cookies = f"academy_session={planted}; academy_anon={client.cookies['academy_anon']}"
            response = client.post("/login", data=data, headers={"Cookie": cookies})
            cookie = response.headers.get_list("set-cookie")
            [session_cookie] = [
                c for c in cookie if c.startswith("academy_session=") and "Max-Age=0" not in c
            ]
            tokens.append(session_cookie.split(";")[0].split("=", 1)[1])
            client.cookies.clear()
        assert planted not in tokens and tokens[0] != tokens[1]

    def test_wrong_password_and_unknown_email_look_the_same(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        user = create_user(session, settings)
        wrong = attempt(client, user.email, "not the password at all")
        unknown = attempt(client, "nobody@example.kg", "not the password at all")
        assert wrong.status_code == unknown.status_code == 422
        strip = lambda html: html.replace(user.email, "").replace("nobody@example.kg", "")  # noqa: E731
        assert (
            strip(wrong.text).split('name="csrf_token"')[0]
            == strip(unknown.text).split('name="csrf_token"')[0]
        )

    def test_goes_back_where_it_was_asked_for(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        user = create_user(session, settings)
        assert client.get("/account").headers["location"] == "/login?next=/account"
        response = attempt(client, user.email, PASSWORD, next="/account")
        assert response.headers["location"] == "/account"

    def test_never_redirects_to_another_site(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        user = create_user(session, settings)
        response = attempt(client, user.email, PASSWORD, next="//evil.example/")
        assert response.headers["location"] == "/"

    def test_inactive_accounts_cannot_sign_in(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        user = create_user(session, settings)
        user.is_active = False
        assert attempt(client, user.email, PASSWORD).status_code == 422

    def test_hash_upgrades_itself_when_the_cost_changes(
        self, session: Session, settings: Settings, database: Database
    ) -> None:
        user = create_user(session, settings)
        session.commit()
        stronger = settings.model_copy(update={"argon2_time_cost": 3})
        with TestClient(create_app(stronger, database), follow_redirects=False) as client:
            assert attempt(client, user.email, PASSWORD).status_code == 303
        session.expire_all()
        assert ",t=3," in session.get(User, user.id).password_hash  # type: ignore[union-attr]


class TestLogout:
    def test_logout_ends_the_session(self, client: TestClient, session: Session, settings: Settings) -> None:
        user = create_user(session, settings)
        login(client, user.email)
        assert client.get("/logout").status_code == 200  # a confirmation page, not an action
        response = post(client, "/logout", token_from="/logout")
        assert response.status_code == 303
        assert session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0
        assert client.get("/account").status_code == 303


class TestSessions:
    def test_idle_sessions_expire(self, client: TestClient, session: Session, settings: Settings) -> None:
        user = create_user(session, settings)
        login(client, user.email)
        idle = utcnow() - dt.timedelta(seconds=settings.session_idle_timeout + 1)
        session.execute(sa.update(UserSession).values(last_used_at=idle))
        response = client.get("/account")
        assert response.status_code == 303
        assert "academy_session=;" in response.headers["set-cookie"]  # the dead cookie is cleared

    def test_sessions_expire_absolutely(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        user = create_user(session, settings)
        login(client, user.email)
        session.execute(sa.update(UserSession).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
        assert client.get("/account").status_code == 303

    def test_use_keeps_an_idle_session_alive(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        user = create_user(session, settings)
        login(client, user.email)
        almost = utcnow() - dt.timedelta(seconds=settings.session_idle_timeout - 60)
        session.execute(sa.update(UserSession).values(last_used_at=almost))
        assert client.get("/account").status_code == 200
        last_used = session.scalars(sa.select(UserSession.last_used_at)).one()
        assert last_used > utcnow() - dt.timedelta(minutes=1)

    def test_sign_out_everywhere(
        self, app: object, client: TestClient, session: Session, settings: Settings
    ) -> None:
        user = create_user(session, settings)
        login(client, user.email)
        with TestClient(app, follow_redirects=False) as phone:  # type: ignore[arg-type]
            login(phone, user.email)
            assert phone.get("/account").status_code == 200
            response = post(client, "/account/sign-out-everywhere", token_from="/account")
            assert response.status_code == 303
            assert phone.get("/account").status_code == 303
        assert client.get("/account").status_code == 303
        assert session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0

    def test_password_change_signs_out_other_devices(
        self, app: object, client: TestClient, session: Session, settings: Settings
    ) -> None:
        user = create_user(session, settings)
        login(client, user.email)
        with TestClient(app, follow_redirects=False) as phone:  # type: ignore[arg-type]
            login(phone, user.email)
            response = post(
                client,
                "/account/password",
                {
                    "current_password": PASSWORD,
                    "password": "blue yurt silver river",
                    "password_confirm": "blue yurt silver river",
                },
                token_from="/account",
            )
            assert response.status_code == 303
            assert phone.get("/account").status_code == 303
        assert client.get("/account").status_code == 200
        client.cookies.clear()
        login(client, user.email, "blue yurt silver river")

    def test_password_change_needs_the_current_password(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        user = create_user(session, settings)
        login(client, user.email)
        response = post(
            client,
            "/account/password",
            {
                "current_password": "wrong one here",
                "password": "blue yurt silver river",
                "password_confirm": "blue yurt silver river",
            },
            token_from="/account",
        )
        assert response.status_code == 422
        assert 'id="error-current_password"' in response.text


class TestRateLimits:
    def test_per_account(self, client: TestClient, session: Session, settings: Settings) -> None:
        user = create_user(session, settings)
        for _ in range(ratelimit.LOGIN_PER_ACCOUNT.hits):
            assert attempt(client, user.email, "wrong password here").status_code == 422
        blocked = attempt(
            client,
            user.email,
            PASSWORD,
        )
        assert blocked.status_code == 429
        client.cookies.set("academy_locale", "ru")
        assert "Слишком много попыток" in attempt(client, user.email, PASSWORD).text

    def test_per_address(self, client: TestClient) -> None:
        for number in range(ratelimit.LOGIN_PER_ADDRESS.hits):
            assert attempt(client, f"someone{number}@example.kg", "wrong password here").status_code == 422
        assert attempt(client, "someone-else@example.kg", "wrong password here").status_code == 429

    def test_reset_is_limited(self, client: TestClient) -> None:
        for _ in range(ratelimit.RESET_PER_ACCOUNT.hits):
            assert post(client, "/password-reset", {"email": "a@example.kg"}).status_code == 303
        assert post(client, "/password-reset", {"email": "a@example.kg"}).status_code == 429

    def test_registration_is_limited(self, client: TestClient) -> None:
        form = {"display_name": "Нурия", "locale": "ru", "password": "apricot river lamp stone",
                "password_confirm": "apricot river lamp stone"}  # fmt: skip
        for number in range(ratelimit.REGISTER_PER_ADDRESS.hits):
            assert post(client, "/register", {**form, "email": f"n{number}@example.kg"}).status_code == 303
        refused = post(client, "/register", {**form, "email": "n99@example.kg"})
        assert refused.status_code == 429  # type: ignore[attr-defined]
        assert 'value="n99@example.kg"' in refused.text  # type: ignore[attr-defined]  # on her page, her input kept


class TestThePasswordCheck:
    """Her password is checked before the sign-in's transaction begins: on SQLite that transaction holds
    the writer lock of every process, and a check takes tens of milliseconds."""

    def test_it_runs_before_the_transaction_begins(
        self, session: Session, settings: Settings, database: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        user = create_user(session, settings)
        session.commit()
        in_transaction: list[bool] = []
        original = passwords.verify_password
        with database.session(write=True) as writing:

            def watched(*args: Any, **kwargs: Any) -> tuple[bool, str | None]:
                in_transaction.append(writing.in_transaction())
                return original(*args, **kwargs)

            monkeypatch.setattr(passwords, "verify_password", watched)
            found = accounts_service.authenticate(
                writing, settings=settings, email=user.email.upper(), password=PASSWORD
            )
            assert found is not None and found.id == user.id
            writing.rollback()
        assert in_transaction == [False]

    def test_a_password_changed_during_the_check_does_not_sign_her_in(
        self, session: Session, settings: Settings, database: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        user = create_user(session, settings)
        session.commit()
        original = passwords.verify_password

        def changed_meanwhile(*args: Any, **kwargs: Any) -> tuple[bool, str | None]:
            answer = original(*args, **kwargs)
            with database.session(write=True) as elsewhere:  # she resets it on her phone meanwhile
                elsewhere.execute(
                    sa.update(User)
                    .where(User.id == user.id)
                    .values(password_hash=passwords.hash_password(settings, "walnut river morning"))
                )
                elsewhere.commit()
            return answer

        monkeypatch.setattr(passwords, "verify_password", changed_meanwhile)
        with database.session(write=True) as writing:
            assert (
                accounts_service.authenticate(writing, settings=settings, email=user.email, password=PASSWORD)
                is None
            )

    def test_a_suspended_account_costs_the_same_with_its_right_password(
        self, session: Session, settings: Settings, database: Database
    ) -> None:
        """Suspended, the right password leads no further than a wrong one (no transaction, no lock):
        the time it takes cannot tell someone that they guessed it."""
        user = create_user(session, settings)
        user.is_active = False
        session.commit()
        for password in (PASSWORD, "not her password at all"):
            with database.session(write=True) as writing:
                assert (
                    accounts_service.authenticate(
                        writing, settings=settings, email=user.email, password=password
                    )
                    is None
                )
                assert not writing.in_transaction()

    def test_inside_a_begun_transaction_it_sees_what_the_transaction_wrote(
        self, settings: Settings, database: Database
    ) -> None:
        """A command that creates her and signs her in within one unit of work still finds her."""
        with database.session(write=True) as writing:
            user = create_user(writing, settings)
            found = accounts_service.authenticate(
                writing, settings=settings, email=user.email, password=PASSWORD
            )
            assert found is not None and found.id == user.id
            writing.rollback()
