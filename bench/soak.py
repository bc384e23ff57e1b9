"""`make soak`: load held, with nothing lost (issue 24). Not part of CI.

Fifty simulated learners (locust, bench/locustfile.py) read lessons, mark them complete, take quizzes and
post in their cohort's discussion for five minutes, against gunicorn with two workers on PostgreSQL, as
in production. Then the soak reconciles: every write the server acknowledged (a progress event's id, a
post's marker) must be in the database exactly once. It reports p95 and the error rate, and fails above
1% errors or a p95 over 500 ms.

    make soak                                  # 50 learners, 5 minutes, PostgreSQL at $ACADEMY_BENCH_PG_URL
    python -m bench.soak --users 50 --seconds 300 --database sqlite

Figures go in docs/performance.md ("Soak").
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.run import BIN, ROOT, academy, environment, fresh_pg, generate, gunicorn, reset_rate_limits

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
MAX_ERROR_RATE = 0.01
MAX_P95_MS = 500


def prepare(env: dict[str, str], users: int, setup_file: Path) -> dict[str, Any]:
    """A cohort of `users` learners with a session and an API token each, and a thread to post in."""
    sys.path.insert(0, str(ROOT))
    import os

    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        from app import refs
        from app.accounts import service as accounts
        from app.accounts.middleware import SESSION_COOKIE
        from app.accounts.models import User
        from app.config import Settings
        from app.courses.models import Course, Lesson
        from app.db import Database, create_engine
        from app.discussions import service as discussions
        from app.learning.models import Cohort
        from app.principal import Principal
        from bench.generate import CODE, COORDINATOR, SLUG

        settings = Settings(_env_file=None)  # type: ignore[call-arg]
        refs.configure(settings.resolved_secret_key)
        database = Database(create_engine(settings.resolved_database_url))
        learners = []
        with database.session(write=True) as session:
            course = session.scalars(sa.select(Course).where(Course.slug == SLUG)).one()
            lessons = session.scalars(sa.select(Lesson).where(Lesson.course_id == course.id)).all()
            cohort = session.scalars(sa.select(Cohort).where(Cohort.enrolment_code == CODE)).one()
            generated = sa.and_(User.email.like("bench-%@example.org"), User.email != COORDINATOR[0])
            people = session.scalars(sa.select(User).where(generated).order_by(User.id).limit(users)).all()
            for person in people:
                token = accounts.start_session(session, settings=settings, user=person, device="soak")
                _row, bearer = accounts.create_api_token(session, user=person, name="soak")
                learners.append({"cookie": token, "token": bearer})
            place = discussions.place_of(session, cohort_id=cohort.id)
            viewer = discussions.viewer_for(session, Principal.of(people[0]))
            thread, _post = discussions.start_thread(
                session, viewer, place, title="Что у вас в селе?", body="Пишите сюда во время нагрузки."
            )
            session.commit()
            setup = {
                "cookie": SESSION_COOKIE,
                "course": SLUG,
                "readings": [lesson.slug for lesson in lessons if lesson.kind == "reading"][:20],
                "quizzes": [lesson.slug for lesson in lessons if lesson.kind == "quiz"][:5],
                "thread": refs.encode(thread.id),
                "learners": learners,
            }
        database.dispose()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    setup_file.write_text(json.dumps(setup), encoding="utf-8")
    return setup


def reconcile(env: dict[str, str], acked: dict[str, list[str]]) -> dict[str, int]:
    """Every acknowledged write is in the database once: none lost, none twice."""
    engine = sa.create_engine(env["ACADEMY_DATABASE_URL"])
    found: dict[str, int] = {}
    with engine.connect() as conn:
        stored = dict(
            conn.execute(
                sa.text(
                    "SELECT client_event_id, count(*) FROM progress_event"
                    " WHERE client_event_id LIKE 'soak-%' GROUP BY client_event_id"
                )
            ).all()
        )
        bodies = (
            conn.execute(sa.text("SELECT body_md FROM post WHERE body_md LIKE '%soak-%'")).scalars().all()
        )
    engine.dispose()
    posts: dict[str, int] = {}
    for body in bodies:
        marker = body.rsplit(" ", 1)[-1]
        posts[marker] = posts.get(marker, 0) + 1
    found["events_acknowledged"] = len(acked["events"])
    found["events_lost"] = sum(1 for event in acked["events"] if stored.get(event, 0) == 0)
    found["events_twice"] = sum(1 for event in set(acked["events"]) if int(stored.get(event, 0)) > 1)
    found["posts_acknowledged"] = len(acked["posts"])
    found["posts_lost"] = sum(1 for marker in acked["posts"] if posts.get(marker, 0) == 0)
    found["posts_twice"] = sum(1 for marker in acked["posts"] if posts.get(marker, 0) > 1)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--pg-url", default=None, help="an admin URL of the PostgreSQL server")
    args = parser.parse_args()
    import os

    work = Path(tempfile.mkdtemp(prefix="academy-soak-"))
    if args.database == "postgresql":
        url = fresh_pg(args.pg_url or os.environ.get("ACADEMY_BENCH_PG_URL") or PG_DEFAULT)
    else:
        url = f"sqlite:///{work / 'soak.db'}"
    env = environment(work / "data", url)
    (work / "data").mkdir()
    academy(env, "migrate")
    generate(env, (max(args.users, 60), 24, 20_000))
    reset_rate_limits(env)
    setup = prepare(env, args.users, work / "setup.json")
    env |= {"SOAK_SETUP": str(work / "setup.json"), "SOAK_ACKED": str(work / "acked.json")}
    with gunicorn("app.main:serve_app()", env, workers=2) as (base, _master):
        started = time.perf_counter()
        subprocess.run(
            [str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
             "-u", str(args.users), "-r", "10", "-t", f"{args.seconds}s", "--host", base,
             "--csv", str(work / "soak"), "--only-summary", "--loglevel", "WARNING"],
            cwd=ROOT, env=env, check=False, timeout=args.seconds + 300,
        )  # fmt: skip
        elapsed = time.perf_counter() - started
    acked = json.loads((work / "acked.json").read_text(encoding="utf-8"))
    with open(work / "soak_stats.csv", encoding="utf-8") as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    total = rows["Aggregated"]
    requests, failures = int(total["Request Count"]), int(total["Failure Count"])
    result: dict[str, Any] = {
        "database": args.database,
        "users": args.users,
        "seconds": round(elapsed),
        "learners_prepared": len(setup["learners"]),
        "requests": requests,
        "rps": round(float(total["Requests/s"]), 1),
        "error_rate": round(failures / requests, 4) if requests else 1.0,
        "p50_ms": float(total["50%"]),
        "p95_ms": float(total["95%"]),
        "p99_ms": float(total["99%"]),
        "by_request": {
            name: {
                "count": int(row["Request Count"]),
                "p95_ms": float(row["95%"]),
                "failures": int(row["Failure Count"]),
            }
            for name, row in rows.items()
            if name != "Aggregated"
        },
    }
    result |= reconcile(env, acked)
    print(json.dumps(result, indent=2))
    problems = []
    if result["error_rate"] > MAX_ERROR_RATE:
        problems.append(f"error rate {result['error_rate']:.2%} > {MAX_ERROR_RATE:.0%}")
    if result["p95_ms"] > MAX_P95_MS:
        problems.append(f"p95 {result['p95_ms']} ms > {MAX_P95_MS} ms")
    for key in ("events_lost", "events_twice", "posts_lost", "posts_twice"):
        if result[key]:
            problems.append(f"{key}: {result[key]}")
    if not result["events_acknowledged"] or not result["posts_acknowledged"]:
        problems.append("nothing was acknowledged: the load did not write")
    if problems:
        print("SOAK FAILED: " + "; ".join(problems), file=sys.stderr)
        raise SystemExit(1)
    print("soak passed: nothing acknowledged was lost or stored twice", file=sys.stderr)


if __name__ == "__main__":
    main()
