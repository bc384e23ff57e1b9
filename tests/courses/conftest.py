from __future__ import annotations

import shutil
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "courses" / "example-course"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A fresh, writable copy of the example course: tests break or edit it."""
    target = tmp_path / "courses" / "example-course"
    shutil.copytree(EXAMPLE, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
