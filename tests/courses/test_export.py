"""Export after sync gives back equivalent files: loading them gives the course that went in."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.config import Settings
from app.courses import export, loader, sync
from app.courses.spec import CourseSpec
from tests.courses.conftest import EXAMPLE
from tests.test_cli import academy, environment

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(path for path in (ROOT / "courses").iterdir() if (path / "course.yaml").is_file())


def comparable(course: CourseSpec) -> dict[str, Any]:
    data = dataclasses.asdict(course)
    data.pop("path")
    for module in data["modules"]:
        for lesson in module["lessons"]:
            lesson.pop("files")
            lesson.pop("exported_from")  # what an export says it was made from: not content
            lesson["media"] = {name: media["sha256"] for name, media in lesson["media"].items()}
            lesson["body"] = {locale: body.strip() for locale, body in lesson["body"].items()}
    return data


@pytest.mark.parametrize("course_dir", [EXAMPLE, *SHIPPED], ids=lambda path: path.name)
def test_export_after_sync_gives_back_the_same_course(
    session: Session, settings: Settings, course_dir: Path, tmp_path: Path
) -> None:
    [original], report = loader.load(course_dir)
    assert report.errors == []
    media_dir = Path(settings.data_dir) / "media"
    sync.sync(session, [original], media_dir=media_dir)
    session.commit()
    folder = export.export_course(session, slug=original.slug, target=tmp_path, media_dir=media_dir)
    [exported], again = loader.load(folder)
    assert again.errors == [], [str(p) for p in again.errors]
    assert comparable(exported) == comparable(original)
    assert [str(p).split(": ", 1)[1] for p in again.warnings] == [
        str(p).split(": ", 1)[1] for p in report.warnings
    ]


def test_the_export_command(session: Session, settings: Settings, tmp_path: Path) -> None:
    env = environment(tmp_path, database_url=settings.database_url)
    assert academy("courses", "sync", str(EXAMPLE), env=env).returncode == 0
    out = tmp_path / "out"
    out.mkdir()
    result = academy("courses", "export", "example-course", str(out), env=env)
    assert result.returncode == 0, result.stderr
    assert (out / "example-course" / "01-basics" / "02-check.quiz.yaml").is_file()
    missing = academy("courses", "export", "no-such-course", str(out), env=env)
    assert missing.returncode == 2 and "no course" in missing.stderr.lower()
