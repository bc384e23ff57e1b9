"""The benchmark tools still work (at a small size): the generator and the cohort-report timings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import fresh_database_url
from tests.test_cli import ROOT, academy, environment


def test_generate_and_time_the_reports(tmp_path: Path) -> None:
    env = environment(tmp_path, database_url=fresh_database_url("bench", tmp_path))
    assert academy("migrate", env=env).returncode == 0

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )

    generated = run(
        "bench.generate", "--learners", "30", "--lessons", "12", "--events", "3000", "--cohort-size", "12"
    )
    assert generated.returncode == 0, generated.stderr
    made = json.loads(generated.stdout.strip().splitlines()[-1])
    assert made["cohorts"] == 3 and made["learners"] == 30
    timed = run("bench.reports", "--runs", "2")
    assert timed.returncode == 0, timed.stderr
    figures = json.loads(timed.stdout.strip().splitlines()[-1])
    assert figures["matrix"]["queries"] <= 16 and figures["overview"]["queries"] <= 16
    assert figures["matrix"]["bytes"] > 10_000
