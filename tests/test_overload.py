"""Under load the server slows, never freezes (issue 16): a real uvicorn in this process, with one worker
thread and a pool of two connections, more concurrent requests than both, in every way a phone or a
browser asks (cookie or bearer token; a page, an API read, an API write). Every request is answered, 2xx
or 503 with Retry-After, within a generous bound (a guard against a freeze, not a timing test), and
nothing acknowledged is lost."""

from __future__ import annotations

import asyncio
import contextvars
import http.client
import json
import multiprocessing
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import anyio
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.config import Settings
from app.db import Database
from app.errors import Busy
from app.learning.models import ProgressEvent
from app.main import create_app
from tests.at_once import AtOnce
from tests.conftest import is_postgres
from tests.factories import create_user, enrol, sync_course
from tests.live import in_a_loop, serving

GUARD_SECONDS = 60  # a frozen server would hold requests for ever; a slow machine still answers in this
COURSE = "example-course"
LESSON = "first-steps"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float


def ask(
    base: str, method: str, path: str, headers: dict[str, str] | None = None, body: object = None
) -> Answer:
    """One request on a connection of its own; a server that never answers fails the test."""
    started = time.monotonic()
    connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=GUARD_SECONDS)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        sent = dict(headers or {})
        if payload is not None:
            sent["Content-Type"] = "application/json"
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        return Answer(
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            response.read(),
            time.monotonic() - started,
        )
    finally:
        connection.close()


@dataclass
class Learner:
    cookie: dict[str, str]  # a signed-in browser: session cookie and the CSRF header for the API
    bearer: dict[str, str]  # a phone: its API token


@pytest.fixture
def learner(session: Session, settings: Settings) -> Learner:
    course = sync_course(session, settings)
    user = create_user(session, settings)
    enrol(session, user, course)
    cookie_token = accounts_service.start_session(session, settings=settings, user=user)
    _row, api_token = accounts_service.create_api_token(session, user=user, name="phone")
    session.commit()
    return Learner(
        cookie={"Cookie": f"academy_session={cookie_token}"},
        bearer={"Authorization": f"Bearer {api_token}"},
    )


def small(settings: Settings, *, queue_timeout: float) -> Settings:
    """One worker thread, so a pool of two connections: far fewer than the requests sent at once."""
    return settings.model_copy(update={"worker_threads": 1, "queue_timeout": queue_timeout})


def with_csrf(base: str, learner: Learner) -> dict[str, str]:
    page = ask(base, "GET", "/my", learner.cookie)
    assert page.status == 200
    match = re.search(rb'name="csrf_token" value="([^"]+)"', page.body)
    assert match, "no CSRF token on /my"
    return {**learner.cookie, "X-CSRF-Token": match.group(1).decode()}


def progress(event_id: str) -> dict[str, object]:
    return {"events": [{"id": event_id, "lesson": f"{COURSE}/{LESSON}", "type": "completed"}]}


def kinds(base: str, learner: Learner) -> dict[str, tuple[str, str, dict[str, str], bool]]:
    """Each way of asking: (method, path, headers, sends a progress event)."""
    browser_api = with_csrf(base, learner)
    return {
        "cookie, lesson page": ("GET", f"/courses/{COURSE}/{LESSON}", learner.cookie, False),
        "cookie, page": ("GET", "/my", learner.cookie, False),
        "cookie, API read": ("GET", "/api/v1/me/enrolments", learner.cookie, False),
        "cookie, API write": ("POST", "/api/v1/progress", browser_api, True),
        "bearer, API read": ("GET", "/api/v1/me/enrolments", learner.bearer, False),
        "bearer, API progress read": ("GET", f"/api/v1/me/progress?course={COURSE}", learner.bearer, False),
        "bearer, API write": ("POST", "/api/v1/progress", learner.bearer, True),
    }


def test_more_requests_than_threads_and_connections_are_all_answered(
    settings: Settings, database: Database, learner: Learner
) -> None:
    app = create_app(small(settings, queue_timeout=10))
    with serving(app, lifespan="on") as base:
        ways = kinds(base, learner)
        counter = iter(range(1_000_000))
        lock = threading.Lock()

        def one(kind: str) -> tuple[str, Answer, str | None]:
            method, path, headers, writes = ways[kind]
            event_id = None
            if writes:
                with lock:
                    event_id = f"burst-{next(counter)}"
            return kind, ask(base, method, path, headers, progress(event_id) if event_id else None), event_id

        burst = [kind for kind in ways for _ in range(8)]  # 56 at once, against 1 thread and 2 connections
        with ThreadPoolExecutor(len(burst)) as pool:
            answers = list(pool.map(one, burst, timeout=GUARD_SECONDS))

        for kind, answer, _event in answers:
            assert answer.status in (200, 503), (kind, answer.status, answer.body[:300])
            if answer.status == 503:
                assert int(answer.headers["retry-after"]) > 0, kind
        # Nothing acknowledged is lost: every event a 200 accepted is stored, once.
        accepted = {
            event
            for _kind, answer, event in answers
            if event
            and answer.status == 200
            and json.loads(answer.body)["results"][0]["status"] == "accepted"
        }
        with database.session() as check:
            stored = set(check.scalars(sa.select(ProgressEvent.client_event_id)))
        assert accepted <= stored
        # When the load has gone, the next request of every kind is served at once.
        for number, (kind, (method, path, headers, writes)) in enumerate(ways.items()):
            answer = ask(base, method, path, headers, progress(f"after-{number}") if writes else None)
            assert answer.status == 200, (kind, answer.body[:300])


@contextmanager
def write_lock_held(database: Database) -> Iterator[None]:
    """Another connection holds what a progress event must write (SQLite's write lock; on PostgreSQL the
    progress table), so the request that sends one keeps its worker thread until the block ends."""
    with database.session(write=True) as holder:
        if is_postgres():
            holder.execute(sa.text("LOCK TABLE progress_event IN EXCLUSIVE MODE"))
        else:
            holder.execute(sa.text("SELECT 1"))  # BEGIN IMMEDIATE: the write lock
        yield
        holder.rollback()


def test_with_every_thread_busy_requests_get_503_soon_and_the_server_recovers(
    settings: Settings, database: Database, learner: Learner
) -> None:
    app = create_app(small(settings, queue_timeout=0.5))
    with serving(app, lifespan="on") as base, ThreadPoolExecutor(2) as pool:
        with write_lock_held(database):
            stuck = pool.submit(ask, base, "POST", "/api/v1/progress", learner.bearer, progress("stuck-1"))
            time.sleep(1.5)  # it has taken the only worker thread, and waits for the lock
            assert not stuck.done()

            api = ask(base, "GET", "/api/v1/courses", {**learner.bearer, "Accept-Language": "en"})
            page = ask(base, "GET", "/account", {**learner.cookie, "Accept-Language": "ru"})
            # Her own reads need no worker thread on SQLite (app.db.read reads on the event loop): the
            # phone's, the pages she opens most and the boards; served all the same. On PostgreSQL they
            # take turns.
            reads = [
                ask(base, "GET", "/api/v1/me/enrolments", learner.bearer),
                *(
                    ask(base, "GET", path, learner.cookie)
                    for path in (
                        *("/", "/courses", f"/courses/{COURSE}", f"/courses/{COURSE}/{LESSON}", "/my"),
                        *("/discussions", f"/discussions/courses/{COURSE}"),
                    )
                ),
            ]

        assert stuck.result(timeout=GUARD_SECONDS).status == 200  # the lock went: it was served
        for mine in reads:
            assert mine.status == (503 if is_postgres() else 200) and mine.seconds < 5
        for answer in (api, page):
            assert answer.status == 503
            assert answer.headers["retry-after"] == "5"
            assert answer.seconds < 5  # the queue's timeout (0.5 s), never the pool's 30 s and a 500
        assert json.loads(api.body)["detail"].startswith("Too many people")
        assert "text/html" in page.headers["content-type"]
        assert "Слишком много" in page.body.decode()  # translated: the learner reads Russian
        assert ask(base, "GET", "/api/v1/me/enrolments", learner.bearer).status == 200


class TestTurns:
    """Database.run: at most `threads` at once; a wait longer than the queue's timeout is refused."""

    def test_a_turn_waits_in_line_then_is_refused(self) -> None:
        database = Database(sa.create_engine("sqlite://"), threads=1, queue_timeout=0.3)
        outcome: list[str] = []

        async def main() -> None:
            async def long() -> None:
                await database.run(time.sleep, 1.0)
                outcome.append("long done")

            async with anyio.create_task_group() as group:
                group.start_soon(long)
                await anyio.sleep(0.1)
                with pytest.raises(Busy):
                    await database.run(lambda: None)
                outcome.append("refused")
            assert await database.run(lambda: "served") == "served"
            outcome.append("served")

        in_a_loop(main)
        assert outcome == ["refused", "long done", "served"]

    def test_turns_come_in_order_up_to_the_thread_count(self) -> None:
        database = Database(sa.create_engine("sqlite://"), threads=2, queue_timeout=5)
        work = AtOnce()

        async def main() -> None:
            async with anyio.create_task_group() as group:
                for _ in range(8):
                    group.start_soon(database.run, work)

        in_a_loop(main)
        assert work.peak == 2

    def test_a_turn_runs_in_the_requests_context(self) -> None:
        """The work sees what the request set (her language, say), and its changes stay in the turn."""
        database = Database(sa.create_engine("sqlite://"), threads=1, queue_timeout=5)
        language: contextvars.ContextVar[str] = contextvars.ContextVar("language", default="en")

        def work() -> str:
            seen = language.get()
            language.set("changed in the turn")
            return seen

        async def main() -> tuple[str, str]:
            language.set("ky")
            return await database.run(work), language.get()

        assert in_a_loop(main) == ("ky", "ky")

    def test_a_request_that_goes_while_in_line_is_cancelled_not_refused(self) -> None:
        """She has gone (the request is cancelled) while her turn waited: the turn never runs, and the
        request ends as cancelled, not as Busy; the line goes on."""
        database = Database(sa.create_engine("sqlite://"), threads=1, queue_timeout=5)
        ran: list[str] = []

        async def main() -> str:
            async with anyio.create_task_group() as group:
                group.start_soon(database.run, time.sleep, 0.3)
                await anyio.sleep(0.05)
                with anyio.move_on_after(0.05) as gone:
                    await database.run(ran.append, "the gone request's work")
                assert gone.cancelled_caught
            return await database.run(lambda: "served")

        assert in_a_loop(main) == "served"
        assert ran == []

    def test_disposed_it_still_serves(self) -> None:
        """The app's shutdown disposes of the database; a test or a command may use it again."""
        database = Database(sa.create_engine("sqlite://"), threads=1, queue_timeout=5)
        assert in_a_loop(lambda: database.run(lambda: 1)) == 1
        database.dispose()
        assert in_a_loop(lambda: database.run(lambda: 2)) == 2

    def test_a_request_that_goes_while_its_turn_runs_ends_after_the_turn(self) -> None:
        """Cancelled mid-turn, the request waits for its turn to end before it unwinds: the turn's
        session is never closed by the request's dependency while the turn still uses it."""
        database = Database(sa.create_engine("sqlite://"), threads=1, queue_timeout=5)
        events: list[str] = []
        work = _slow_turn(events)

        async def main() -> None:
            with anyio.move_on_after(0.05):
                await database.run(work)
            events.append("request unwound")

        in_a_loop(main)
        assert events == ["turn ended", "request unwound"]

    def test_work_that_raises_stop_iteration_is_an_error_not_a_hang(self) -> None:
        """StopIteration (next() on an empty iterator) cannot cross to the event loop as itself: the
        request gets a RuntimeError (a 500 and a log line), not a wait for ever."""
        database = Database(sa.create_engine("sqlite://"), threads=1, queue_timeout=5)

        async def main() -> None:
            with anyio.fail_after(5):
                with pytest.raises(RuntimeError, match="StopIteration"):
                    await database.run(next, iter(()))

        in_a_loop(main)

    def test_a_process_forked_after_a_turn_has_worker_threads_of_its_own(self) -> None:
        """A gunicorn worker forked from a process that had taken turns (with --preload) gets threads
        of its own: the parent's do not come with the fork."""
        database = Database(sa.create_engine("sqlite://"), threads=1, queue_timeout=2)
        assert in_a_loop(lambda: database.run(lambda: "parent")) == "parent"
        fork = multiprocessing.get_context("fork")
        answers = fork.Queue()
        child = fork.Process(target=_turn_in_child, args=(database, answers))
        child.start()
        child.join(30)
        assert answers.get(timeout=5) == "child served"

    def test_cancelled_twice_while_its_turn_runs_it_still_ends_after_the_turn(self) -> None:
        """asyncio's own cancellation, twice (a server shutting down may cancel again): the request
        still unwinds only after its turn has ended."""
        database = Database(sa.create_engine("sqlite://"), threads=1, queue_timeout=5)
        events: list[str] = []
        work = _slow_turn(events)

        async def main() -> None:
            async def request() -> None:
                try:
                    await database.run(work)
                finally:
                    events.append("request unwound")

            task = asyncio.ensure_future(request())
            for _ in range(2):
                await asyncio.sleep(0.05)
                task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

        in_a_loop(main)
        assert events == ["turn ended", "request unwound"]


def _slow_turn(events: list[str]) -> Callable[[], None]:
    """A turn's work that takes 0.3 s and notes when it has ended."""

    def work() -> None:
        time.sleep(0.3)
        events.append("turn ended")

    return work


def _turn_in_child(database: Database, answers: multiprocessing.Queue[str]) -> None:
    try:
        answers.put(asyncio.run(database.run(lambda: "child served")))
    except Exception as exc:  # the test shows what went wrong
        answers.put(repr(exc))
