"""A served process stops within 10 seconds of SIGTERM whatever is in flight (issue 16): `academy serve`
and the container's gunicorn, each with a request stuck on a lock it cannot get and more waiting in line
for the one worker thread. The ones in line are answered (2xx, or 503 once they have waited their time)
before the process goes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from app import migrate
from app.accounts import service as accounts_service
from app.config import Settings
from app.db import Database, create_engine
from tests.conftest import fresh_database_url
from tests.factories import create_user, enrol, sync_course
from tests.test_cli import environment, free_port
from tests.test_overload import Answer, ask, progress, write_lock_held

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
STOP_WITHIN = 10


@dataclass
class Served:
    database: Database
    bearer: dict[str, str]  # a learner's phone
    env: dict[str, str]  # for the server: one worker thread, a short line, two processes under gunicorn


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """A fresh database (SQLite file, or PostgreSQL schema) with a learner and her API token."""
    url = fresh_database_url("stopping", tmp_path)
    migrate.upgrade(url)
    database = Database(create_engine(url))
    settings = Settings(_env_file=None, data_dir=tmp_path, database_url=url)  # type: ignore[call-arg]
    with database.session(write=True) as session:
        course = sync_course(session, settings)
        user = create_user(session, settings)
        enrol(session, user, course)
        _row, token = accounts_service.create_api_token(session, user=user)
        session.commit()
    env = environment(tmp_path, database_url=url, worker_threads="1", queue_timeout="2", workers="2")
    yield Served(database, {"Authorization": f"Bearer {token}"}, env)
    database.dispose()


class Server:
    """A server in a process of its own, with what it logs collected as it goes."""

    def __init__(self, command: list[str], served: Served, *, processes: int) -> None:
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        env = {**served.env, "PORT": str(port)}  # PORT: gunicorn's configuration reads it
        self.process = subprocess.Popen(
            [part.replace("{port}", str(port)) for part in command],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.wait_until_up(processes)

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)

    @property
    def log(self) -> str:
        return "".join(self.lines)

    def wait_until_up(self, processes: int) -> None:
        """Every process has started its app (a request to one would not say the others are ready)."""
        deadline = time.monotonic() + 60
        while self.log.count("Application startup complete") < processes:
            assert self.process.poll() is None and time.monotonic() < deadline, self.log[-3000:]
            time.sleep(0.1)
        # uvicorn says its application started before it listens: ask until the socket answers.
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=10) as response:
                    assert response.status == 200
                    return
            except urllib.error.URLError:
                assert self.process.poll() is None and time.monotonic() < deadline, self.log[-3000:]
                time.sleep(0.1)

    def stop(self) -> float:
        """SIGTERM; the seconds until the process is gone."""
        signalled = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_WITHIN + 5)
        finally:
            stopped = time.monotonic() - signalled
            if self.process.poll() is None:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            self.reader.join(timeout=10)
        return stopped


def stop_under_load(command: list[str], served: Served, *, processes: int) -> None:
    server = Server(command, served, processes=processes)
    base, bearer = server.base, served.bearer
    try:
        with write_lock_held(served.database), ThreadPoolExecutor(12) as pool:
            stuck = [
                pool.submit(ask, base, "POST", "/api/v1/progress", bearer, progress(f"stuck-{n}"))
                for n in range(4)
            ]
            time.sleep(0.5)  # one holds a worker thread on the lock; the others wait in line
            queued: list[Future[Answer]] = [
                pool.submit(ask, base, "GET", "/api/v1/me/enrolments", bearer) for _ in range(6)
            ]
            time.sleep(0.5)
            stopped = server.stop()
            statuses = [future.result(timeout=5).status for future in queued]
            for future in stuck:
                future.exception(timeout=5)  # each one ends, answered or cut off
    finally:
        if server.process.poll() is None:
            server.stop()
    log = server.log
    assert stopped < STOP_WITHIN, f"took {stopped:.1f} s to stop\n{log[-3000:]}"
    assert set(statuses) <= {200, 503}, statuses  # the queued were answered before the process went
    # What was cut off at the end of the drain is logged as cancelled; nothing was a crash.
    assert '"status": 500' not in log, log[-3000:]
    assert log.count("Traceback") == log.count("CancelledError: Task cancelled"), log[-3000:]


SERVE = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", "{port}"]
GUNICORN = [
    str(BIN / "gunicorn"),
    "--config",
    str(ROOT / "docker" / "gunicorn.conf.py"),
    "app.main:serve_app()",
]


def test_academy_serve_stops_within_ten_seconds(served: Served) -> None:
    stop_under_load(SERVE, served, processes=1)


def test_gunicorn_stops_within_ten_seconds(served: Served) -> None:
    stop_under_load(GUNICORN, served, processes=2)


def test_nothing_in_flight_stops_at_once(served: Served) -> None:
    assert Server(SERVE, served, processes=1).stop() < 3


def test_the_stop_guard_ends_a_process_that_hangs() -> None:
    """Without any server: a process whose main thread waits for ever still ends after the signal."""
    script = (
        "import signal, threading\n"
        "signal.signal(signal.SIGTERM, lambda signum, frame: None)  # a server that only notes the wish\n"
        "from app.serving import guard_stop\n"
        "guard_stop(1.0)\n"
        "print('ready', flush=True)\n"
        "threading.Event().wait()\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        assert time.monotonic() - signalled < 5
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=5)
