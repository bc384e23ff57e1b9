"""Shared fixtures: one migrated database per test session, emptied after every test.

SQLite by default; set ACADEMY_TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)
to run the same suite on PostgreSQL. There each test session (and each xdist worker) gets its own schema,
dropped and re-created at the start, so nothing a previous run left behind is trusted.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app import migrate, refs
from app.accounts import audit
from app.accounts.models import User
from app.config import Settings
from app.db import Base, Database, create_engine
from app.main import create_app
from tests.factories import login

TEST_DATABASE_URL = os.environ.get("ACADEMY_TEST_DATABASE_URL", "").strip()
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


def is_postgres() -> bool:
    return TEST_DATABASE_URL.startswith("postgres")


def fresh_database_url(name: str, tmp_dir: Path) -> str:
    """An empty database of the engine under test: a PostgreSQL schema, or a SQLite file."""
    if not is_postgres():
        return f"sqlite:///{tmp_dir / (name + '.db')}"
    schema = f"academy_{name}_{WORKER}".lower()
    admin = create_engine(TEST_DATABASE_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    url = make_url(TEST_DATABASE_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return fresh_database_url("test", tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def database(database_url: str) -> Iterator[Database]:
    migrate.upgrade(database_url)
    db = Database(create_engine(database_url))
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path_factory.mktemp("data"),
        database_url=database_url,
        secret_key=TEST_SECRET_KEY,
        default_locale="ru",
        # Staff pages want two-step sign-in; the tests that are about it turn it on (tests/accounts/
        # test_two_factor.py); the rest sign staff in with a password, as before.
        staff_two_factor=False,
    )


@pytest.fixture(scope="session")
def app(settings: Settings, database: Database) -> FastAPI:
    return create_app(settings, database)


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    """A session for arranging and checking data. Before each request the client commits it, so the
    app sees what the test arranged, and the test's next query sees what the app wrote (SQLite keeps
    a reader's snapshot for the whole transaction, and a writer's lock would block the app)."""
    with database.session() as db_session:
        yield db_session


@pytest.fixture
def new_client(app: FastAPI, session: Session) -> Iterator[Callable[[], TestClient]]:
    """Makes more browsers (another learner, a phone); each commits the test's session before a request."""
    clients: list[TestClient] = []

    def end_test_transaction(_request: object) -> None:
        session.commit()
        session.expire_all()

    def make() -> TestClient:
        test_client = TestClient(app, base_url="http://testserver", follow_redirects=False)
        test_client.__enter__()
        test_client.event_hooks = {"request": [end_test_transaction], "response": []}
        clients.append(test_client)
        return test_client

    yield make
    for test_client in clients:
        test_client.__exit__(None, None, None)


@pytest.fixture
def client(new_client: Callable[[], TestClient]) -> TestClient:
    return new_client()


@pytest.fixture
def browser_of(new_client: Callable[[], TestClient]) -> Callable[[User], TestClient]:
    """A browser signed in as `user`."""

    def make(user: User) -> TestClient:
        client = new_client()
        login(client, user.email)
        return client

    return make


TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-to-be-accepted"


@pytest.fixture(autouse=True, scope="session")
def _public_ids() -> None:
    """Public ids (app/refs.py) under the test settings' key, as the test app names rows, also in a test
    that builds a URL before (or without) the app."""
    refs.configure(TEST_SECRET_KEY)


@pytest.fixture(autouse=True)
def _empty_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "settings" in request.fixturenames:
        shutil.rmtree(Path(request.getfixturevalue("settings").data_dir) / "outbox", ignore_errors=True)
    if "database" not in request.fixturenames:
        return
    database: Database = request.getfixturevalue("database")
    with database.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name != "audit_event":
                conn.execute(table.delete())
        if conn.execute(sa.text("SELECT 1 FROM audit_event LIMIT 1")).first():
            with audit.unlocked(conn):  # append-only for the application; emptied between tests
                conn.execute(sa.text("DELETE FROM audit_event"))


@pytest.fixture
def queries(database: Database) -> Iterator[list[str]]:
    """The SQL statements the app runs from now on (not BEGIN, COMMIT and the like): a page's cost."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith(("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")):
            seen.append(statement)

    with database.listening("before_cursor_execute", count):
        yield seen


@pytest.fixture(autouse=True)
def limits_held_still(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rate-limit windows that do not end mid-test, in every test: a test counting attempts near a
    window's end would otherwise start again from zero (CI once failed so, on a test that had not asked
    for this). The limiter's own tests pass their moments explicitly."""
    from app.accounts import ratelimit

    moment = ratelimit.clock()
    monkeypatch.setattr(ratelimit, "clock", lambda: moment)
