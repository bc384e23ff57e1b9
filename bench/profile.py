"""Where a page's time goes, on one core, without HTTP or load: the figures behind docs/performance.md.

    python -m bench.profile pages              # ms of CPU per request, lesson / course / catalogue / board
    python -m bench.profile pages --runs 2000  # more requests, steadier figures
    python -m bench.profile pages --page lesson  # one page only (to profile it)
    python -m bench.profile pages --page progress_event --database postgresql  # an API write, on PostgreSQL
    python -m bench.profile startup --runs 8   # `academy serve` to its first answer, eight times
    python -m bench.profile turns              # the event loop's cost of a turn of the worker threads

`pages` makes a fresh database (SQLite, or PostgreSQL's `academy_bench`) with generated data (as
`make bench-quick` does at its small size), signs the first generated learner in (a cookie for the pages,
a bearer token for the API) and calls the app directly, as the server would (ASGI, one request
after another, gzip asked for): what is left is the app's own cost, steady enough to compare two
versions of the code on a noisy machine. Run it under a sampling profiler to see where the time goes:

    py-spy record --gil -f raw -o profile.txt -- python -m bench.profile pages
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.run import (
    DEFAULT_PG,
    ROOT,
    academy,
    environment,
    fresh_pg,
    generate,
    prepare_learner,
    settings_of,
    startup_seconds,
)

SIZE = (100, 60, 3000)  # learners, lessons, events: bench-quick's small size


PAGES = ("lesson", "course", "catalogue", "board", "api_enrolments", "api_progress", "progress_event")


def pages(runs: int, only: str | None = None, database: str = "sqlite") -> dict[str, dict[str, float]]:
    from fastapi.testclient import TestClient

    from app.main import create_app, tune_gc
    from bench.generate import LEARNER_PASSWORD

    with tempfile.TemporaryDirectory(prefix="academy-profile-") as work:
        url = f"sqlite:///{Path(work) / 'profile.db'}" if database == "sqlite" else fresh_pg(DEFAULT_PG)
        env = environment(Path(work), url)
        academy(env, "migrate")
        academy(env, "courses", "sync", str(ROOT / "courses"))
        generate(env, SIZE)
        targets = prepare_learner(env)
        settings = settings_of(env)
        app = create_app(settings)
        with TestClient(app) as client:  # only to sign in
            token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
            assert token
            form = {
                "email": "bench-0@example.org",
                "password": LEARNER_PASSWORD,
                "csrf_token": token.group(1),
            }
            assert client.post("/login", data=form, follow_redirects=False).status_code == 303
            cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
            credentials = {"email": form["email"], "password": form["password"]}
            bearer = client.post("/api/v1/tokens", json=credentials).json()["token"]
        session, api = [(b"cookie", cookie.encode())], [(b"authorization", f"Bearer {bearer}".encode())]
        lesson = f"{targets.course}/{targets.lesson}"
        requests = {
            "lesson": ("GET", f"/courses/{lesson}", session),
            "course": ("GET", f"/courses/{targets.course}", session),
            "catalogue": ("GET", "/courses", session),
            "board": ("GET", f"/discussions/courses/{targets.course}", session),  # no threads in the data
            "api_enrolments": ("GET", "/api/v1/me/enrolments", api),
            "api_progress": ("GET", f"/api/v1/me/progress?course={targets.course}", api),
            "progress_event": ("POST", "/api/v1/progress", api),
        }
        if only:
            requests = {only: requests[only]}
        try:
            return asyncio.run(_measure(app, settings, requests, lesson, runs, tune_gc))
        finally:
            app.state.database.dispose()


async def _measure(
    app: Any,
    settings: Any,
    requests: dict[str, tuple[str, str, list[tuple[bytes, bytes]]]],
    lesson: str,
    runs: int,
    tune_gc: Any,
) -> dict[str, dict[str, float]]:
    import anyio.to_thread

    anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
    common = [(b"host", b"profile"), (b"accept-encoding", b"gzip")]
    sequence = iter(range(10**9))

    async def call(method: str, target: str, credentials: list[tuple[bytes, bytes]]) -> int:
        path, _, query = target.partition("?")
        headers, body = common + credentials, b""
        if method == "POST":  # one event, as bench/wrk.lua sends (a new id each time)
            event = {"id": f"profile-{next(sequence)}", "lesson": lesson, "type": "viewed"}
            body = json.dumps({"events": [event]}).encode()
            headers = headers + [(b"content-type", b"application/json")]
            headers.append((b"content-length", str(len(body)).encode()))
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
            "root_path": "", "headers": headers, "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
            "state": {},
        }  # fmt: skip
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await app(scope, receive, send)
        assert sent[0]["status"] == 200, (path, sent[0]["status"])
        return sum(len(message.get("body", b"")) for message in sent)

    results: dict[str, dict[str, float]] = {}
    for name, request in requests.items():
        for _ in range(50):  # warm the caches and the pool
            size = await call(*request)
        tune_gc()
        wall: list[float] = []
        cpu = time.process_time()
        for _ in range(runs):
            started = time.perf_counter()
            await call(*request)
            wall.append((time.perf_counter() - started) * 1000)
        results[name] = {
            "median_ms": round(statistics.median(wall), 2),
            "cpu_ms": round((time.process_time() - cpu) / runs * 1000, 2),
            "gzip_bytes": size,
        }
    return results


def startup(runs: int) -> list[float]:
    """`academy serve` to its first answer, on a migrated SQLite database, `runs` times."""
    import compileall

    compileall.compile_dir(ROOT / "app", quiet=1)  # as the container is built, see docs/performance.md
    with tempfile.TemporaryDirectory(prefix="academy-profile-") as work:
        env = environment(Path(work), f"sqlite:///{Path(work) / 'profile.db'}")
        academy(env, "migrate")
        return [startup_seconds(env) for _ in range(runs)]


def turns(seconds: float = 4.0, tasks: int = 50) -> dict[str, float]:
    """`tasks` coroutines (fifty phones) each asking `Database.run` for turns of a few microseconds' work,
    for `seconds`: turns a second, and the process's CPU per turn, most of it the event loop's and the
    threads' hand-offs (no database is touched)."""
    import sqlalchemy as sa

    from app.db import Database

    database = Database(sa.create_engine("sqlite://"), threads=4, queue_timeout=30)

    def work() -> int:
        return sum(range(200))

    async def phone(until: float, done: list[int]) -> None:
        while time.perf_counter() < until:
            await database.run(work)
            done[0] += 1

    async def measure() -> dict[str, float]:
        done = [0]
        cpu, started = time.process_time(), time.perf_counter()
        await asyncio.gather(*(phone(started + seconds, done) for _ in range(tasks)))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        return {"turns_per_s": round(done[0] / elapsed), "cpu_us": round(cpu / done[0] * 1e6, 1)}

    try:
        return asyncio.run(measure())
    finally:
        database.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", choices=["pages", "startup", "turns"])
    parser.add_argument(
        "--runs", type=int, default=None, help="requests per page (500), starts (5) or runs of turns (3)"
    )
    parser.add_argument("--page", choices=PAGES, help="only this page or API call")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    if args.what == "pages":
        for name, figures in pages(args.runs or 500, args.page, args.database).items():
            cpu, median, size = figures["cpu_ms"], figures["median_ms"], figures["gzip_bytes"]
            print(f"{name:15} {cpu:6.2f} ms CPU per request (median {median} ms), {size} bytes gzipped")
    elif args.what == "turns":
        for _ in range(args.runs or 3):
            figures = turns()
            print(f"{figures['turns_per_s']} turns/s, {figures['cpu_us']} µs of CPU per turn (50 at once)")
    else:
        seconds = startup(args.runs or 5)
        median = round(statistics.median(seconds), 2)
        print(f"academy serve to first answer: median {median} s, min {min(seconds)} s, all {seconds}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
