"""bench.profile still measures: a signed-in learner's pages (a discussion board among them) and her API
calls (a read, a progress event) answer 200 through the bare ASGI call."""

from __future__ import annotations

import subprocess
import sys

from tests.test_cli import ROOT


def test_profile_pages_measures_each_page() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.profile", "pages", "--runs", "3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    assert set(lines) == {
        "lesson", "course", "catalogue", "board", "api_enrolments", "api_progress", "progress_event"
    }  # fmt: skip
    for line in lines.values():
        assert float(line.split()[1]) > 0 and "bytes gzipped" in line
