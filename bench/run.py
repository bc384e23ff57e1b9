"""The benchmark: load, weight, queries, memory and start-up, checked against the budgets.

    python -m bench.run --quick          # make bench-quick: about 4½ minutes on 2 cores
    python -m bench.run                  # make bench: the full sizes and longer runs

For each database (SQLite, then PostgreSQL) it makes a fresh database, loads the shipped courses and a
generated cohort, starts the app as in production (gunicorn, two uvicorn workers), and measures:

- throughput and latency with wrk at concurrency 10, 50 and 100 for the lesson page (signed in), the
  course page, the phone's API reads (GET /api/v1/me/enrolments and /api/v1/me/progress, bearer token),
  a progress event (POST /api/v1/progress), and the coordinator's overview and matrix;
- the same load on a bare FastAPI + Jinja page of the lesson page's size (bench/ceiling.py), so that every
  figure has a ratio that holds on a noisy machine;
- the same again on one `academy serve` process (the lesson page with a cookie, the API reads and a
  progress event with a bearer token) beside the bare page on one uvicorn process: the server must
  answer every request and keep answering; then each server is stopped with SIGTERM under load;
- page weight in Debian's Chromium: bytes over the wire (compressed, both ways, counted by a relay in
  front of the server, with what the offline layer's service worker fetches: bench/wire.py) and the
  page's requests, first and later visit; and what a whole course saved for offline use takes on the
  phone (`offline_course_bytes`);
- SQL queries per page at two data sizes (they must not grow);
- the peak memory of one app process under load (VmHWM) and what it holds after (VmRSS), and how soon
  `academy serve` answers.

It writes bench/report.json and bench/report.md and exits 1, naming each budget it missed.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from app.serving import EVENT_LOOP
from bench.wire import WireCounter

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WRK_SCRIPT = Path(__file__).with_name("wrk.lua")
CONCURRENCY = (10, 50, 100)
RATIO_AT = 50  # the concurrency at which throughput is compared with the ceiling
ENDPOINTS = (
    "lesson_page",
    "course_page",
    "api_enrolments",
    "api_progress",
    "progress_event",
    "overview",
    "matrix",
)
ONE_PROCESS = (
    "lesson_page",
    "api_enrolments",
    "api_progress",
    "progress_event",
)  # what phones and browsers do
KB = 1024
LOAD_KEYS = ("load", "ceiling", "load_one_process", "ceiling_one_process")  # wrk's runs, per database


@dataclass(frozen=True)
class Mode:
    name: str
    small: tuple[int, int, int]  # learners, lessons, events: for the query counts
    large: tuple[int, int, int]  # the cohort everything else runs on
    seconds: int  # per wrk run
    heavy_seconds: int  # per wrk run of a cohort page, which takes a tenth of a second or more alone
    matrix_runs: int


QUICK = Mode(
    "quick", small=(100, 60, 3_000), large=(500, 60, 30_000), seconds=2, heavy_seconds=2, matrix_runs=5
)
FULL = Mode(
    "full", small=(100, 60, 20_000), large=(500, 60, 1_000_000), seconds=10, heavy_seconds=10, matrix_runs=10
)

# (name, limit, "max" | "min", which database it applies to, what it means); a name may have a limit per
# database. Ratios are to the bare page (bench/ceiling.py) in the same run, under the same server.
BUDGETS: list[tuple[str, float, str, str, str]] = [
    ("lesson_page_bytes_first_visit", 60 * KB, "max", "any", "lesson page, first visit, bytes over the wire"),
    ("lesson_page_requests_first_visit", 6, "max", "any", "lesson page, first visit, requests"),
    ("lesson_page_bytes_later_visit", 15 * KB, "max", "any", "a later lesson page, bytes over the wire"),
    ("course_page_bytes_later_visit", 15 * KB, "max", "any", "a later course page, bytes over the wire"),
    (
        "catalogue_page_bytes_later_visit",
        15 * KB,
        "max",
        "any",
        "a later catalogue page, bytes over the wire",
    ),
    ("lesson_page_ceiling_ratio", 0.5, "min", "sqlite", "lesson page rps / bare page rps (c=50)"),
    ("lesson_page_ceiling_ratio", 0.3, "min", "postgresql", "lesson page rps / bare page rps (c=50)"),
    ("lesson_page_tail", 4, "max", "any", "lesson page p99 / p50 at c=50"),
    ("progress_event_ceiling_ratio", 0.25, "min", "sqlite", "progress event rps / bare page rps (c=50)"),
    ("progress_event_ceiling_ratio", 0.15, "min", "postgresql", "progress event rps / bare page rps (c=50)"),
    ("progress_event_p95_ms_at_10", 100, "max", "any", "progress event p95 at c=10, ms"),
    ("progress_event_queries", 6, "max", "any", "SQL queries of a progress event"),
    ("progress_batch_queries", 6, "max", "any", "SQL queries of a batch of 100 progress events"),
    (
        "api_enrolments_ceiling_ratio",
        0.5,
        "min",
        "any",
        "GET /api/v1/me/enrolments rps / bare page rps (c=50)",
    ),
    ("api_progress_ceiling_ratio", 0.5, "min", "any", "GET /api/v1/me/progress rps / bare page rps (c=50)"),
    ("api_enrolments_p95_ms", 100, "max", "any", "GET /api/v1/me/enrolments p95 at c=50, ms"),
    ("api_progress_p95_ms", 100, "max", "any", "GET /api/v1/me/progress p95 at c=50, ms"),
    ("matrix_ms", 300, "max", "postgresql", "matrix of 500 × 60 (median, PostgreSQL)"),
    ("peak_rss_mb", 100, "max", "any", "peak memory (VmHWM) of one app process after the load"),
    ("startup_s", 1.0, "max", "any", "from `academy serve` to the first answer, s"),
    ("startup_ratio", 1.5, "max", "any", "`academy serve`'s start / the bare page's start"),
    ("errors", 0, "max", "any", "failed or non-2xx responses under load"),
    ("unanswered", 0, "max", "any", "load runs after which the server did not answer within 60 s"),
    ("stop_s", 10, "max", "any", "from SIGTERM under load (c=100) to the process gone, worst server"),
    ("queries_grow", 0, "max", "any", "pages whose SQL query count grows with the data"),
]


# Processes and HTTP ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, *, timeout: float = 30.0) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return time.perf_counter() - started
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.02)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@contextmanager
def gunicorn(
    target: str, env: dict[str, str], *, workers: int = 2
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    command = [
        str(BIN / "gunicorn"),
        "-w",
        str(workers),
        "-k",
        "app.gunicorn_worker.Worker",
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--graceful-timeout",
        "9",
        target,
    ]
    with serving(command, env, f"http://127.0.0.1:{port}") as up:
        yield up


@contextmanager
def one_process(command: list[str], env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """One server process (`academy serve`, or the bare page under uvicorn) on a free port."""
    port = free_port()
    with serving(
        [part.replace("{port}", str(port)) for part in command], env, f"http://127.0.0.1:{port}"
    ) as up:
        yield up


@contextmanager
def serving(
    command: list[str], env: dict[str, str], base: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_until_up(base + "/healthz")
        yield base, process
    finally:
        if process.poll() is None:
            terminate(process, timeout=15)


def terminate(process: subprocess.Popen[bytes], *, timeout: float) -> float:
    """SIGTERM, then SIGKILL if it is still there after `timeout` seconds: the seconds it took to go."""
    signalled = time.perf_counter()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    return round(time.perf_counter() - signalled, 2)


# The bare page on one process, served as `academy serve` serves the app (uvicorn on asyncio's event loop,
# app/serving.py; no access log).
UVICORN_CEILING = [
    sys.executable, "-m", "uvicorn", "bench.ceiling:app", "--host", "127.0.0.1", "--port", "{port}",
    "--no-access-log", "--log-level", "warning", "--loop", EVENT_LOOP,
]  # fmt: skip


def stop_under_load(base: str, process: subprocess.Popen[bytes], path: str, env: dict[str, str]) -> float:
    """SIGTERM while 100 clients keep asking for `path`: the seconds until the process is gone (it must
    finish or refuse what is queued, and stop within 10 s whatever is in flight)."""
    command = [
        "wrk",
        "-t",
        "2",
        "-c",
        "100",
        "-d",
        "6s",
        "--timeout",
        "10s",
        "-s",
        str(WRK_SCRIPT),
        base + path,
    ]
    load = subprocess.Popen(
        command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        time.sleep(1.5)
        return terminate(process, timeout=30)
    finally:
        load.wait(timeout=30)


def same_size(result: dict[str, Any], tolerance: float = 0.05) -> None:
    """The bare page must weigh what the lesson page weighs, raw and compressed, or the ratio means little."""
    for kind in ("html", "gzip"):
        lesson, ceiling = result[f"lesson_page_{kind}_bytes"], result[f"ceiling_page_{kind}_bytes"]
        if abs(ceiling - lesson) > tolerance * lesson:
            raise SystemExit(f"bench: the bare page has {ceiling} {kind} bytes, the lesson page {lesson}")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def memory_mb(pids: list[int], field: str) -> float:
    """The highest of one memory figure of /proc/<pid>/status among these processes, in MB: "VmHWM" (the
    peak of resident memory) or "VmRSS" (what a process holds now)."""
    peaks = []
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(rf"{field}:\s+(\d+) kB", status)
        if match:
            peaks.append(int(match.group(1)) / 1024)
    return round(max(peaks, default=0.0), 1)


class Browser:
    """A cookie jar over urllib: enough to sign in and to fetch pages as one person."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}

    def request(
        self,
        path: str,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> tuple[int, bytes, dict[str, str]]:
        payload = urllib.parse.urlencode(data).encode() if data is not None else body
        request = urllib.request.Request(self.base + path, data=payload, headers=dict(headers or {}))
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        opener = urllib.request.build_opener(NoRedirect())
        try:
            response = opener.open(request, timeout=30)
            status, content, got = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, content, got = error.code, error.read(), error.headers
        for value in got.get_all("Set-Cookie") or []:
            name, _sep, rest = value.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return status, content, dict(got)

    def sign_in(self, email: str, password: str) -> None:
        _status, page, _h = self.request("/login")
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page)
        assert token, "no CSRF token on /login"
        status, _body, _h = self.request(
            "/login", {"email": email, "password": password, "csrf_token": token.group(1).decode()}
        )
        if status != 303:
            raise RuntimeError(f"could not sign in as {email} (HTTP {status})")

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


def signed_in(base: str) -> tuple[Browser, Browser, str]:
    """The generated learner and the coordinator, signed in at `base`, and an API token of the learner's."""
    from bench.generate import COORDINATOR, LEARNER_PASSWORD

    learner, coordinator = Browser(base), Browser(base)
    learner.sign_in("bench-0@example.org", LEARNER_PASSWORD)
    coordinator.sign_in(*COORDINATOR)
    _status, body, _h = learner.request(
        "/api/v1/tokens",
        body=json.dumps({"email": "bench-0@example.org", "password": LEARNER_PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    return learner, coordinator, json.loads(body)["token"]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def settle(base: str, *, timeout: float = 60.0) -> bool:
    """Wait until the app has worked off what an earlier run left queued (wrk closes its connections at
    the end, but the requests already read are still served): /healthz, which waits in the same queue,
    answers quickly twice in a row. False if it never does: a server that stopped answering."""
    deadline, quick = time.perf_counter() + timeout, 0
    while quick < 2 and time.perf_counter() < deadline:
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=timeout) as response:
                response.read()
            quick = quick + 1 if time.perf_counter() - started < 0.05 else 0
        except (urllib.error.URLError, OSError):
            quick = 0
        time.sleep(0.05)
    return quick >= 2


def wrk(url: str, *, connections: int, seconds: int, env: dict[str, str]) -> dict[str, Any]:
    command = [
        "wrk",
        "-t",
        "2",
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(WRK_SCRIPT),
        url,
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **env}, timeout=seconds + 60
    )
    line = next((line for line in result.stdout.splitlines() if line.startswith("{")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed: {result.stderr or result.stdout}")
    return json.loads(line)  # type: ignore[no-any-return]


# Data ---------------------------------------------------------------------------------------------


def environment(data_dir: Path, database_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ACADEMY_")}
    env |= {
        "ACADEMY_DATA_DIR": str(data_dir),
        "ACADEMY_DATABASE_URL": database_url,
        "ACADEMY_SECRET_KEY": "benchmark-secret-key-that-is-long-enough-for-the-app",
        "ACADEMY_LOG_LEVEL": "WARNING",
        "ACADEMY_BASE_URL": "http://127.0.0.1:8000",
        # The coordinator's pages are measured, not her sign-in: she signs in with her password only.
        "ACADEMY_STAFF_TWO_FACTOR": "false",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return env


def academy(env: dict[str, str], *args: str, timeout: int = 900) -> str:
    result = subprocess.run(
        [str(BIN / "academy"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise RuntimeError(f"academy {' '.join(args)} failed: {result.stderr[-2000:]}")
    return result.stdout


def generate(env: dict[str, str], size: tuple[int, int, int], *extra: str) -> dict[str, Any]:
    learners, lessons, events = size
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.generate",
            "--learners",
            str(learners),
            "--lessons",
            str(lessons),
            "--events",
            str(events),
            *extra,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if result.returncode != 0:
        raise RuntimeError(f"bench.generate failed: {result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@dataclass
class Targets:
    course: str
    lesson: str
    next_lesson: str
    cohort_id: int


def reset_rate_limits(env: dict[str, str]) -> None:
    """The benchmark signs the same people in more often than the limits allow a person."""
    engine = sa.create_engine(env["ACADEMY_DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM rate_limit_counter"))
    engine.dispose()


def prepare_learner(env: dict[str, str]) -> Targets:
    """Enrol the first generated learner in the first shipped course; find its lessons and the cohort."""
    from app.db import create_engine
    from app.learning.models import Cohort, Enrolment
    from bench.generate import CODE

    engine = create_engine(env["ACADEMY_DATABASE_URL"])
    with engine.begin() as conn:
        course_id, slug = conn.execute(
            sa.text(
                "SELECT id, slug FROM course WHERE slug != 'bench-course' AND published_at IS NOT NULL "
                "ORDER BY id"
            )
        ).first()  # type: ignore[misc]
        lessons = (
            conn.execute(
                sa.text(
                    "SELECT lesson.slug FROM lesson JOIN module ON module.id = lesson.module_id "
                    "WHERE lesson.course_id = :c AND lesson.kind = 'reading' "
                    "AND lesson.published_at IS NOT NULL "
                    "AND lesson.archived_at IS NULL ORDER BY module.position, lesson.position"
                ),
                {"c": course_id},
            )
            .scalars()
            .all()
        )
        user_id = conn.execute(
            sa.text("SELECT id FROM user_account WHERE email = 'bench-0@example.org'")
        ).scalar_one()
        if not conn.execute(
            sa.select(Enrolment.id).where(Enrolment.user_id == user_id, Enrolment.course_id == course_id)
        ).first():
            conn.execute(
                sa.insert(Enrolment).values(
                    user_id=user_id, course_id=course_id, status="active", enrolled_at=dt.datetime.now(dt.UTC)
                )
            )
        cohort_id = conn.execute(sa.select(Cohort.id).where(Cohort.enrolment_code == CODE)).scalar_one()
    engine.dispose()
    return Targets(slug, lessons[1], lessons[2], cohort_id)


# Measurements -------------------------------------------------------------------------------------


def query_counts(env: dict[str, str], targets: Targets) -> dict[str, int]:
    """SQL queries per page, in this process (the same app as served), the second of two requests."""
    return {name: page["queries"] for name, page in in_process(env, targets, runs=1).items()}


def settings_of(env: dict[str, str]) -> Any:
    """The app's settings for an `environment()`, to build the app in this process."""
    from app.config import Settings

    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=env["ACADEMY_DATA_DIR"],
        database_url=env["ACADEMY_DATABASE_URL"],
        secret_key=env["ACADEMY_SECRET_KEY"],
        staff_two_factor=env["ACADEMY_STAFF_TWO_FACTOR"] == "true",  # as the served app: see environment()
    )


def in_process(env: dict[str, str], targets: Targets, *, runs: int) -> dict[str, dict[str, float]]:
    """Each page through the whole app in this process (middleware, session, queries, rendering, gzip),
    after one warm-up: the SQL queries of a request and the median server time of `runs` requests."""
    from fastapi.testclient import TestClient

    from app.main import create_app
    from bench.generate import COORDINATOR, LEARNER_PASSWORD

    app = create_app(settings_of(env))
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith(("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    measured: dict[str, dict[str, float]] = {}

    def timed(name: str, request: Any) -> None:
        timings = []
        for _ in range(runs):
            statements.clear()
            started = time.perf_counter()
            response = request()
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (name, response.status_code)
        measured[name] = {"queries": len(statements), "median_ms": round(statistics.median(timings), 1)}

    with (
        app.state.database.listening("before_cursor_execute", count),
        TestClient(app, follow_redirects=False) as learner,
        TestClient(app, follow_redirects=False) as coordinator,
    ):
        for client, (email, password) in (
            (learner, ("bench-0@example.org", LEARNER_PASSWORD)),
            (coordinator, COORDINATOR),
        ):
            token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
            assert token
            response = client.post(
                "/login", data={"email": email, "password": password, "csrf_token": token.group(1)}
            )
            assert response.status_code == 303, response.status_code
        bearer = learner.post(
            "/api/v1/tokens", json={"email": "bench-0@example.org", "password": LEARNER_PASSWORD}
        )
        headers = {"Authorization": f"Bearer {bearer.json()['token']}"}
        pages = {
            "lesson": (learner, f"/courses/{targets.course}/{targets.lesson}"),
            "course": (learner, f"/courses/{targets.course}"),
            "catalogue": (learner, "/courses"),
            "overview": (coordinator, f"/cohorts/{targets.cohort_id}"),
            "matrix": (coordinator, f"/cohorts/{targets.cohort_id}/matrix"),
        }
        gzip = {"Accept-Encoding": "gzip"}
        for name, (client, path) in pages.items():
            client.get(path, headers=gzip)
            timed(name, lambda client=client, path=path: client.get(path, headers=gzip))

        def event(size: int = 1) -> dict[str, Any]:
            lesson = f"{targets.course}/{targets.lesson}"
            return {
                "events": [
                    {"id": f"bench-{time.time_ns()}-{n}", "lesson": lesson, "type": "viewed"}
                    for n in range(size)
                ]
            }

        learner.post("/api/v1/progress", json=event(), headers=headers)
        timed("progress_event", lambda: learner.post("/api/v1/progress", json=event(), headers=headers))
        # A phone back online after a week: a hundred events in one request, for the same queries.
        timed("progress_batch", lambda: learner.post("/api/v1/progress", json=event(100), headers=headers))
    app.state.database.dispose()
    return measured


def page_weight(base: str, learner: Browser, coordinator: Browser, targets: Targets) -> dict[str, Any]:
    """Bytes over the wire and the page's requests, in Debian's Chromium, for each page: a first visit (an
    empty cache) and a later one (after another page of the site was opened).

    The bytes are counted by a relay in front of the server (bench/wire.py): compressed, with headers, both
    ways, whoever asked, the page or the offline layer's service worker, and nothing that came from a
    cache. A visit is counted until the service worker is ready and nothing has moved for half a second,
    so a first visit includes what the offline layer fetches when it installs, and a later visit is made
    through the worker, as on a phone that has been here before."""
    from playwright.sync_api import sync_playwright

    results: dict[str, Any] = {}
    server = urllib.parse.urlsplit(base)
    host = server.hostname or "127.0.0.1"
    lesson = f"/courses/{targets.course}/{targets.next_lesson}"
    cases = {  # page: (who, the page, the page opened before it on a later visit)
        "lesson": (learner, lesson, f"/courses/{targets.course}/{targets.lesson}"),
        "course": (learner, f"/courses/{targets.course}", lesson),
        "catalogue": (learner, "/courses", f"/courses/{targets.course}"),
        "cohort": (coordinator, f"/cohorts/{targets.cohort_id}", f"/cohorts/{targets.cohort_id}/matrix"),
    }
    with WireCounter(host, server.port or 80) as wire, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        for name, (person, target, before) in cases.items():
            for visit in ("first", "later"):
                context = browser.new_context()
                cookies = [
                    {"name": k, "value": v, "domain": host, "path": "/"} for k, v in person.cookies.items()
                ]
                context.add_cookies(cookies)  # type: ignore[arg-type]
                page = context.new_page()
                if visit == "later":
                    page.goto(wire.base + before, wait_until="load")
                    settle_visit(page, wire)
                seen: list[Any] = []  # the page's requests, whether the network or its service worker answers
                context.on(
                    "requestfinished",
                    lambda request, seen=seen: request.service_worker is None and seen.append(request),
                )
                wire.reset()
                page.goto(wire.base + target, wait_until="load")
                settle_visit(page, wire)
                results[f"{name}_page_bytes_{visit}_visit"] = wire.total
                results[f"{name}_page_requests_{visit}_visit"] = len(seen)
                context.close()
        results.update(offline_course(browser, base, learner, host, targets))
        browser.close()
    return results


WORKER_READY = """() => Promise.race([navigator.serviceWorker.ready.then(() => true),
  new Promise((resolve) => setTimeout(() => resolve(false), 5000))])"""


def settle_visit(page: Any, wire: WireCounter) -> None:
    """Until the page's service worker is ready and nothing has moved for half a second: a visit that
    never settles stops the benchmark rather than give a figure that means something else."""
    if not page.evaluate(WORKER_READY):
        raise RuntimeError(f"{page.url}: the offline layer's service worker was not ready within 5 s")
    if not wire.wait_quiet():
        raise RuntimeError(f"{page.url}: the connection was still busy 10 s after the page loaded")


SAVED_BYTES = """async (name) => { const cache = await caches.open(name); let bytes = 0, pages = 0;
  for (const key of await cache.keys()) { const blob = await (await cache.match(key)).blob();
    bytes += blob.size; if (blob.type.includes('html')) pages += 1; }
  return [bytes, pages]; }"""


def offline_course(browser: Any, base: str, learner: Browser, host: str, targets: Targets) -> dict[str, Any]:
    """A whole course saved for offline use ("Save for offline use", issue 22): what the phone stores."""
    context = browser.new_context()
    cookies = [{"name": k, "value": v, "domain": host, "path": "/"} for k, v in learner.cookies.items()]
    context.add_cookies(cookies)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{base}/courses/{targets.course}", wait_until="load")
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    box = page.locator("[data-save-offline]")
    box.locator("[data-action=save]").click()
    box.locator("[data-action=remove]").wait_for()
    size, pages = page.evaluate(SAVED_BYTES, box.get_attribute("data-cache"))
    context.close()
    return {"offline_course_bytes": size, "offline_course_lessons": pages}


def matrix_ms(base: str, coordinator: Browser, targets: Targets, runs: int) -> float:
    path = f"/cohorts/{targets.cohort_id}/matrix"
    coordinator.request(path, headers={"Accept-Encoding": "gzip"})
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        status, _body, _h = coordinator.request(path, headers={"Accept-Encoding": "gzip"})
        timings.append((time.perf_counter() - started) * 1000)
        assert status == 200
    return round(statistics.median(timings), 1)


def startup_seconds(env: dict[str, str], command: list[str] | None = None, *, runs: int = 3) -> float:
    """From starting the server (`academy serve`, or `command` with {port}) to its first answer: the
    median of `runs` starts (one start on a busy machine says little)."""
    command = command or [str(BIN / "academy"), "serve", "--port", "{port}"]
    times = []
    for _ in range(runs):
        port = free_port()
        process = subprocess.Popen(
            [part.replace("{port}", str(port)) for part in command],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            times.append(wait_until_up(f"http://127.0.0.1:{port}/healthz", timeout=30))
        finally:
            process.terminate()
            process.wait(timeout=15)
    return round(statistics.median(times), 2)


def endpoints(learner: Browser, coordinator: Browser, token: str, targets: Targets) -> dict[str, Any]:
    """What each endpoint's load sends: (path, the environment bench/wrk.lua reads)."""
    table = {
        "lesson_page": ("GET", f"/courses/{targets.course}/{targets.lesson}", learner.cookie_header, ""),
        "course_page": ("GET", f"/courses/{targets.course}", learner.cookie_header, ""),
        "api_enrolments": ("GET", "/api/v1/me/enrolments", "", token),
        "api_progress": ("GET", f"/api/v1/me/progress?course={targets.course}", "", token),
        "progress_event": ("POST", "/api/v1/progress", "", token),
        "overview": ("GET", f"/cohorts/{targets.cohort_id}", coordinator.cookie_header, ""),
        "matrix": ("GET", f"/cohorts/{targets.cohort_id}/matrix", coordinator.cookie_header, ""),
    }
    return {
        name: (
            path,
            {
                "BENCH_METHOD": method,
                "BENCH_PATH": path,
                "BENCH_COOKIE": cookie,
                "BENCH_TOKEN": bearer,
                "BENCH_LESSON": f"{targets.course}/{targets.lesson}",
            },
        )
        for name, (method, path, cookie, bearer) in table.items()
    }


def load(
    base: str, sent: dict[str, Any], names: tuple[str, ...], mode: Mode, unanswered: list[str]
) -> dict[str, Any]:
    """wrk at each concurrency for each endpoint named; a run after which the server does not answer
    again is noted in `unanswered` (a freeze)."""
    results: dict[str, Any] = {}
    for name in names:
        path, env = sent[name]
        length = mode.heavy_seconds if name in ("overview", "matrix") else mode.seconds
        for connections in CONCURRENCY:
            settle(base)
            key = f"{name}@{connections}"
            results[key] = wrk(base + path, connections=connections, seconds=length, env=env)
            if not settle(base):
                unanswered.append(key)
    return results


def run_database(kind: str, mode: Mode, pg_url: str, work: Path, *, weigh: bool) -> dict[str, Any]:
    data_dir = work / kind
    data_dir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{data_dir / 'bench.db'}" if kind == "sqlite" else fresh_pg(pg_url)
    env = environment(data_dir, url)
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    academy(env, "migrate")
    academy(env, "courses", "sync", str(ROOT / "courses"))
    generate(env, mode.small)
    targets = prepare_learner(env)
    reset_rate_limits(env)
    small = query_counts(env, targets)
    generate(env, mode.large)
    targets = prepare_learner(env)
    reset_rate_limits(env)
    large = query_counts(env, targets)
    timings["setup_s"] = round(time.perf_counter() - clock, 1)
    result: dict[str, Any] = {"database": kind, "sizes": {"small": mode.small, "large": mode.large}}
    result |= {f"{name}_queries": count for name, count in large.items()}
    result["queries_small"] = small
    result["queries_grow"] = sorted(name for name in large if large[name] > small[name])
    reset_rate_limits(env)
    unanswered: list[str] = []
    stops: dict[str, float] = {}
    with gunicorn("app.main:serve_app()", env) as (base, master):
        learner, coordinator, token = signed_in(base)
        status, lesson_html, _h = learner.request(f"/courses/{targets.course}/{targets.lesson}")
        assert status == 200
        result["lesson_page_html_bytes"] = len(lesson_html)
        result["lesson_page_gzip_bytes"] = len(zlib.compress(lesson_html, 6))
        sent = endpoints(learner, coordinator, token, targets)
        clock = time.perf_counter()
        result["load"] = load(base, sent, ENDPOINTS, mode, unanswered)
        timings["load_s"] = round(time.perf_counter() - clock, 1)
        result["peak_rss_mb"] = memory_mb(children(master.pid), "VmHWM")
        result["resident_mb_after_load"] = memory_mb(children(master.pid), "VmRSS")
        settle(base)
        result["matrix_ms"] = matrix_ms(base, coordinator, targets, mode.matrix_runs)
        if weigh:
            clock = time.perf_counter()
            result |= page_weight(base, learner, coordinator, targets)
            timings["weight_s"] = round(time.perf_counter() - clock, 1)
        settle(base)
        stops["gunicorn"] = stop_under_load(base, master, *sent["api_enrolments"])
    for name in ENDPOINTS:
        result[f"{name}_rps"] = result["load"][f"{name}@{RATIO_AT}"]["rps"]
        result[f"{name}_p95_ms"] = result["load"][f"{name}@{RATIO_AT}"]["p95_ms"]
    at = result["load"][f"lesson_page@{RATIO_AT}"]
    result["lesson_page_tail"] = round(at["p99_ms"] / max(at["p50_ms"], 0.1), 2)
    result["progress_event_p95_ms_at_10"] = result["load"]["progress_event@10"]["p95_ms"]
    # One `academy serve` process, as on a small server: what phones and browsers do, at every concurrency.
    clock = time.perf_counter()
    with one_process([str(BIN / "academy"), "serve", "--port", "{port}"], env) as (base, process):
        result["load_one_process"] = load(base, sent, ONE_PROCESS, mode, unanswered)
        settle(base)
        stops["one_process"] = stop_under_load(base, process, *sent["api_enrolments"])
    timings["one_process_s"] = round(time.perf_counter() - clock, 1)
    for name in ONE_PROCESS:
        result[f"{name}_one_process_rps"] = result["load_one_process"][f"{name}@{RATIO_AT}"]["rps"]
    result["unanswered"] = len(unanswered)
    result["unanswered_runs"] = unanswered
    result["stop_s"] = max(stops.values())
    result["stop_s_by_server"] = stops
    result["errors"] = sum(run["errors"] for run in result["load"].values())
    result["errors"] += sum(run["errors"] for run in result["load_one_process"].values())
    # The ceiling, in every database's run: a ratio holds only against the same minutes of the machine.
    # Its page is the lesson page's size before and after compression (see bench/ceiling.py).
    ceiling_env = env | {
        "BENCH_CEILING_BYTES": str(result["lesson_page_html_bytes"]),
        "BENCH_CEILING_GZIP_BYTES": str(result["lesson_page_gzip_bytes"]),
    }
    page = {"BENCH_METHOD": "GET", "BENCH_PATH": "/page"}
    with gunicorn("bench.ceiling:app", ceiling_env) as (base, _master):
        _status, ceiling_html, _h = Browser(base).request("/page")
        result["ceiling_page_html_bytes"] = len(ceiling_html)
        result["ceiling_page_gzip_bytes"] = len(zlib.compress(ceiling_html, 6))
        same_size(result)
        result["ceiling"] = {
            f"page@{c}": wrk(base + "/page", connections=c, seconds=mode.seconds, env=page)
            for c in CONCURRENCY
        }
    with one_process(UVICORN_CEILING, ceiling_env) as (base, _process):
        result["ceiling_one_process"] = {
            f"page@{c}": wrk(base + "/page", connections=c, seconds=mode.seconds, env=page)
            for c in CONCURRENCY
        }
    for ceiling in ("ceiling", "ceiling_one_process"):
        result["errors"] += sum(run["errors"] for run in result[ceiling].values())
    result["ceiling_rps"] = result["ceiling"][f"page@{RATIO_AT}"]["rps"]
    result["ceiling_one_process_rps"] = result["ceiling_one_process"][f"page@{RATIO_AT}"]["rps"]
    for name in ENDPOINTS:  # every throughput figure, as a share of the bare page's
        result[f"{name}_ceiling_ratio"] = round(result[f"{name}_rps"] / result["ceiling_rps"], 4)
    for name in ONE_PROCESS:
        result[f"{name}_one_process_ceiling_ratio"] = round(
            result[f"{name}_one_process_rps"] / result["ceiling_one_process_rps"], 4
        )
    result["startup_s"] = startup_seconds(env)
    result["ceiling_startup_s"] = startup_seconds(ceiling_env, UVICORN_CEILING)
    result["startup_ratio"] = round(result["startup_s"] / result["ceiling_startup_s"], 2)
    result["timings"] = timings
    if kind == "postgresql":
        drop_pg(pg_url)
    return result


PG_DATABASE = "academy_bench"
DEFAULT_PG = os.environ.get("ACADEMY_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _admin(pg_url: str) -> sa.Engine:
    return sa.create_engine(
        sa.make_url(pg_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )


def fresh_pg(pg_url: str) -> str:
    engine = _admin(pg_url)
    with engine.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE {PG_DATABASE}"))
    engine.dispose()
    return (
        sa.make_url(pg_url)
        .set(drivername="postgresql+psycopg", database=PG_DATABASE)
        .render_as_string(hide_password=False)
    )


def drop_pg(pg_url: str) -> None:
    engine = _admin(pg_url)
    with engine.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"))
    engine.dispose()


# Budgets and the report ---------------------------------------------------------------------------


@dataclass
class Check:
    name: str
    database: str
    value: float
    limit: float
    kind: str
    ok: bool
    meaning: str


def check_budgets(runs: dict[str, dict[str, Any]]) -> list[Check]:
    checks = []
    for name, limit, kind, where, meaning in BUDGETS:
        for database, result in runs.items():
            if where not in ("any", database) or name not in result:
                continue
            value = len(result[name]) if name == "queries_grow" else result[name]
            ok = value <= limit if kind == "max" else value >= limit
            checks.append(Check(name, database, value, limit, kind, ok, meaning))
    return checks


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "wrk": subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.splitlines()[0:1],
    }


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Benchmark report ({report['mode']})",
        "",
        f"{report['started']}, {report['machine']['cpus']} cores, Python {report['machine']['python']}. "
        f"Command: `{report['command']}`.",
        "",
        "## Budgets",
        "",
        "| budget | database | value | limit | |",
        "|---|---|---|---|---|",
    ]
    for check in report["budgets"]:
        sign = "≤" if check["kind"] == "max" else "≥"
        lines.append(
            f"| {check['meaning']} | {check['database']} | {_fmt(check['value'])} "
            f"| {sign} {_fmt(check['limit'])} "
            f"| {'ok' if check['ok'] else '**missed**'} |"
        )
    for database, result in report["runs"].items():
        lines += ["", f"## {database}"]
        for title, load, ceiling in (
            ("gunicorn, two workers", "load", "ceiling"),
            ("one `academy serve` process", "load_one_process", "ceiling_one_process"),
        ):
            lines += [
                "",
                f"### {title}",
                "",
                "| endpoint | concurrency | req/s | p50 ms | p95 ms | p99 ms | errors | of the bare page |",
                "|---|---|---|---|---|---|---|---|",
            ]
            bare = {key.rpartition("@")[2]: run["rps"] for key, run in result.get(ceiling, {}).items()}
            rows = dict(result.get(load, {})) | {
                f"bare page {k}": v for k, v in result.get(ceiling, {}).items()
            }
            for key, run in rows.items():
                endpoint, _at, connections = key.rpartition("@")
                share = run["rps"] / bare[connections] if bare.get(connections) else 0
                lines.append(
                    f"| {endpoint} | {connections} | {run['rps']:.0f} | {run['p50_ms']:.1f} "
                    f"| {run['p95_ms']:.1f} | {run['p99_ms']:.1f} | {run['errors']} | {share:.2f} |"
                )
        lines += ["", "| figure | value |", "|---|---|"]
        for key, value in result.items():
            if key not in LOAD_KEYS + ("queries_small", "sizes", "timings") and not isinstance(value, dict):
                lines.append(f"| {key} | {_fmt(value)} |")
        lines.append(f"| seconds from SIGTERM under load to gone | {result.get('stop_s_by_server')} |")
        lines.append(f"| SQL queries at the small size | {result['queries_small']} |")
        lines.append(f"| sizes (learners, lessons, events) | {result['sizes']} |")
        lines.append(f"| time taken (s) | {result['timings']} |")
    return "\n".join(lines) + "\n"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if value < 10 else f"{value:.0f}"
    return str(value)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes and short runs (under 3 minutes)")
    parser.add_argument("--databases", default="sqlite,postgresql", help="which, comma-separated")
    parser.add_argument(
        "--pg-url",
        default=DEFAULT_PG,
        help="a PostgreSQL server to create the benchmark database on",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: `sudo apt-get install wrk` (make bench does it)", file=sys.stderr)
        return 2
    mode = QUICK if args.quick else FULL
    started = time.perf_counter()
    # Served as in production (the container compiles the code when it is built): with
    # PYTHONDONTWRITEBYTECODE set, every start would otherwise compile the app's modules again.
    compileall.compile_dir(ROOT / "app", quiet=1)
    report: dict[str, Any] = {
        "mode": mode.name,
        "started": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "make bench-quick" if args.quick else "make bench",
        "machine": machine(),
        "runs": {},
    }
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    with tempfile.TemporaryDirectory(prefix="academy-bench-") as work:
        for index, database in enumerate(databases):
            print(f"== {database}", file=sys.stderr, flush=True)
            report["runs"][database] = run_database(database, mode, args.pg_url, Path(work), weigh=index == 0)
    # Page weight does not depend on the database: measured once, it counts for every run.
    weights = {
        k: v
        for k, v in report["runs"][databases[0]].items()
        if "_page_bytes_" in k or "_page_requests_" in k or k.startswith("offline_course_")
    }
    for result in report["runs"].values():
        result.update(weights)
    checks = check_budgets(report["runs"])
    report["budgets"] = [check.__dict__ for check in checks]
    report["ok"] = all(check.ok for check in checks)
    report["seconds"] = round(time.perf_counter() - started, 1)
    first = report["runs"][databases[0]]
    report |= {k: v for k, v in first.items() if k not in LOAD_KEYS + ("timings", "sizes", "queries_small")}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (args.out / "report.md").write_text(markdown(report))
    missed = [check for check in checks if not check.ok]
    for check in missed:
        print(
            f"budget missed: {check.name} ({check.database}): {check.value} against {check.limit}",
            file=sys.stderr,
        )
    print(
        f"bench {mode.name}: {'all budgets met' if not missed else f'{len(missed)} budget(s) missed'} "
        f"in {report['seconds']} s; see {args.out / 'report.md'}"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
