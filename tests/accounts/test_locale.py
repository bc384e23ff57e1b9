"""The language: the user's setting, else the switcher's cookie, else Accept-Language, else the default."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import Settings
from tests.factories import create_user, login, post


def lang(client: TestClient, **headers: str) -> str:
    html = client.get("/", headers=headers).text
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_order_of_preference(client: TestClient, session: Session, settings: Settings) -> None:
    assert lang(client) == "ru"  # ACADEMY_DEFAULT_LOCALE
    assert lang(client, **{"Accept-Language": "en-US,en;q=0.9"}) == "en"
    client.cookies.set("academy_locale", "ky")
    assert lang(client, **{"Accept-Language": "en"}) == "ky"
    user = create_user(session, settings, locale="en")
    login(client, user.email)
    assert lang(client, **{"Accept-Language": "ru"}) == "en"  # her own setting wins over the cookie


def test_switcher_changes_a_signed_in_users_setting(
    client: TestClient, session: Session, settings: Settings
) -> None:
    user = create_user(session, settings, locale="ru")
    login(client, user.email)
    response = post(client, "/language", {"locale": "ky", "next": "/account"})
    assert response.status_code == 303 and response.headers["location"] == "/account"
    assert session.get(User, user.id).locale == "ky"  # type: ignore[union-attr]
    assert lang(client) == "ky"


def test_switcher_ignores_unknown_languages(client: TestClient) -> None:
    response = post(client, "/language", {"locale": "xx"})
    assert response.status_code == 303
    assert "academy_locale" not in response.headers.get("set-cookie", "")


def test_kyrgyz_interface(client: TestClient) -> None:
    client.cookies.set("academy_locale", "ky")
    html = client.get("/login").text
    assert "Кирүү" in html  # "Sign in"
