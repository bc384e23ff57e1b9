"""Plain functions that build test data. They flush; the test commits when the app must see it."""

from __future__ import annotations

import email.policy
import itertools
import re
from email import message_from_bytes
from email.message import Message
from functools import lru_cache
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.accounts.models import User
from app.accounts.passwords import hash_password
from app.config import Settings

PASSWORD = "river stone apricot lamp"
_serial = itertools.count(1)


@lru_cache
def _hash(settings_key: tuple[int, int], password: str) -> str:
    settings = Settings(_env_file=None, argon2_memory_kib=settings_key[0], argon2_time_cost=settings_key[1])  # type: ignore[call-arg]
    return hash_password(settings, password)


def create_user(
    session: Session,
    settings: Settings,
    *,
    email: str | None = None,
    display_name: str | None = None,
    roles: tuple[str, ...] = ("learner",),
    password: str = PASSWORD,
    locale: str = "ru",
    region: str | None = None,
) -> User:
    number = next(_serial)
    return accounts_service.create_user(
        session,
        settings=settings,
        email=email or f"user{number}@example.kg",
        password_hash=_hash((settings.argon2_memory_kib, settings.argon2_time_cost), password),
        display_name=display_name or f"Участница {number}",
        locale=locale,
        region=region,
        roles=roles,
    )


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client: TestClient, path: str = "/") -> str:
    match = CSRF.search(client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: TestClient, email: str, password: str = PASSWORD) -> None:
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_token(client, "/login")}
    )
    assert response.status_code == 303, response.text[:500]


def post(
    client: TestClient, path: str, data: dict[str, str] | None = None, *, token_from: str = "/"
) -> object:
    """POST a form with a valid CSRF token, as a browser would."""
    fields = dict(data or {})
    fields.setdefault("csrf_token", csrf_token(client, token_from))
    return client.post(path, data=fields)


def outbox(settings: Settings) -> list[Message]:
    folder = Path(settings.data_dir) / "outbox"
    if not folder.is_dir():
        return []
    return [
        message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for path in sorted(folder.glob("*.eml"))
    ]


def mail_text(message: Message) -> str:
    return str(message.get_content())  # type: ignore[attr-defined]


def link_in(message: Message, pattern: str) -> str:
    match = re.search(pattern, mail_text(message))
    assert match, mail_text(message)
    return match.group(0)


def refresh(session: Session) -> None:
    """End the test's transaction so the next query sees what another process or request wrote."""
    session.commit()
    session.expire_all()
