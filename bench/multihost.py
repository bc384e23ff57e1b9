"""`make multihost`: two `academy serve` processes, each with its own data directory (as two machines behind
a load balancer have), on one PostgreSQL database, and the checks that they behave as one site:

- a session made on one host is valid on the other, and signing out on one ends it on both;
- a form's CSRF token from one host is accepted by the other;
- the sign-in rate limit counts the attempts made on both hosts together;
- content published on one host is on the other's pages at the next request;
- an image uploaded on one host is served by the other (ACADEMY_MEDIA_STORE=database);
- the daily jobs (`academy resolutions remind`, `academy discussions digest`) run on both hosts at the
  same moment send each reminder and each e-mail once (a claim in the database, not a timetable).

It makes its own database (`academy_multihost`, dropped afterwards) on the server of ACADEMY_BENCH_PG_URL
(default postgresql://postgres@127.0.0.1:5432/test), prints one line per check and exits 1 if any fails.
Staff sign in with a password only here (ACADEMY_STAFF_TWO_FACTOR=false): the trainer's upload is what
is checked, not her second factor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx2 as httpx  # the HTTP client the test suite uses (the `dev` extra)
import sqlalchemy as sa

from bench.run import BIN, ROOT, free_port, serving

DATABASE = "academy_multihost"
PNG = (
    ROOT / "tests" / "fixtures" / "courses" / "example-course" / "01-basics" / "01-diagram.png"
).read_bytes()
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LEARNER = ("learner@example.org", "demo-learner-pass")
TRAINER = ("trainer@example.org", "demo-trainer-pass")
COURSE = "risk-from-the-frontline"  # a shipped course, published


def _admin(pg_url: str) -> sa.Engine:
    url = sa.make_url(pg_url).set(drivername="postgresql+psycopg")
    return sa.create_engine(url, isolation_level="AUTOCOMMIT")


@contextmanager
def database(pg_url: str) -> Iterator[str]:
    engine = _admin(pg_url)
    with engine.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE {DATABASE}"))
    try:
        yield (
            sa.make_url(pg_url)
            .set(drivername="postgresql+psycopg", database=DATABASE)
            .render_as_string(hide_password=False)
        )
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        engine.dispose()


def host_env(data_dir: Path, database_url: str, port: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ACADEMY_")}
    return env | {
        "ACADEMY_DATA_DIR": str(data_dir),
        "ACADEMY_DATABASE_URL": database_url,
        "ACADEMY_SECRET_KEY": "one-secret-key-every-host-of-the-site-shares-0123456789",
        "ACADEMY_MEDIA_STORE": "database",
        "ACADEMY_BASE_URL": f"http://127.0.0.1:{port}",
        "ACADEMY_STAFF_TWO_FACTOR": "false",
        "ACADEMY_LOG_LEVEL": "WARNING",
    }


def academy(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "academy"), *args], env=env, cwd=ROOT, capture_output=True, text=True)


def token(client: httpx.Client, path: str) -> str:
    match = CSRF.search(client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client: httpx.Client, who: tuple[str, str]) -> httpx.Response:
    email, password = who
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token(client, "/login")}
    )


def on(base: str, cookies: httpx.Cookies | None = None) -> httpx.Client:
    return httpx.Client(base_url=base, cookies=cookies, follow_redirects=False, timeout=10)


def on_every_host(envs: tuple[dict[str, str], ...], command: tuple[str, ...], figure: str) -> list[int]:
    """`academy <command>` started on every host at once; the number `figure` finds in each one's output."""
    running = [
        subprocess.Popen(
            [str(BIN / "academy"), *command], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        for env in envs
    ]
    found = [re.search(figure, process.communicate()[0]) for process in running]
    return [int(match.group(1)) if match else -1 for match in found]


Check = tuple[str, Callable[[], bool]]


def checks(a: str, b: str, envs: tuple[dict[str, str], dict[str, str]], database_url: str) -> list[Check]:
    def session_on_both() -> bool:
        first = on(a)
        assert sign_in(first, LEARNER).status_code == 303
        return on(b, first.cookies).get("/account").status_code == 200

    def csrf_across() -> bool:
        first = on(a)
        sign_in(first, LEARNER)
        form = token(first, "/account")
        second = on(b, first.cookies)
        sent = second.post(
            "/account/profile", data={"csrf_token": form, "display_name": "Айгерим", "locale": "ky"}
        )
        return sent.status_code == 303

    def sign_out_ends_both() -> bool:
        first = on(a)
        sign_in(first, LEARNER)
        second = on(b, first.cookies)
        assert second.get("/account").status_code == 200
        first.post("/logout", data={"csrf_token": token(first, "/account")})
        return second.get("/account").status_code in (303, 401)

    def rate_limit_across() -> bool:
        # The limit counts in windows of a minute: start where the fourteen attempts fit in one (once,
        # this check failed because its attempts straddled the minute's end and the count began again)
        into_the_minute = time.time() % 60
        if into_the_minute > 40:
            time.sleep(60 - into_the_minute)
        codes = []
        for n in range(12):
            client = on((a, b)[n % 2])
            codes.append(sign_in(client, (TRAINER[0], "not her password at all")).status_code)
        right_a, right_b = sign_in(on(a), TRAINER).status_code, sign_in(on(b), TRAINER).status_code
        return 429 in codes and (right_a, right_b) == (429, 429)

    def content_across() -> bool:
        reader = on(b)  # a visitor on the other host, whose copy of the course that host now holds
        before = reader.get(f"/courses/{COURSE}?lang=ru").text
        admin = on(a)  # the trainer was limited on purpose just now: the admin edits every course
        assert sign_in(admin, ("admin@example.org", "demo-admin-pass")).status_code == 303
        title = f"Риски: проверено {dt.datetime.now(dt.UTC):%H:%M:%S}"
        sent = admin.post(
            f"/author/courses/{COURSE}/texts",
            data={
                "csrf_token": token(admin, "/author/"),
                "lang": "ru",
                "title": title,
                "summary": "Коротко.",
                "audience": "",
            },
        )
        assert sent.status_code == 303, sent.status_code
        return title not in before and title in reader.get(f"/courses/{COURSE}?lang=ru").text

    def media_across() -> bool:
        admin = on(a)
        sign_in(admin, ("admin@example.org", "demo-admin-pass"))
        sent = admin.post(
            f"/author/courses/{COURSE}/media",
            data={"csrf_token": token(admin, "/author/")},
            files={"file": ("map.png", PNG, "image/png")},
        )
        assert sent.status_code == 303, sent.status_code
        page = on(b, admin.cookies).get(f"/author/courses/{COURSE}").text
        found = re.search(r"/media/([0-9a-f]{64})\.png", page)
        assert found, "the library lists no image"
        served = on(b, admin.cookies).get(f"/media/{found.group(1)}.png")
        return served.status_code == 200 and hashlib.sha256(served.content).hexdigest() == found.group(1)

    def jobs_once() -> bool:
        engine = sa.create_engine(database_url)
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE item_tracker SET review_by = :day, reminded_on = NULL"),
                {"day": dt.date.today()},
            )
            due = conn.execute(
                sa.text("SELECT count(*) FROM item_tracker WHERE status NOT IN ('implemented', 'dropped')")
            ).scalar()
        engine.dispose()
        told = on_every_host(envs, ("resolutions", "remind"), r"Items due for review: (\d+)")
        sent = on_every_host(envs, ("discussions", "digest"), r"Digests sent: (\d+)")
        mails = sum(len(list((Path(env["ACADEMY_DATA_DIR"]) / "outbox").glob("*.eml"))) for env in envs)
        print(
            f"    reminders: {told} of {due} items due; digests sent: {sent};"
            f" e-mails in both outboxes: {mails}"
        )
        return sum(told) == due and sum(sent) == mails and sum(sent) > 0

    return [
        ("a session made on one host is valid on the other", session_on_both),
        ("a CSRF token from one host is accepted by the other", csrf_across),
        ("signing out on one host ends the session on both", sign_out_ends_both),
        ("the sign-in rate limit counts the attempts on both hosts", rate_limit_across),
        ("content published on one host is on the other at the next request", content_across),
        ("an image uploaded on one host is served by the other", media_across),
        ("the daily jobs run on both hosts at once send each reminder and e-mail once", jobs_once),
    ]


def main() -> int:
    pg_url = os.environ.get("ACADEMY_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
    failed = 0
    with (
        tempfile.TemporaryDirectory(prefix="academy-multihost-") as folder,
        database(pg_url) as url,
        ExitStack() as stack,
    ):
        ports = free_port(), free_port()
        envs = tuple(
            host_env(Path(folder) / name, url, port)
            for name, port in zip(("host-a", "host-b"), ports, strict=True)
        )
        for step in (("migrate",), ("demo",)):
            done = academy(envs[0], *step)
            if done.returncode != 0:
                print(done.stdout, done.stderr, file=sys.stderr)
                return 1
        bases = [
            stack.enter_context(
                serving([str(BIN / "academy"), "serve", "--port", str(port)], env, f"http://127.0.0.1:{port}")
            )[0]
            for env, port in zip(envs, ports, strict=True)
        ]
        print(
            f"two hosts on one PostgreSQL database ({DATABASE}):"
            f" {bases[0]} (data in host-a), {bases[1]} (data in host-b)"
        )
        for name, check in checks(bases[0], bases[1], envs, url):  # type: ignore[arg-type]
            try:
                ok = check()
            except AssertionError as problem:
                ok, name = False, f"{name} ({problem})"
            failed += not ok
            print(f"  {'ok  ' if ok else 'FAIL'} {name}")
    print("all checks passed" if not failed else f"{failed} check(s) failed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
