"""The database: engine, sessions, the declarative base and a UTC datetime type.

SQLite (the embedded default) runs in WAL mode with foreign keys on and a busy timeout. Python's
sqlite3 driver is told to keep out of transaction handling (isolation_level=None) so that we emit
BEGIN ourselves: SAVEPOINTs then work, and writing requests take the write lock at BEGIN
(BEGIN IMMEDIATE), which waits for another writer instead of failing when a read turns into a write.
PostgreSQL goes through psycopg 3.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import datetime as dt
import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import sqlalchemy as sa
from fastapi import Request
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import SingletonThreadPool

from app.config import ConfigError
from app.errors import Busy, as_unavailable
from app.files import create_private

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

T = TypeVar("T")

SQLITE_CACHE_KB = 512
SQLITE_BUSY_TIMEOUT_MS = 10_000
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
AFTER_COMMIT = "academy_after_commit"
# In a request's state: what its database sessions' `info` starts with (seeded), such as the content's
# version that the lookup of who she is read in the same statement (app/content_version.py).
SESSION_INFO = "academy_session_info"


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on both engines (SQLite keeps no zone, so we add it back)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use app.db.utcnow() or an aware datetime")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def parse_database_url(raw: str) -> URL:
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(
            "ACADEMY_DATABASE_URL is not a database URL; use sqlite:///path/to/academy.db "
            "or postgresql+psycopg://user@host:5432/dbname."
        ) from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"ACADEMY_DATABASE_URL names '{url.get_backend_name()}', which is not supported; "
            "use sqlite:/// or postgresql+psycopg://."
        )
    if url.get_backend_name() == "postgresql" and url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def create_engine(raw_url: str, **kwargs: Any) -> Engine:
    url = parse_database_url(raw_url)
    try:
        if url.get_backend_name() == "sqlite":
            database_file = sqlite_file(url)
            if database_file is not None and database_file.parent.is_dir():
                create_private(database_file)  # 0600 before SQLite makes it; its WAL takes the same mode
            engine = sa.create_engine(url, connect_args=SQLITE_CONNECT_ARGS, **kwargs)
            _configure_sqlite(engine)
        else:
            connect_args = {"connect_timeout": 5, "application_name": "academy"}
            engine = sa.create_engine(url, connect_args=connect_args, **kwargs)
            _ping_when_idle(engine)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise ConfigError(
            f"ACADEMY_DATABASE_URL needs a driver that is not installed ({exc}); "
            "use postgresql+psycopg:// for PostgreSQL."
        ) from None
    return engine


def sqlite_file(url: URL) -> Path | None:
    """The file of an SQLite URL; None for one in memory (or another engine's URL)."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def _configure_sqlite(engine: Engine, *, read_only: bool = False) -> None:
    """read_only: the event loop's reads (Database.loop_reads), which run without a transaction: SQLite
    refuses a write there (a write belongs in a worker thread's turn, under the writer lock)."""
    in_memory = engine.url.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, see the module docstring
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # A small page cache per connection (the default is 2 MB): the operating system caches the
            # file for all of them, and a process keeps a dozen connections.
            cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")
        if read_only:
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    writers = WriterLock(sqlite_file(engine.url))

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        options = conn.get_execution_options()
        if not options.get("academy_write"):
            if options.get("academy_snapshot", True):
                conn.exec_driver_sql("BEGIN DEFERRED")
            # else each statement is its own read, in SQLite's autocommit (Database.session)
            return
        dbapi_connection = conn.connection.dbapi_connection
        if not isinstance(dbapi_connection, WriterConnection):  # checked before the lock is taken
            raise TypeError("a writing SQLite engine needs SQLITE_CONNECT_ARGS (app.db.create_engine)")
        writers.acquire()
        dbapi_connection.writer_lock = writers  # freed by its COMMIT or ROLLBACK, once that has run
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            dbapi_connection.free_writer_lock()
            raise


class WriterConnection(sqlite3.Connection):
    """An SQLite connection that frees this process's writer lock (WriterLock) when its COMMIT or
    ROLLBACK has run, whoever calls it (the session, the pool's reset on checkin, a close).

    SQLAlchemy's commit and rollback events come before the statement: a lock freed there let the next
    writer's BEGIN IMMEDIATE meet the SQLite lock still held, and sleep in SQLite's busy handler (1, 2,
    5 … ms), the wait WriterLock is there to avoid (docs/performance.md)."""

    writer_lock: WriterLock | None = None

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.free_writer_lock()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.free_writer_lock()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.free_writer_lock()

    def free_writer_lock(self) -> None:
        lock, self.writer_lock = self.writer_lock, None
        if lock is not None:
            lock.release()


# check_same_thread off: a pooled connection serves whichever worker thread takes it, one at a time.
SQLITE_CONNECT_ARGS: dict[str, Any] = {"check_same_thread": False, "factory": WriterConnection}


class WriterLock:
    """One writing transaction at a time on an SQLite database, in this process and across the processes
    that share its file (gunicorn's workers), taken before BEGIN IMMEDIATE and freed when it ends.

    Without it writers waited in SQLite's busy handler, which sleeps longer at each retry (1, 2, 5 … 100
    ms) while a writer of the same process, woken the moment the lock was free, took it again: under load
    15 ms writes took two seconds in this process, and the other process's writers starved (p95 of 0.9-1.5
    s for a progress event at 10 clients on two processes; docs/performance.md). Here the writers of one
    process queue on a thread lock, and only the one at its head waits for the other processes, blocked
    in flock(2) on a file beside the database, which the kernel hands over the moment it is unlocked (and
    frees if its holder dies). Its wait is as long as another process's one transaction; the writers
    behind it wait their turn as before (Database.run bounds that with 503). Processes that do not take it
    (a command run by hand) still meet the others at SQLite's own lock, as before. In memory: the thread
    lock only. Freed when the transaction's COMMIT or ROLLBACK has run (WriterConnection), by whichever
    thread ran it; the thread that holds it may take it again (a nested writer)."""

    def __init__(self, database_file: Path | None) -> None:
        self._turn = threading.Condition()
        self._owner: int | None = None  # the thread that took it: it may take it again (a nested writer)
        self._depth = 0
        self._path = database_file.with_name(database_file.name + "-writer") if database_file else None
        self._fd: int | None = None
        self._pid = 0

    def acquire(self) -> None:
        me = threading.get_ident()
        with self._turn:
            if self._owner == me:
                self._depth += 1
                return
            while self._owner is not None:
                self._turn.wait()
            self._owner, self._depth = me, 1
        if self._path is None:
            return
        try:
            fcntl.flock(self._file(), fcntl.LOCK_EX)
        except BaseException:
            self._free()
            raise

    def release(self) -> None:
        """Freed by whichever thread ends the transaction: usually the one that began it, but a session
        closed elsewhere (app.db.get_session) rolls back in another thread."""
        with self._turn:
            self._depth -= 1
            if self._depth > 0:
                return
            if self._fd is not None and self._path is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            self._owner = None
            self._turn.notify()

    def _free(self) -> None:
        """After a failed flock: the thread lock only (the file's lock was not taken)."""
        with self._turn:
            self._owner, self._depth = None, 0
            self._turn.notify()

    def _file(self) -> int:
        """This process's own descriptor: one inherited through fork shares its lock with the parent."""
        if self._fd is None or self._pid != os.getpid():
            assert self._path is not None
            create_private(self._path)
            self._fd, self._pid = os.open(self._path, os.O_RDWR), os.getpid()
        return self._fd


PING_AFTER_IDLE_S = 2.0


def _ping_when_idle(engine: Engine) -> None:
    """Before a pooled PostgreSQL connection is handed out, make sure it is alive, if it has lain
    unused for more than PING_AFTER_IDLE_S: one that answered a moment ago is not asked again.

    SQLAlchemy's pool_pre_ping asks every time: a round trip on every checkout, two for every signed-in
    request (her session's lookup, then the page), a fifth of a lesson page's time on PostgreSQL
    (docs/performance.md). A connection that a restart of the server broke while it was in use or
    lately used fails its next statement instead: that request is answered 503 with Retry-After (as in
    any outage), SQLAlchemy then drops every connection of the pool, and the next ones connect anew."""

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _fresh(_dbapi: Any, record: Any) -> None:
        record.info["academy_returned"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get("academy_returned")
        if returned is not None and time.monotonic() - returned <= PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise sa.exc.DisconnectionError() from exc  # the pool connects anew, up to three times


def describe_connection_error(exc: BaseException, url: URL | str) -> str:
    """One line that says what is wrong with reaching the database and what to do."""
    url = make_url(url) if isinstance(url, str) else url
    where = url.render_as_string(hide_password=True)
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    reason = detail[0] if detail else exc.__class__.__name__
    if url.get_backend_name() == "sqlite":
        return (
            f"cannot open the SQLite database {url.database} ({reason}); "
            "check ACADEMY_DATABASE_URL and ACADEMY_DATA_DIR."
        )
    return (
        f"cannot connect to the database at {where} ({reason}); "
        "check that PostgreSQL is running and that ACADEMY_DATABASE_URL is right."
    )


def each_statement_alone(engine: Engine) -> Engine:
    """`engine` for reads that need no single snapshot and write nothing: each statement sees what was
    committed when it ran, with no BEGIN or ROLLBACK around it (SQLite: no BEGIN, _configure_sqlite;
    PostgreSQL: autocommit). Whatever `engine` was (a writing session's, say), it writes nothing."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(academy_write=False, academy_snapshot=False)
    return engine.execution_options(academy_write=False, isolation_level="AUTOCOMMIT")


def _turn(context: contextvars.Context, work: Callable[..., T], args: tuple[Any, ...]) -> T:
    """`work(*args)` in the request's context, in a worker thread. Two exceptions cannot cross back to
    the event loop as themselves (asyncio's futures take StopIteration for the end of a coroutine, and a
    thread pool's CancelledError for a cancellation): they come back as a RuntimeError, an error."""
    try:
        return context.run(work, *args)
    except (StopIteration, concurrent.futures.CancelledError) as exc:
        raise RuntimeError(f"a worker thread's work raised {exc!r}") from exc


class Database:
    """An engine, the session factories for reading and for writing requests, and the worker threads
    that may hold its connections (`run`)."""

    def __init__(self, engine: Engine, *, threads: int = 4, queue_timeout: float = 5.0) -> None:
        self.engine = engine
        self.threads = threads
        self.queue_timeout = queue_timeout
        # The worker threads (_worker_threads). Their line is the pool's own queue: first come, first
        # served, and at most `threads` turns at once in this process, whatever the event loop.
        self._threads: tuple[ThreadPoolExecutor | None, int] = (None, 0)
        self._threads_lock = threading.Lock()
        # SQLite reads and ends transactions inside this process (see loop_reads)
        self.local = engine.dialect.name == "sqlite"
        self._loop_reads: Engine | None = None
        self._loop_statements: Engine | None = None
        self._loop_reads_lock = threading.Lock()
        self.read_sessions = sessionmaker(engine, expire_on_commit=False)
        self.write_sessions = sessionmaker(
            engine.execution_options(academy_write=True), expire_on_commit=False
        )
        # A lookup is one SELECT, its own snapshot: in autocommit it costs that one statement, not BEGIN
        # and ROLLBACK around it as well (on PostgreSQL two round trips). The same for the reads that
        # need no single snapshot (`session(snapshot=False)`).
        self._autocommit = each_statement_alone(engine)
        self.statement_sessions = sessionmaker(self._autocommit, expire_on_commit=False)

    def session(self, *, write: bool = False, snapshot: bool = True) -> Session:
        """A session for writing, for reading in one snapshot (one transaction), or, with
        snapshot=False, for reads that need none: each statement then sees what was committed when it
        ran, without BEGIN and ROLLBACK (on PostgreSQL two round trips of a four-query page; on SQLite
        two statements less)."""
        if write:
            return self.write_sessions()
        return (self.read_sessions if snapshot else self.statement_sessions)()

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """`work(*args)` in a worker thread: the one way a request's work that may touch the database
        leaves the event loop (plain `def` routes go through it too: app/routing.py).

        At most `threads` at once in this process; the rest wait their turn in order, and one that has
        waited `queue_timeout` seconds is refused with `Busy` (503 and Retry-After) instead of joining
        an ever longer line. Each turn takes at most two pooled connections (the request's session and
        a short writer beside it) and gives them back before it ends, so with a pool of twice as many
        connections as threads a turn never waits for a connection, and nothing holds a connection
        while it waits for a turn: the two can never wait on each other (docs/architecture.md).

        The line is the thread pool's own queue, and a turn still in it when its time is up is taken
        out of it (a turn that has started runs to its end). A turn costs less than half of what it
        did through anyio's threads, a capacity limiter and cancel scopes (docs/performance.md).
        The work runs in a copy of the request's context (its language, say). Should the request be
        cancelled (she has gone) while its turn runs, the request ends only after the turn has, so that
        nothing else (the session's dependency closing it, say) touches what the turn still uses; a
        turn still in line is taken out of it."""
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        cancelled_before = task.cancelling() if task is not None else 0
        turn = self._worker_threads().submit(_turn, contextvars.copy_context(), work, args)
        refused = False

        def refuse() -> None:
            nonlocal refused
            refused = turn.cancel()  # False once the turn has started (the two hold the same lock)

        timer = loop.call_later(self.queue_timeout, refuse)
        try:
            return await asyncio.wrap_future(turn, loop=loop)
        except asyncio.CancelledError:
            if refused and (task is None or task.cancelling() == cancelled_before):
                raise Busy() from None
            # She has gone while her turn ran: it still ends before her request does.
            with anyio.CancelScope(shield=True):
                while not turn.done():
                    try:
                        await asyncio.wait([asyncio.wrap_future(turn, loop=loop)])
                    except asyncio.CancelledError:
                        pass  # cancelled again, by asyncio itself: still waiting for the turn
            raise
        finally:
            timer.cancel()

    def _worker_threads(self) -> ThreadPoolExecutor:
        """This process's worker threads: made on the first turn, and again in a process forked after
        that (the threads do not come with a fork, and the pool would wait for them for ever)."""
        threads, pid = self._threads
        if threads is None or pid != os.getpid():
            with self._threads_lock:
                threads, pid = self._threads
                if threads is None or pid != os.getpid():
                    threads = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="academy-turn")
                    self._threads = (threads, os.getpid())
        return threads

    async def look_up(self, work: Callable[[sa.Connection], T]) -> T:
        """`work(connection)` on a plain connection, no ORM session: the lookups every request makes
        (her session or token). On the event loop for SQLite (loop_reads), in a turn for PostgreSQL."""
        engine = self.loop_reads(snapshot=False)
        if engine is not None:
            with engine.connect() as connection:
                return work(connection)

        def in_thread() -> T:
            with self._autocommit.connect() as connection:
                return work(connection)

        return await self.run(in_thread)

    def loop_reads(self, *, snapshot: bool = True) -> Engine | None:
        """SQLite only: an engine for reads to run on the event loop itself rather than in a worker
        thread: finding each request's session, and the pages that only read (`read` below).

        In WAL mode a read does not wait for writers, and there is no network: a lookup by an indexed key
        takes a fraction of the trip to a thread and back (about 0.5 ms of a 3 ms lesson page,
        docs/performance.md). SQLite makes a reader wait only at moments no request causes (another
        process recovering the log after a crash, say). Its connections are one per thread
        (SingletonThreadPool: a process has one event loop, so one connection), outside the request pool,
        so taking one never waits for a request to give one back. None for PostgreSQL (a round trip) and
        for an in-memory database (another connection would see another database). snapshot=False: each
        statement its own read, no BEGIN or COMMIT (see Database.session)."""
        if not self.local or self.engine.url.database in (None, "", ":memory:"):
            return None
        with self._loop_reads_lock:
            if self._loop_reads is None:
                engine = sa.create_engine(
                    self.engine.url, poolclass=SingletonThreadPool, connect_args=SQLITE_CONNECT_ARGS
                )
                _configure_sqlite(engine, read_only=True)
                self._loop_statements = each_statement_alone(engine)
                self._loop_reads = engine
            return self._loop_reads if snapshot else self._loop_statements

    @contextmanager
    def listening(self, identifier: str, listener: Callable[..., Any]) -> Iterator[None]:
        """Listen to an engine event (`before_cursor_execute`, to count a page's queries) on every engine
        this database runs statements through, the loop's included, until the block ends."""
        loop = self.loop_reads()
        engines = [self.engine] if loop is None else [self.engine, loop]
        for engine in engines:
            event.listen(engine, identifier, listener)
        try:
            yield
        finally:
            for engine in engines:
                event.remove(engine, identifier, listener)

    def write_aside(self, work: Callable[[Session], T]) -> T:
        """`work(session)` in a short writing transaction of its own, committed at once: for the few
        writes that are not the request's own work and must stand whatever the request does next (a
        page that records a first view or marks a thread read; a rate limit's count). Call it in a
        worker thread's turn. On SQLite, call it before the request's own writing session has begun
        (that one holds this process's write lock until it ends)."""
        with self.session(write=True) as session:
            result = work(session)
            session.commit()
            return result

    async def note(self, work: Callable[[Session], object]) -> None:
        """A write only worth having (a session's or a token's last use, a lesson's first view, what she
        has read of a thread): `work` in a short transaction of its own (write_aside) in a worker
        thread's turn, skipped in an outage (app.errors.as_unavailable: no turn free in time, the
        database unreachable or locked) rather than failing a request that has what it came for; it is
        made at her next visit. Any other failure is a bug, and raised."""
        try:
            await self.run(self.write_aside, work)
        except Exception as exc:
            if as_unavailable(exc) is None:
                raise

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    def dispose(self) -> None:
        """Close the connections (like the engine, it may be used again). The worker threads stay: idle,
        they hold nothing, and they end with the Database (or with the process)."""
        self.engine.dispose()
        if self._loop_reads is not None:
            self._loop_reads.dispose()


def dialect_insert(session: Session | str) -> Any:
    """The dialect's INSERT (PostgreSQL's or SQLite's), which knows ON CONFLICT ... DO UPDATE/NOTHING;
    for a session or a dialect's name."""
    name = session if isinstance(session, str) else session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert  # not loaded for SQLite

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


async def read(request: Request, work: Callable[[Session], T], *, snapshot: bool = True) -> T:
    """`work(session)` with a reading session, for a page that only reads: on SQLite on the event loop,
    through the loop's own connection (`Database.loop_reads`), in one go with nothing awaited in between
    (so no other request meets the connection mid-transaction); on PostgreSQL in a worker thread with a
    pooled session. Whatever `work` returns must not need the session afterwards (no lazy loads).

    The trip to a worker thread and back cost a lesson page about 0.5 ms of its 3 (docs/performance.md).
    A page that may write uses get_session, or does its write in a thread of its own. snapshot=False:
    see Database.session."""
    database: Database = request.app.state.database
    engine = database.loop_reads(snapshot=snapshot)
    if engine is not None:
        with seeded(Session(engine), request) as session:
            return work(session)

    def in_thread() -> T:
        with seeded(database.session(snapshot=snapshot), request) as session:
            return work(session)

    return await database.run(in_thread)


@contextmanager
def beside(session: Session) -> Iterator[sa.Connection]:
    """A connection of `session`'s database for a read that must not begin the session's transaction:
    each statement its own read (no BEGIN; autocommit on PostgreSQL). On SQLite a writing session's
    transaction holds the writer lock of every process, so what comes before its first statement (a
    password's check, tens of milliseconds) should not be inside it. The session's own uncommitted work
    is not seen: use it before the session has begun."""
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, sa.Connection) else bind
    with each_statement_alone(engine).connect() as connection:
        yield connection


def seeded(session: Session, request: Request) -> Session:
    """A session of this request, its `info` starting with what the request's state holds for it
    (SESSION_INFO)."""
    session.info.update(request.scope.get("state", {}).get(SESSION_INFO, ()))
    return session


def after_commit(session: Session, action: Callable[[], None]) -> None:
    """Run `action` once the session's work is committed, and never if it is rolled back (an email
    about an account that was never saved must not go out)."""
    session.info.setdefault(AFTER_COMMIT, []).append(action)


def commit(session: Session) -> None:
    """Commit the session's work, then run what waited for it (after_commit). The one commit of a
    request (app/routing.py), of a command, or of a job."""
    session.commit()
    for action in session.info.pop(AFTER_COMMIT, []):
        action()


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's session: its one unit of work. The route's turn commits it when the route
    returned and rolls it back when it raised (app/routing.py); services only add and flush.

    Async, so that opening it costs no trip to a worker thread (a session connects only when first
    used, in the route's turn of the worker threads, which closes it before the turn ends:
    app/routing.py). Should one still hold a connection here, it is closed in a thread outside the
    worker threads' turns, never waiting for one while it holds a connection (Database.run): on
    PostgreSQL a rollback is a round trip, and on SQLite a writing session holds this process's write
    lock, which the thread that took it must free."""
    database: Database = request.app.state.database
    write = request.method in WRITE_METHODS
    session = seeded(database.session(write=write), request)
    try:
        yield session
    finally:
        if session.in_transaction() and (write or not database.local):
            with anyio.CancelScope(shield=True):  # a client gone away must not leak the connection
                await anyio.to_thread.run_sync(session.close, limiter=anyio.CapacityLimiter(1))
        else:
            session.close()
