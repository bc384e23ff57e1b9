"""What a serving process does not import until something needs it: each of these is megabytes of memory
and milliseconds of start-up in every worker (docs/performance.md), for work few requests do."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LATER = (
    "PIL",  # an uploaded image (app/authoring/cleaning.py)
    "babel.messages",  # a catalogue not compiled yet (app/i18n.py)
    "zxcvbn",  # a new password (registration, a password change)
    "pyotp",  # two-step sign-in
    "segno",  # its QR code
    "charset_normalizer",  # a roster not in UTF-8
)


def test_a_worker_starts_without_what_few_requests_need(tmp_path: Path) -> None:
    script = (
        "import json, sys\n"
        "from app.main import serve_app\n"
        "serve_app()\n"
        f"print(json.dumps([name for name in {list(LATER)!r} if name in sys.modules]))\n"
    )
    env = {
        "ACADEMY_DATA_DIR": str(tmp_path),
        "ACADEMY_DATABASE_URL": f"sqlite:///{tmp_path / 'lean.db'}",
        "ACADEMY_SECRET_KEY": "x" * 40,
        "PATH": "/usr/bin:/bin",
    }
    answer = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(answer.stdout.strip().splitlines()[-1]) == []
