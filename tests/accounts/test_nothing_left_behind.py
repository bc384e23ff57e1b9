"""Nothing left behind on a phone (issue 23): signed-in pages and the API's answers are never cached by
the browser, sign-out clears cache, cookies and storage, the session cookie is `__Host-` prefixed and
Secure under https, HSTS covers subdomains, and every response, early errors included, carries the
security headers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import Database
from app.main import MAX_BODY_BYTES, create_app
from app.security import SECURITY_HEADERS
from tests.factories import PASSWORD, create_user, csrf_token, login


def has_security_headers(headers: object) -> bool:
    return all(headers.get(name) == value for name, value in SECURITY_HEADERS.items())  # type: ignore[attr-defined]


def test_signed_in_pages_and_api_answers_are_no_store(
    client: TestClient, session: Session, settings: Settings
) -> None:
    assert "no-store" not in client.get("/courses").headers.get("cache-control", "")  # public: may be kept
    assert client.get("/api/v1/courses").headers["cache-control"] == "no-store"
    user = create_user(session, settings)
    session.commit()
    login(client, user.email)
    for path in ("/my", "/account", "/courses", "/notifications"):
        assert client.get(path).headers["cache-control"] == "no-store", path
    static = client.get("/static/css/app.css?v=x")
    assert "no-store" not in static.headers["cache-control"]  # the same for everyone: cached as before


def test_sign_out_clears_cache_cookies_and_storage(
    client: TestClient, session: Session, settings: Settings
) -> None:
    user = create_user(session, settings)
    session.commit()
    login(client, user.email)
    answer = client.post("/logout", data={"csrf_token": csrf_token(client, "/logout")})
    assert answer.headers["clear-site-data"] == '"cache", "cookies", "storage"'


def test_a_413_and_a_500_carry_the_security_headers(
    app: object, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    too_big = client.post(
        "/login",
        content=b"x" * (MAX_BODY_BYTES + 1),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert too_big.status_code == 413 and has_security_headers(too_big.headers)

    from app.learning import learner

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(learner, "catalogue", broken)
    with TestClient(app, raise_server_exceptions=False) as plain:  # type: ignore[arg-type]
        failed = plain.get("/courses")
    assert failed.status_code == 500 and has_security_headers(failed.headers)


@pytest.fixture
def over_https(settings: Settings, database: Database) -> Iterator[TestClient]:
    secure = settings.model_copy(update={"base_url": "https://academy.example"})
    with TestClient(
        create_app(secure, database), base_url="https://academy.example", follow_redirects=False
    ) as client:
        yield client


def test_under_https_the_session_cookie_is_host_prefixed_and_hsts_covers_subdomains(
    over_https: TestClient, session: Session, settings: Settings
) -> None:
    user = create_user(session, settings)
    session.commit()
    client = over_https
    page = client.get("/login")
    assert page.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    answer = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client, "/login")}
    )
    cookie = next(c for c in answer.headers.get_list("set-cookie") if "academy_session" in c)
    assert cookie.startswith("__Host-academy_session=") and "Secure" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie
    assert client.get("/my").status_code == 200  # the prefixed cookie is the one read back
    client.cookies.set("academy_session", client.cookies.get("__Host-academy_session") or "")
    client.cookies.delete("__Host-academy_session")
    assert client.get("/my").status_code == 303  # the unprefixed name counts for nothing under https
