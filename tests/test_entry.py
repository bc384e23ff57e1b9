"""The `academy` command imports the app with the cycle collector paused, and resumes it before any
command runs; `academy serve` and a gunicorn worker pause it until the app is built (app.main.tune_gc)."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_command_runs_with_the_collector_on() -> None:
    code = (
        "import sys, gc\n"
        "import app.cli\n"
        "seen = []\n"
        "app.cli.main = lambda: seen.append(gc.isenabled())\n"  # the command itself, replaced
        "from app.entry import main\n"
        "main()\n"
        "assert seen == [True], seen\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_academy_help_through_the_entry_point() -> None:
    academy = Path(sys.executable).parent / "academy"
    if not academy.exists():
        pytest.skip("the academy script is not installed next to this Python")
    result = subprocess.run(
        [str(academy), "--help"], cwd=ROOT, capture_output=True, text=True, check=False, env=dict(os.environ)
    )
    assert result.returncode == 0, result.stderr
    assert "serve" in result.stdout


def test_a_gunicorn_worker_pauses_the_collector_until_the_app_is_built() -> None:
    from app.main import tune_gc

    namespace: dict[str, object] = {}
    exec((ROOT / "docker" / "gunicorn.conf.py").read_text(), namespace)
    thresholds = gc.get_threshold()
    try:
        namespace["post_fork"](None, None)  # type: ignore[operator]
        assert not gc.isenabled()
        tune_gc()
        assert gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()
        gc.set_threshold(*thresholds)


@pytest.mark.parametrize(("options", "paused"), [([], True), (["--workers", "2"], False)])
def test_serve_builds_its_app_with_the_collector_paused(
    tmp_path: Path, options: list[str], paused: bool
) -> None:
    """One process imports and builds the app itself, the collector paused until the app is built; with
    several workers uvicorn's own processes build it and this one pauses nothing."""
    code = (
        "import gc, json, sys, uvicorn\n"
        "import app.cli, app.migrate\n"
        "app.migrate.ensure_at_head = lambda engine: None\n"
        "seen = []\n"
        "def run(target, **options):\n"
        "    seen.append(gc.isenabled())\n"
        "    from app.main import serve_app\n"
        "    serve_app()\n"
        "    seen.append(gc.isenabled())\n"
        "uvicorn.run = run\n"
        "sys.argv = ['academy', 'serve', *sys.argv[1:]]\n"
        "try:\n"
        "    app.cli.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(seen))\n"
    )
    env = {
        "ACADEMY_DATA_DIR": str(tmp_path),
        "ACADEMY_DATABASE_URL": f"sqlite:///{tmp_path / 'entry.db'}",
        "ACADEMY_SECRET_KEY": "x" * 40,
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-c", code, *options],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [not paused, True]
