"""Sessions by role (issue 23): staff sessions end after 30 minutes idle and 12 hours at most, learners
keep the longer defaults; idle expiry is accurate to a minute; "my sessions" on the account page names
the device (coarse, no address) and ends one; an admin ends all of a person's sessions, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.devices import device_label
from app.accounts.models import AuditEvent, User, UserSession
from app.config import Settings
from app.db import utcnow
from tests.factories import create_user, login, post

ANDROID = "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"


def age(session: Session, user: User, *, idle: float = 0, lived: float = 0) -> None:
    """Her session as if she last used it `idle` seconds ago and signed in `lived` seconds ago."""
    now = utcnow()
    session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id)
        .values(last_used_at=now - dt.timedelta(seconds=idle), created_at=now - dt.timedelta(seconds=lived))
    )
    session.commit()


def signed_in(client: TestClient) -> bool:
    return client.get("/account", follow_redirects=False).status_code == 200


def test_a_staff_session_ends_after_30_idle_minutes_to_the_minute(
    client: TestClient, session: Session, settings: Settings
) -> None:
    trainer = create_user(session, settings, roles=("learner", "trainer"))
    session.commit()
    login(client, trainer.email)
    age(session, trainer, idle=settings.staff_session_idle_timeout - 60)  # 29 minutes: still in
    assert signed_in(client)
    session.expire_all()
    last = session.scalar(sa.select(UserSession.last_used_at).where(UserSession.user_id == trainer.id))
    assert last is not None and last > utcnow() - dt.timedelta(seconds=5)  # her use written at once (staff)
    age(session, trainer, idle=settings.staff_session_idle_timeout + 1)
    assert not signed_in(client)


def test_a_learner_keeps_the_longer_idle_limit(
    client: TestClient, session: Session, settings: Settings
) -> None:
    learner = create_user(session, settings)
    session.commit()
    login(client, learner.email)
    age(session, learner, idle=settings.staff_session_idle_timeout * 4)  # two hours idle: fine for her
    assert signed_in(client)
    age(session, learner, idle=settings.session_idle_timeout + 1)
    assert not signed_in(client)


def test_a_staff_session_lives_12_hours_at_most_even_in_use(
    client: TestClient, session: Session, settings: Settings
) -> None:
    coordinator = create_user(session, settings, roles=("learner", "coordinator"))
    session.commit()
    login(client, coordinator.email)
    expires = session.scalar(sa.select(UserSession.expires_at).where(UserSession.user_id == coordinator.id))
    assert expires is not None and expires <= utcnow() + dt.timedelta(seconds=settings.staff_session_max_age)
    age(
        session, coordinator, lived=settings.staff_session_max_age + 1
    )  # used a minute ago, signed in 12 h ago
    assert not signed_in(client)


def test_my_sessions_names_the_device_and_ends_one(
    new_client: Callable[[], TestClient], session: Session, settings: Settings
) -> None:
    learner = create_user(session, settings)
    session.commit()
    phone, laptop = new_client(), new_client()
    phone.headers["User-Agent"] = ANDROID
    login(phone, learner.email)
    login(laptop, learner.email)
    page = laptop.get("/account").text
    assert "Chrome · Android" in page and "127.0.0.1" not in page and "testclient" not in page
    session.expire_all()
    phone_session = session.scalars(
        sa.select(UserSession).where(UserSession.device == "Chrome · Android")
    ).one()
    assert post(laptop, f"/account/sessions/{phone_session.id}/end", token_from="/account").status_code == 303  # type: ignore[attr-defined]
    assert not signed_in(phone) and signed_in(laptop)
    stranger = create_user(session, settings)
    session.commit()
    other = new_client()
    login(other, stranger.email)
    session.expire_all()
    laptop_session = session.scalars(sa.select(UserSession.id).where(UserSession.user_id == learner.id)).one()
    refused = post(other, f"/account/sessions/{laptop_session}/end", token_from="/account")
    assert refused.status_code == 404 and signed_in(laptop)  # type: ignore[attr-defined]


def test_an_admin_ends_all_of_a_persons_sessions_and_it_is_audited(
    new_client: Callable[[], TestClient], session: Session, settings: Settings
) -> None:
    learner = create_user(session, settings)
    admin = create_user(session, settings, roles=("learner", "admin"))
    session.commit()
    phone, desk = new_client(), new_client()
    login(phone, learner.email)
    login(desk, admin.email)
    page = f"/admin/users/{learner.id}"
    assert post(desk, f"{page}/end-sessions", token_from=page).status_code == 303  # type: ignore[attr-defined]
    assert not signed_in(phone)
    session.expire_all()
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "sessions.end_all")).one()
    assert (event.actor_ref, event.target_ref, event.detail) == (admin.public_id, learner.public_id, "1")


def test_device_labels_are_coarse() -> None:
    assert device_label(ANDROID) == "Chrome · Android"
    assert (
        device_label("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0")
        == "Firefox · Windows"
    )
    iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
    assert device_label(iphone) == "Safari · iPhone"
    assert device_label("") == "?"
