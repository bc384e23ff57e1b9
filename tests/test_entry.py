"""The `academy` command imports the app with the cycle collector paused, and resumes it before any
command runs; a gunicorn worker pauses it after the fork and the app resumes it once built."""

from __future__ import annotations

import gc
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
