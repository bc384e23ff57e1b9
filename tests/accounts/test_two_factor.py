"""Two-step sign-in (issue 23): staff must set it up before a staff page opens; learners may. Enrolment
with a QR code drawn here, sign-in with a code, a wrong code, a replayed code, a recovery code used once,
a reset by an admin and by the command line (both audited), the code step's limit, the API's tokens."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pyotp
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.accounts import twofactor
from app.accounts.models import AuditEvent, RecoveryCode, TwoFactor, User
from app.config import Settings
from app.permissions import LEARNER_CAPABILITIES
from tests.accounts.test_security import all_routes, concrete, requirement
from tests.factories import PASSWORD, create_user, csrf_token, login, post


@pytest.fixture
def required(settings: Settings) -> Iterator[None]:
    """Staff pages want two-step sign-in, as in production (the other tests sign staff in with a
    password only)."""
    settings.staff_two_factor = True
    yield
    settings.staff_two_factor = False


def secret_of(session: Session, user: User) -> str:
    session.expire_all()
    found = session.get(TwoFactor, user.id)
    assert found is not None
    return found.secret


def turn_on(client: TestClient, session: Session, user: User) -> list[str]:
    """Her app set up through the page: the QR code, the key, her first code; the recovery codes back."""
    page = client.get("/account/two-factor")
    assert (
        page.status_code == 200
        and "<svg" in page.text
        and "https://" not in page.text.split("<svg")[1][:2000]
    )
    secret = secret_of(session, user)
    assert secret in page.text  # to type in by hand
    answer = post(
        client, "/account/two-factor", {"code": pyotp.TOTP(secret).now()}, token_from="/account/two-factor"
    )
    assert answer.status_code == 200, answer.text[:300]  # type: ignore[attr-defined]
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", answer.text)  # type: ignore[attr-defined]
    assert len(codes) == 10
    return codes


def password_step(client: TestClient, user: User) -> object:
    return client.post(
        "/login",
        data={
            "email": user.email,
            "password": PASSWORD,
            "next": "/my",
            "csrf_token": csrf_token(client, "/login"),
        },
    )


def code_step(client: TestClient, code: str) -> object:
    return client.post(
        "/login/code", data={"code": code, "next": "/my", "csrf_token": csrf_token(client, "/login")}
    )


@pytest.mark.usefixtures("required")
def test_a_staff_page_opens_only_after_two_step_sign_in_is_set_up(
    client: TestClient, session: Session, settings: Settings
) -> None:
    coordinator = create_user(session, settings, roles=("learner", "coordinator"))
    session.commit()
    login(client, coordinator.email)
    blocked = client.get("/cohorts/", follow_redirects=False)
    assert blocked.status_code == 303 and blocked.headers["location"] == "/account/two-factor"
    assert client.get("/my").status_code == 200  # her own learning is not a staff page
    turn_on(client, session, coordinator)
    assert client.get("/cohorts/").status_code == 200
    session.expire_all()
    actions = session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.target_ref == coordinator.public_id)
    ).all()
    assert "2fa.enable" in actions and "staff.sign_in" in actions


@pytest.mark.usefixtures("required")
def test_the_api_refuses_a_staff_capability_without_it(
    client: TestClient, session: Session, settings: Settings
) -> None:
    admin = create_user(session, settings, roles=("learner", "admin"))
    session.commit()
    login(client, admin.email)
    assert client.get("/admin/users", follow_redirects=False).status_code == 303


def test_sign_in_asks_for_the_code_and_a_code_works_once(
    client: TestClient, new_client: object, session: Session, settings: Settings
) -> None:
    user = create_user(session, settings)
    session.commit()
    login(client, user.email)
    turn_on(client, session, user)
    secret = secret_of(session, user)

    phone = new_client()  # type: ignore[operator]
    first = password_step(phone, user)
    assert first.status_code == 303 and first.headers["location"].startswith("/login/code")  # type: ignore[attr-defined]
    assert phone.get("/my", follow_redirects=False).status_code == 303  # not signed in yet
    wrong = code_step(phone, "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    assert wrong.status_code == 422 and "не подходит" in wrong.text  # type: ignore[attr-defined]
    # The code her enrolment used is spent: the same code again is refused (a replay).
    now = time.time()
    step = int(now // 30)
    session.expire_all()
    used_step = session.get(TwoFactor, user.id).last_step  # type: ignore[union-attr]
    assert used_step >= step - 1
    replay = code_step(phone, pyotp.TOTP(secret).at(used_step * 30))
    assert replay.status_code == 422  # type: ignore[attr-defined]
    # The next step's code signs her in.
    with_next = code_step(phone, pyotp.TOTP(secret).at((used_step + 1) * 30)) if used_step <= step else None
    if with_next is None:  # the enrolment used the next step already (a clock at a step's edge)
        pytest.skip("the enrolment's code was a step ahead")
    assert with_next.status_code == 303 and with_next.headers["location"] == "/my"  # type: ignore[attr-defined]
    assert phone.get("/my").status_code == 200


def test_a_recovery_code_signs_her_in_once(
    client: TestClient, new_client: object, session: Session, settings: Settings
) -> None:
    user = create_user(session, settings)
    session.commit()
    login(client, user.email)
    codes = turn_on(client, session, user)
    phone = new_client()  # type: ignore[operator]
    password_step(phone, user)
    assert code_step(phone, codes[0].upper()).status_code == 303  # as she reads it off paper
    again = new_client()  # type: ignore[operator]
    password_step(again, user)
    assert code_step(again, codes[0]).status_code == 422
    session.expire_all()
    stored = session.scalars(sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and not any(code.replace("-", "") in stored for code in codes)  # hashes only


def test_the_code_step_ends_after_five_wrong_codes(
    client: TestClient, new_client: object, session: Session, settings: Settings
) -> None:
    user = create_user(session, settings)
    session.commit()
    login(client, user.email)
    turn_on(client, session, user)
    phone = new_client()  # type: ignore[operator]
    password_step(phone, user)
    for _ in range(twofactor.CHALLENGE_TRIES):
        assert code_step(phone, "zzzzz-zzzzz").status_code == 422
    ended = code_step(phone, pyotp.TOTP(secret_of(session, user)).now())
    assert ended.status_code == 303 and ended.headers["location"] == "/login"  # type: ignore[attr-defined]


def test_an_admin_resets_a_lost_phone_and_it_is_audited(
    client: TestClient, new_client: object, session: Session, settings: Settings
) -> None:
    user = create_user(session, settings)
    admin = create_user(session, settings, roles=("learner", "admin"))
    session.commit()
    login(client, user.email)
    turn_on(client, session, user)
    desk = new_client()  # type: ignore[operator]
    login(desk, admin.email)
    assert "Сбросить" in desk.get(f"/admin/users/{user.id}").text
    answer = post(desk, f"/admin/users/{user.id}/reset-2fa", token_from=f"/admin/users/{user.id}")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert client.get("/my", follow_redirects=False).status_code == 303  # her sessions ended
    session.expire_all()
    assert session.get(TwoFactor, user.id) is None
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "2fa.reset")).one()
    assert (event.actor_ref, event.target_ref) == (admin.public_id, user.public_id)
    login(client, user.email)  # a password is enough again
    assert client.get("/my").status_code == 200


def test_the_command_line_resets_it_too(
    client: TestClient, session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.cli import cli as cli_app

    user = create_user(session, settings)
    session.commit()
    login(client, user.email)
    turn_on(client, session, user)
    monkeypatch.setenv("ACADEMY_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ACADEMY_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ACADEMY_SECRET_KEY", settings.secret_key)
    session.commit()
    result = CliRunner().invoke(cli_app, ["users", "reset-2fa", user.email])
    assert result.exit_code == 0, result.output
    session.rollback()
    assert session.get(TwoFactor, user.id) is None
    reset = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "2fa.reset")).one()
    assert reset.actor_ref is None  # the command line


def test_a_learner_may_turn_it_off_with_her_password_and_staff_may_not(
    client: TestClient, new_client: object, session: Session, settings: Settings
) -> None:
    user = create_user(session, settings)
    trainer = create_user(session, settings, roles=("learner", "trainer"))
    session.commit()
    login(client, user.email)
    turn_on(client, session, user)
    wrong = post(
        client, "/account/two-factor/off", {"password": "not her password"}, token_from="/account/two-factor"
    )
    assert wrong.status_code == 422  # type: ignore[attr-defined]
    assert (
        post(
            client, "/account/two-factor/off", {"password": PASSWORD}, token_from="/account/two-factor"
        ).status_code
        == 303
    )  # type: ignore[attr-defined]
    staff = new_client()  # type: ignore[operator]
    login(staff, trainer.email)
    turn_on(staff, session, trainer)
    refused = post(staff, "/account/two-factor/off", {"password": PASSWORD}, token_from="/account/two-factor")
    assert refused.status_code == 409  # type: ignore[attr-defined]


def test_an_api_token_needs_the_code_too(client: TestClient, session: Session, settings: Settings) -> None:
    user = create_user(session, settings)
    session.commit()
    login(client, user.email)
    turn_on(client, session, user)
    body = {"email": user.email, "password": PASSWORD, "name": "phone"}
    assert client.post("/api/v1/tokens", json=body).status_code == 401
    secret = secret_of(session, user)
    later = pyotp.TOTP(secret).at(time.time() + 30)  # the next step's code: the enrolment used this one
    assert client.post("/api/v1/tokens", json={**body, "code": later}).status_code == 201


@pytest.mark.usefixtures("required")
def test_every_staff_route_waits_for_two_step_sign_in(
    app: FastAPI, client: TestClient, session: Session, settings: Settings
) -> None:
    """The permission matrix, for an administrator without two-step sign-in: every route that asks for a
    capability a learner lacks sends her to set it up (403 under /api/), and nothing else is refused."""
    admin = create_user(session, settings, roles=("learner", "admin"))
    session.commit()
    login(client, admin.email)
    token = csrf_token(client)
    staff_routes = 0
    for route in all_routes(app):
        needed = requirement(route)
        if needed is None or needed.capability is None or needed.capability in LEARNER_CAPABILITIES:
            continue
        staff_routes += 1
        for method in sorted(route.methods):
            answer = client.request(
                method, concrete(route.path), headers={"X-CSRF-Token": token}, follow_redirects=False
            )
            if route.path.startswith("/api/"):
                assert answer.status_code == 403, (method, route.path, answer.status_code)
            elif method == "GET":
                assert answer.status_code == 303, (method, route.path, answer.status_code)
                assert answer.headers["location"] == "/account/two-factor"
            else:
                assert answer.status_code == 403, (method, route.path, answer.status_code)
    assert staff_routes > 40


@pytest.mark.usefixtures("required")
def test_without_it_a_staff_account_has_only_a_learners_capabilities_everywhere(
    client: TestClient, session: Session, settings: Settings
) -> None:
    """Pages that work out staff power in their code (a moderator's view of a thread) see a learner too."""
    from app.accounts import service as accounts_service
    from app.permissions import Capability

    trainer = create_user(session, settings, roles=("learner", "trainer"))
    session.commit()
    login(client, trainer.email)
    token = client.cookies.get("academy_session") or ""
    active = accounts_service.find_session(session, settings=settings, token=token)
    assert active is not None and not active.principal.can(Capability.MODERATE)
    assert active.principal.can(Capability.LEARN)
    turn_on(client, session, trainer)
    token = client.cookies.get("academy_session") or ""
    active = accounts_service.find_session(session, settings=settings, token=token)
    assert active is not None and active.principal.can(Capability.MODERATE)


def test_turning_it_on_ends_what_the_password_alone_opened(
    client: TestClient, new_client: object, session: Session, settings: Settings
) -> None:
    from app.accounts.models import ApiToken

    user = create_user(session, settings)
    session.commit()
    login(client, user.email)
    elsewhere = new_client()  # type: ignore[operator]
    login(elsewhere, user.email)
    body = {"email": user.email, "password": PASSWORD, "name": "phone"}
    assert client.post("/api/v1/tokens", json=body).status_code == 201
    turn_on(client, session, user)
    assert client.get("/account").status_code == 200  # this session goes on
    assert elsewhere.get("/account").status_code == 303  # the other one must sign in again
    session.expire_all()
    assert not session.scalars(sa.select(ApiToken)).all()


def test_a_code_in_other_digits_is_refused_not_a_server_error(
    client: TestClient, new_client: object, session: Session, settings: Settings
) -> None:
    user = create_user(session, settings)
    session.commit()
    login(client, user.email)
    assert (
        post(client, "/account/two-factor", {"code": "١٢٣٤٥٦"}, token_from="/account/two-factor").status_code
        == 422
    )  # type: ignore[attr-defined]
    turn_on(client, session, user)
    phone = new_client()  # type: ignore[operator]
    password_step(phone, user)
    assert code_step(phone, "١٢٣٤٥٦").status_code == 422
    assert code_step(phone, "²³⁴éü").status_code == 422


def test_the_code_limit_holds_across_new_challenges(
    client: TestClient, new_client: object, session: Session, settings: Settings
) -> None:
    """Signing in again with the password gives a new challenge, not new tries."""
    from app.accounts.routes.twofactor import CODE_PER_USER

    user = create_user(session, settings)
    session.commit()
    login(client, user.email)
    turn_on(client, session, user)
    tries = 0
    phone = new_client()  # type: ignore[operator]
    while tries < CODE_PER_USER.hits:
        password_step(phone, user)
        for _ in range(twofactor.CHALLENGE_TRIES):
            if tries == CODE_PER_USER.hits:
                break
            code_step(phone, "zzzzz-zzzzz")
            tries += 1
    password_step(phone, user)
    limited = code_step(phone, "zzzzz-zzzzz")
    assert limited.status_code == 429  # type: ignore[attr-defined]


def test_her_data_download_holds_no_two_step_secret(
    client: TestClient, session: Session, settings: Settings
) -> None:
    user = create_user(session, settings)
    session.commit()
    login(client, user.email)
    turn_on(client, session, user)
    download = client.get("/account/data").text
    assert secret_of(session, user) not in download and "code_hash" not in download
