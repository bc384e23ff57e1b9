from __future__ import annotations

import datetime as dt
import fcntl
import multiprocessing
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import anyio
import anyio.to_thread
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app import db as app_db
from app.config import Settings
from app.db import (
    Database,
    UTCDateTime,
    create_engine,
    describe_connection_error,
    read,
)
from app.errors import Busy
from app.main import create_app
from tests.conftest import is_postgres
from tests.live import in_a_loop


def _write_when_told(database: Database, go: Any) -> None:
    database.engine.dispose(close=False)  # the parent's connections stay the parent's
    # No busy handler at all: without the writer lock, BEGIN IMMEDIATE would fail at once
    sa.event.listen(database.engine, "connect", lambda dbapi, _record: dbapi.execute("PRAGMA busy_timeout=0"))
    go.wait(10)
    with database.session(write=True) as session:
        session.execute(sa.text("INSERT INTO t VALUES ('child')"))
        session.commit()


@pytest.mark.skipif(is_postgres(), reason="SQLite settings")
class TestSQLiteSettings:
    def test_wal_foreign_keys_and_busy_timeout(self, tmp_path: Path) -> None:
        engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        engine.dispose()

    def test_writing_sessions_take_the_write_lock_at_begin(self, tmp_path: Path) -> None:
        engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
        database = Database(engine)
        statements: list[str] = []
        sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        with database.session(write=True) as session:
            session.execute(sa.text("SELECT 1"))
        with database.session() as session:
            session.execute(sa.text("SELECT 1"))
        assert "BEGIN IMMEDIATE" in statements
        assert "BEGIN DEFERRED" in statements
        engine.dispose()

    def test_writers_of_two_processes_take_turns(self, tmp_path: Path) -> None:
        """app.db.WriterLock: a writer of another process (a gunicorn worker forked after the engine was
        made, as with --preload) waits for this one's transaction to end, then writes: no "database is
        locked", no starving in SQLite's busy handler. The lock file beside the database is private."""
        database = Database(create_engine(f"sqlite:///{tmp_path / 'x.db'}"))
        with database.session(write=True) as session:  # the lock's file opened before the fork
            session.execute(sa.text("CREATE TABLE t (who TEXT)"))
            session.commit()
        assert (tmp_path / "x.db-writer").stat().st_mode & 0o777 == 0o600
        fork = multiprocessing.get_context("fork")
        go = fork.Event()
        child = fork.Process(target=_write_when_told, args=(database, go))
        child.start()
        with database.session(write=True) as session:
            session.execute(sa.text("INSERT INTO t VALUES ('first')"))
            go.set()
            time.sleep(0.5)  # the child is waiting for this transaction, not inside one of its own
            session.execute(sa.text("INSERT INTO t VALUES ('second')"))
            session.commit()
        child.join(15)
        assert child.exitcode == 0
        with database.session() as session:
            order = session.scalars(sa.text("SELECT who FROM t ORDER BY rowid")).all()
        assert order == ["first", "second", "child"]
        database.dispose()

    def test_the_writer_lock_is_held_until_commit_has_run(self, tmp_path: Path) -> None:
        """SQLAlchemy's commit and rollback events come before the statement: freed there, the lock let
        the next writer (of any process) meet SQLite's lock still held and sleep in its busy handler."""
        database = Database(create_engine(f"sqlite:///{tmp_path / 'x.db'}"))
        held_at: dict[str, bool] = {}

        def held() -> bool:  # another process's view: its own descriptor of the lock's file
            fd = os.open(tmp_path / "x.db-writer", os.O_RDWR)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            finally:
                os.close(fd)  # (which also frees it, if taken here)
            return False

        sa.event.listen(database.engine, "commit", lambda _conn: held_at.setdefault("commit", held()))
        sa.event.listen(database.engine, "rollback", lambda _conn: held_at.setdefault("rollback", held()))
        with database.session(write=True) as session:
            session.execute(sa.text("CREATE TABLE t (x INTEGER)"))
            session.commit()
        assert not held()
        with database.session(write=True) as session:
            session.execute(sa.text("INSERT INTO t VALUES (1)"))
            session.rollback()
        assert held_at == {"commit": True, "rollback": True} and not held()
        database.dispose()

    def test_a_writing_session_ended_in_another_thread_frees_the_lock(self, tmp_path: Path) -> None:
        """app.db.get_session closes a session its route left open in a thread of its own."""
        database = Database(create_engine(f"sqlite:///{tmp_path / 'x.db'}"), threads=2)
        session = database.session(write=True)
        session.execute(sa.text("CREATE TABLE t (x INTEGER)"))  # BEGIN IMMEDIATE in this thread
        with ThreadPoolExecutor(1) as other:
            other.submit(session.close).result(timeout=5)
            next_writer = other.submit(database.write_aside, lambda s: s.execute(sa.text("SELECT 1")))
            next_writer.result(timeout=5)  # not blocked behind a lock that nobody holds
        with database.session(write=True) as again:  # and this thread takes it again
            again.execute(sa.text("SELECT 1"))
            again.commit()
        database.dispose()

    def test_savepoints_work(self, tmp_path: Path) -> None:
        engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
            nested = conn.begin_nested()
            conn.exec_driver_sql("INSERT INTO t VALUES (2)")
            nested.rollback()
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT x FROM t").scalars().all() == [1]
        engine.dispose()

    def test_loop_reads_one_connection_per_thread_that_sees_every_commit(self, tmp_path: Path) -> None:
        database = Database(create_engine(f"sqlite:///{tmp_path / 'x.db'}"))
        with database.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        engine = database.loop_reads()
        assert engine is not None and database.loop_reads() is engine
        assert isinstance(engine.pool, sa.pool.SingletonThreadPool)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0
            first = conn.connection.dbapi_connection
        with database.engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        with engine.connect() as conn:  # the same connection, and a fresh look at the file
            assert conn.connection.dbapi_connection is first
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1
        with ThreadPoolExecutor(1) as other:
            assert other.submit(lambda: engine.raw_connection().dbapi_connection).result() is not first
        database.dispose()

    def test_no_loop_reads_for_a_database_in_memory(self) -> None:
        database = Database(create_engine("sqlite://"))
        assert database.loop_reads() is None  # another connection would see another database
        database.dispose()


def test_read_runs_on_the_event_loop_for_sqlite_and_in_a_thread_for_postgres(database: Database) -> None:
    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(database=database)), scope={})

    def work(session: Session) -> tuple[int, int]:
        return threading.get_ident(), session.execute(sa.text("SELECT 1")).scalar_one()

    async def main() -> tuple[int, tuple[int, int]]:
        return threading.get_ident(), await read(request, work)  # type: ignore[arg-type]

    loop_thread, (work_thread, one) = in_a_loop(main)
    assert one == 1
    assert (work_thread == loop_thread) is (not is_postgres())


@pytest.mark.skipif(not is_postgres(), reason="PostgreSQL")
def test_a_connection_is_pinged_only_after_lying_idle(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """app.db._ping_when_idle: no round trip for a connection used a moment ago; one lain idle is asked,
    and one that does not answer is replaced before anyone uses it."""
    database.engine.dispose()
    pings: list[object] = []
    real_ping = database.engine.dialect.do_ping
    monkeypatch.setattr(
        database.engine.dialect, "do_ping", lambda conn: pings.append(conn) or real_ping(conn)
    )

    def use() -> int:
        with database.engine.connect() as connection:
            return int(connection.exec_driver_sql("SELECT 1").scalar_one())

    assert use() == 1 and use() == 1 and pings == []  # new, then just returned
    monkeypatch.setattr(app_db, "PING_AFTER_IDLE_S", 0.0)
    assert use() == 1 and len(pings) == 1
    dead = database.engine.dialect.loaded_dbapi.OperationalError("the server went away")

    def dead_then_alive(conn: object) -> bool:
        pings.append(conn)
        if len(pings) == 2:
            raise dead
        return bool(real_ping(conn))

    monkeypatch.setattr(database.engine.dialect, "do_ping", dead_then_alive)
    assert use() == 1 and len(pings) == 3  # the dead one dropped, a new one asked and used


@pytest.mark.skipif(not is_postgres(), reason="PostgreSQL")
def test_reads_without_one_snapshot_skip_the_transaction_on_postgres(database: Database) -> None:
    """Database.session(snapshot=False): in autocommit (no BEGIN and ROLLBACK round trips); a snapshot
    and a write stay in a transaction."""
    for kind, session in (
        ("statement", database.session(snapshot=False)),
        ("snapshot", database.session()),
        ("write", database.session(write=True)),
    ):
        with session:
            autocommit = session.connection().connection.dbapi_connection.autocommit  # type: ignore[union-attr]
            assert autocommit is (kind == "statement"), kind


@pytest.mark.skipif(is_postgres(), reason="SQLite")
def test_reads_without_one_snapshot_begin_no_transaction_on_sqlite(database: Database) -> None:
    """On SQLite too, a read that needs no snapshot (the lookups, the lesson page, the phone's reads)
    sends no BEGIN: each SELECT is its own read. A snapshot and a write stay in a transaction."""
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement.split()[0].upper())

    with database.listening("before_cursor_execute", seen):
        for kind, session in (
            ("statement", database.session(snapshot=False)),
            ("snapshot", database.session()),
            ("write", database.session(write=True)),
        ):
            statements.clear()
            with session:
                session.execute(sa.text("SELECT 1"))
                in_transaction = session.connection().connection.dbapi_connection.in_transaction  # type: ignore[union-attr]
                assert in_transaction is (kind != "statement"), kind
                assert ("BEGIN" in statements) is (kind != "statement"), (kind, statements)
        loop = database.loop_reads(snapshot=False)
        if loop is not None:  # a database in a file: the event loop's reads
            statements.clear()
            with loop.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
                assert not connection.connection.dbapi_connection.in_transaction  # type: ignore[union-attr]
            assert statements == ["SELECT"]
            with pytest.raises(sa.exc.OperationalError, match="readonly"), loop.connect() as connection:
                connection.execute(sa.text("CREATE TABLE loop_write_probe (x INTEGER)"))  # a read only


@pytest.mark.skipif(not is_postgres(), reason="PostgreSQL")
def test_no_loop_reads_on_postgres(database: Database) -> None:
    assert database.loop_reads() is None  # a round trip: it stays in the thread pool


class TestUTCDateTime:
    def test_round_trip_keeps_the_instant_and_zone(self, database: Database) -> None:
        table = sa.Table("utc_probe", sa.MetaData(), sa.Column("at", UTCDateTime()))
        bishkek = dt.timezone(dt.timedelta(hours=6))
        moment = dt.datetime(2026, 3, 8, 10, 0, tzinfo=bishkek)
        with database.engine.begin() as conn:
            table.create(conn)
            try:
                conn.execute(table.insert().values(at=moment))
                stored = conn.execute(sa.select(table.c.at)).scalar_one()
            finally:
                table.drop(conn)
        assert stored == moment
        assert stored.utcoffset() == dt.timedelta(0)

    def test_naive_datetimes_are_refused(self) -> None:
        with pytest.raises(ValueError, match="naive"):
            UTCDateTime().process_bind_param(dt.datetime(2026, 1, 1), sa.create_engine("sqlite://").dialect)


def test_unreachable_postgres_is_one_clear_line() -> None:
    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(OperationalError) as caught, engine.connect():
        pass
    message = describe_connection_error(caught.value, engine.url)
    assert "cannot connect to the database" in message
    assert "\n" not in message
    engine.dispose()


class TestRequestSessions:
    """get_session: every request's session goes back to the pool, whether it queried or not."""

    def test_a_page_that_queries_gives_its_connection_back(
        self, client: TestClient, database: Database
    ) -> None:
        before = database.engine.pool.checkedout()  # type: ignore[attr-defined]
        for _ in range(3):
            assert client.get("/courses").status_code == 200
        assert database.engine.pool.checkedout() == before  # type: ignore[attr-defined]

    def test_a_failed_request_gives_its_connection_back(self, client: TestClient, database: Database) -> None:
        before = database.engine.pool.checkedout()  # type: ignore[attr-defined]
        assert client.get("/courses/no-such-course").status_code == 404
        assert database.engine.pool.checkedout() == before  # type: ignore[attr-defined]


@pytest.mark.usefixtures("database")  # the schema: this test makes its own engine on the same database
def test_more_requests_than_threads_and_connections_all_finish(settings: Settings, database_url: str) -> None:
    """A request that has used its connection gives it back before its worker thread: with one thread
    and one connection, eight requests at once all succeed (waiting for a thread while holding the
    connection another thread waits for would stall them until the pool's timeout, then fail). The same
    over HTTP, for every way of asking: tests/test_overload.py."""
    engine = create_engine(database_url, pool_size=1, max_overflow=0, pool_timeout=3)
    app = create_app(settings, Database(engine, threads=1))

    async def get(path: str) -> int:
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
            "headers": [(b"host", b"test")], "client": ("127.0.0.1", 1), "server": ("test", 80),
        }  # fmt: skip
        sent: list[dict[str, object]] = []

        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, object]) -> None:
            sent.append(message)

        await app(scope, receive, send)
        return int(sent[0]["status"])  # type: ignore[call-overload]

    async def main() -> list[int]:
        statuses: list[int] = []

        async def ask() -> None:
            statuses.append(await get("/courses"))

        with anyio.fail_after(20):
            async with anyio.create_task_group() as group:
                for _ in range(8):
                    group.start_soon(ask)
        return statuses

    try:
        statuses = in_a_loop(main)
    finally:
        engine.dispose()
    assert statuses == [200] * 8


class TestNotes:
    """Database.note: a write only worth having, skipped in an outage, a bug still raised."""

    def test_a_note_is_written_in_a_transaction_of_its_own(self, database: Database) -> None:
        in_a_loop(lambda: database.note(lambda s: s.execute(sa.text("CREATE TABLE noted (x INTEGER)"))))
        try:
            with database.engine.connect() as conn:  # committed: another connection sees it
                assert conn.execute(sa.text("SELECT count(*) FROM noted")).scalar() == 0
        finally:
            with database.engine.begin() as conn:
                conn.execute(sa.text("DROP TABLE IF EXISTS noted"))

    @pytest.mark.parametrize(
        "failure",
        [
            Busy(),
            OperationalError("INSERT", {}, Exception("database is locked")),
            sa.exc.TimeoutError("QueuePool limit"),
        ],
        ids=["no turn free", "locked", "no connection free"],
    )
    def test_an_outage_skips_it(self, database: Database, failure: Exception) -> None:
        def work(_session: Session) -> None:
            raise failure

        assert in_a_loop(lambda: database.note(work)) is None

    def test_a_bug_is_raised(self, database: Database) -> None:
        def work(_session: Session) -> None:
            raise ValueError("a bug")

        with pytest.raises(ValueError, match="a bug"):
            in_a_loop(lambda: database.note(work))
