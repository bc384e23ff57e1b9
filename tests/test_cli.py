"""The `academy` command as an operator meets it: help, migrate, serve, and one clear line on bad input."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import fresh_database_url

ROOT = Path(__file__).resolve().parent.parent


def academy(
    *args: str, env: dict[str, str], stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def environment(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACADEMY_")}
    env["ACADEMY_DATA_DIR"] = str(tmp_path)
    env.update({f"ACADEMY_{k.upper()}": v for k, v in values.items()})
    return env


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.parametrize("command", [[], ["serve"], ["migrate"]])
def test_help(tmp_path: Path, command: list[str]) -> None:
    result = academy(*command, "--help", env=environment(tmp_path))
    assert result.returncode == 0
    assert "Usage" in result.stdout
    if command == ["serve"]:
        for option in ("--host", "--port", "--workers"):
            assert option in result.stdout


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    line = one_line_error(academy("serve", env=environment(tmp_path)))
    assert "academy migrate" in line


def test_bad_database_url(tmp_path: Path) -> None:
    line = one_line_error(academy("migrate", env=environment(tmp_path, database_url="nonsense")))
    assert "ACADEMY_DATABASE_URL" in line


def test_unreachable_database(tmp_path: Path) -> None:
    env = environment(tmp_path, database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    line = one_line_error(academy("migrate", env=env))
    assert "cannot connect to the database" in line


def test_missing_data_dir(tmp_path: Path) -> None:
    env = environment(tmp_path)
    env["ACADEMY_DATA_DIR"] = str(tmp_path / "absent" / "var")
    line = one_line_error(academy("serve", env=env))
    assert "ACADEMY_DATA_DIR" in line


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_migrate_then_serve_with_two_workers(tmp_path: Path) -> None:
    env = environment(tmp_path, database_url=fresh_database_url("cli", tmp_path))
    migrated = academy("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    again = academy("migrate", env=env)  # idempotent
    assert again.returncode == 0, again.stderr

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    status = response.status
                    break
            except OSError:
                time.sleep(0.2)
        assert status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert "<title>" in response.read().decode()
    finally:
        server.terminate()
        _out, err = server.communicate(timeout=30)
    assert "Traceback" not in err
    assert '"logger": "academy.request"' in err  # structured request lines from the workers


def test_served_on_pythons_own_event_loop() -> None:
    """uvloop served fifty clients unfairly (p99 twenty times p50 on the lesson page): app/serving.py."""
    from app.gunicorn_worker import Worker
    from app.serving import EVENT_LOOP

    assert EVENT_LOOP == "asyncio" and Worker.CONFIG_KWARGS["loop"] == EVENT_LOOP
    assert "loop=EVENT_LOOP" in (ROOT / "app" / "cli.py").read_text()
