"""Several hosts on one database (issue 26, point 5), in this process: two apps with their own data
directories (as two machines have) and one database. `make multihost` proves the same with two real
`academy serve` processes on PostgreSQL (bench/multihost.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.authoring import service as authoring
from app.config import Settings
from app.courses.models import Course, Media, MediaBlob
from app.db import Database
from app.main import create_app
from tests.accounts.test_roles import academy
from tests.factories import EXAMPLE_COURSE, PASSWORD, create_user, csrf_token, login, sync_course

PNG = (EXAMPLE_COURSE / "01-basics" / "01-diagram.png").read_bytes()


@pytest.fixture
def hosts(settings: Settings, database: Database, tmp_path: Path) -> Iterator[tuple[FastAPI, FastAPI]]:
    """Two hosts: their own data directories, the same database and secret key, media in the database."""
    made = [
        create_app(
            settings.model_copy(update={"data_dir": tmp_path / name, "media_store": "database"}), database
        )
        for name in ("host-a", "host-b")
    ]
    yield made[0], made[1]


def _browser(app: FastAPI, session: Session) -> TestClient:
    client = TestClient(app, base_url="http://testserver", follow_redirects=False)
    client.event_hooks = {
        "request": [lambda _request: (session.commit(), session.expire_all())],
        "response": [],
    }
    return client


def _course_and_its_trainer(session: Session, settings: Settings) -> tuple[Course, User]:
    course = sync_course(session, settings)
    trainer = create_user(session, settings, roles=("trainer",))
    authoring.add_staff(session, course, trainer)
    session.commit()
    return course, trainer


def test_a_session_made_on_one_host_is_valid_on_the_other_and_ends_on_both(
    hosts: tuple[FastAPI, FastAPI], session: Session, settings: Settings
) -> None:
    user = create_user(session, settings)
    session.commit()
    a, b = (_browser(app, session) for app in hosts)
    login(a, user.email)
    b.cookies = a.cookies  # the load balancer sends her next request to the other host
    assert b.get("/account").status_code == 200
    # A form made on A is accepted by B (the CSRF token is the secret key's, not the host's).
    token = csrf_token(a, "/account")
    answer = b.post("/account/profile", data={"csrf_token": token, "display_name": "Айгерим", "locale": "ky"})
    assert answer.status_code == 303, answer.text[:300]
    session.expire_all()
    assert session.get(type(user), user.id).display_name == "Айгерим"  # type: ignore[union-attr]
    assert a.post("/logout", data={"csrf_token": csrf_token(a, "/account")}).status_code == 303
    assert b.get("/account").status_code in (303, 401)  # signed out on A: her session is gone on B too


def test_rate_limits_count_across_hosts(
    hosts: tuple[FastAPI, FastAPI], session: Session, settings: Settings
) -> None:
    user = create_user(session, settings)
    session.commit()
    a, b = (_browser(app, session) for app in hosts)
    codes = []
    for n in range(12):
        client = (a, b)[n % 2]
        codes.append(
            client.post(
                "/login",
                data={
                    "email": user.email,
                    "password": "not her password",
                    "csrf_token": csrf_token(client, "/login"),
                },
            ).status_code
        )
    assert 429 in codes  # the limit is per person, whichever host counts the attempt
    first_refusal = codes.index(429)
    assert all(code == 429 for code in codes[first_refusal:])
    # Her right password is refused too for now, on either host: the count is in the database.
    right = {"email": user.email, "password": PASSWORD}
    for client in (a, b):
        assert (
            client.post("/login", data=right | {"csrf_token": csrf_token(client, "/login")}).status_code
            == 429
        )


def test_an_image_uploaded_on_one_host_is_served_by_the_other(
    hosts: tuple[FastAPI, FastAPI], session: Session, settings: Settings
) -> None:
    course, trainer = _course_and_its_trainer(session, settings)
    a, b = (_browser(app, session) for app in hosts)
    login(a, trainer.email)
    sent = a.post(
        f"/author/courses/{course.slug}/media",
        data={"csrf_token": csrf_token(a, "/author/")},
        files={"file": ("map.png", PNG, "image/png")},
    )
    assert sent.status_code == 303, sent.text[:300]
    media = session.scalars(sa.select(Media).order_by(Media.id.desc())).first()
    assert media is not None and session.get(MediaBlob, media.sha256) is not None
    name = f"{media.sha256}.png"
    assert not (hosts[1].state.settings.data_dir / "media" / name).exists()
    b.cookies = a.cookies
    served = b.get(f"/media/{name}")
    assert served.status_code == 200
    assert hashlib.sha256(served.content).hexdigest() == media.sha256
    assert (hosts[1].state.settings.data_dir / "media" / name).is_file()  # kept there from now on


def test_content_published_on_one_host_shows_on_the_other_at_the_next_request(
    hosts: tuple[FastAPI, FastAPI], session: Session, settings: Settings
) -> None:
    course, trainer = _course_and_its_trainer(session, settings)
    a, b = (_browser(app, session) for app in hosts)
    before = b.get(f"/courses/{course.slug}?lang=ru").text
    login(a, trainer.email)
    answer = a.post(
        f"/author/courses/{course.slug}/texts",
        data={
            "csrf_token": csrf_token(a, "/author/"),
            "lang": "ru",
            "title": "Новое название курса",
            "summary": "Коротко.",
            "audience": "",
        },
    )
    assert answer.status_code == 303, answer.text[:300]
    after = b.get(f"/courses/{course.slug}?lang=ru").text
    assert "Новое название курса" not in before and "Новое название курса" in after


def test_moving_to_several_hosts_copies_the_media_a_host_already_has(
    hosts: tuple[FastAPI, FastAPI], session: Session, settings: Settings
) -> None:
    """One host's media (here: synced from courses/ before the setting) copied into the database by
    `academy courses share-media`; then the other host serves them."""
    sync_course(session, settings)  # into the test's own data dir, with the folder store
    session.commit()
    media = session.scalars(sa.select(Media).order_by(Media.id)).first()
    assert media is not None and session.get(MediaBlob, media.sha256) is None
    shared = academy(settings, "courses", "share-media")
    assert shared.returncode == 0, shared.stderr
    assert "1 copied now" in shared.stdout, shared.stdout
    session.commit()  # a new snapshot: the command wrote from another process
    assert session.get(MediaBlob, media.sha256) is not None
    served = _browser(hosts[1], session).get(f"/media/{media.sha256}.png")
    assert served.status_code == 200 and hashlib.sha256(served.content).hexdigest() == media.sha256
    again = academy(settings, "courses", "share-media")
    assert "0 copied now" in again.stdout
