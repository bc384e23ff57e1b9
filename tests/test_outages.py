"""When the database goes away or the disk fills (issue 24): every page answers 503 (or 507) with a
translated page and Retry-After, never 500; /healthz says why; nothing is half-written; reads go on
working on a full disk; and the app comes back by itself when the database does."""

from __future__ import annotations

import errno
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import Settings
from app.discussions.models import Post
from app.errors import Busy, DatabaseDown, DiskFull, as_unavailable
from app.main import create_app
from app.refs import encode
from tests.conftest import is_postgres
from tests.discussions.conftest import World, form, start
from tests.discussions.conftest import world as world  # noqa: F401  (the fixture)
from tests.factories import create_user, login


def _sqlite_error(text: str) -> sa_exc.OperationalError:
    return sa_exc.OperationalError("COMMIT", {}, sqlite3.OperationalError(text))


@pytest.mark.parametrize(
    ("error", "meaning"),
    [
        (_sqlite_error("database is locked"), Busy),
        (_sqlite_error("database or disk is full"), DiskFull),
        (_sqlite_error("unable to open database file"), DatabaseDown),
        (_sqlite_error("disk I/O error"), DatabaseDown),
        (OSError(errno.ENOSPC, "No space left on device"), DiskFull),
        (sa_exc.TimeoutError("QueuePool limit"), Busy),
        (_sqlite_error("no such table: nope"), None),  # a bug, not an outage: the 500 page
        (ValueError("a bug"), None),
    ],
)
def test_what_each_failure_means(error: BaseException, meaning: type | None) -> None:
    found = as_unavailable(error)
    assert (type(found) if found else None) is meaning


def test_a_full_disk_refuses_the_write_keeps_nothing_and_reads_go_on(
    session: Session,
    world: World,
    browser_of: Callable[[User], TestClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    thread, _first = start(session, world.aigul, cohort=world.naryn, title="Сроки", body="Когда?")
    session.commit()
    bermet = browser_of(world.bermet)
    before = session.scalar(sa.select(sa.func.count()).select_from(Post))

    flush = Session.flush

    def full(self: Session, objects: object = None) -> None:
        """Every write fails as SQLite's does when the disk is full; reading needs no space."""
        if self.new or self.dirty or self.deleted:
            raise _sqlite_error("database or disk is full")
        flush(self, objects)  # type: ignore[arg-type]

    monkeypatch.setattr(Session, "flush", full)
    refused = form(bermet, f"/threads/{encode(thread.id)}/posts", {"body": "В пятницу"})
    assert refused.status_code == 507  # type: ignore[attr-defined]
    assert refused.headers["retry-after"]  # type: ignore[attr-defined]
    assert "закончилось место" in refused.text and "ничего из отправленного не сохранено" in refused.text  # type: ignore[attr-defined]
    assert "В пятницу" in refused.text  # type: ignore[attr-defined]  # her words, kept in the form
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(Post)) == before
    read = bermet.get(f"/threads/{encode(thread.id)}")
    assert read.status_code == 200 and "Когда?" in read.text
    as_json = bermet.post(
        f"/api/v1/threads/{encode(thread.id)}/posts",
        json={"body": "x"},
        headers={"Accept": "application/json"},
    )
    assert as_json.status_code in (401, 403, 507)  # the API wants a token: refused before or at the write


class Proxy:
    """A TCP proxy on 127.0.0.1 in front of PostgreSQL, which the test closes (connections cut, new ones
    refused) and opens again on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.listener: socket.socket | None = None
        self.live: list[socket.socket] = []
        self.lock = threading.Lock()

    def open(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def close(self) -> None:
        if self.listener is not None:
            try:
                self.listener.shutdown(
                    socket.SHUT_RDWR
                )  # wakes the accepting thread; new connections refused
            except OSError:
                pass
            self.listener.close()
            self.listener = None
        with self.lock:
            for conn in self.live:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                conn.close()
            self.live.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.live += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for conn in (source, sink):
                try:
                    conn.close()
                except OSError:
                    pass


@pytest.fixture
def proxied(settings: Settings, database_url: str) -> Iterator[tuple[TestClient, Proxy]]:
    url = make_url(database_url)
    proxy = Proxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.open()
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    app = create_app(settings.model_copy(update={"database_url": through}))
    try:
        with TestClient(app, follow_redirects=False) as client:
            yield client, proxy
    finally:
        proxy.close()
        app.state.database.dispose()


@pytest.mark.skipif(not is_postgres(), reason="a database server to cut off: PostgreSQL")
def test_the_database_goes_away_and_comes_back(
    proxied: tuple[TestClient, Proxy], session: Session, settings: Settings
) -> None:
    client, proxy = proxied
    user = create_user(session, settings, locale="ky")
    session.commit()
    login(client, user.email)
    assert client.get("/account").status_code == 200 and client.get("/healthz").status_code == 200
    proxy.close()
    page = client.get("/account", headers={"Accept-Language": "ky"})  # her session: in the database
    assert page.status_code == 503, page.text[:300]
    assert page.headers["retry-after"] and "<html" in page.text and "маалымат базасы" in page.text
    probe = TestClient(client.app)  # a load balancer's probe: no session cookie
    health = probe.get("/healthz")
    assert (
        health.status_code == 503 and health.headers["retry-after"] and "database" in health.json()["reason"]
    )
    api = client.get("/api/v1/courses", headers={"Accept": "application/json"})
    assert api.status_code in (503, 404) and api.status_code != 500
    proxy.open()
    deadline = time.monotonic() + 10
    while probe.get("/healthz").status_code != 200:
        assert time.monotonic() < deadline, "not back within 10 seconds of the database"
        time.sleep(0.2)
    assert client.get("/account").status_code == 200  # the same session: nothing was lost
