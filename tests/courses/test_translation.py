"""Translations kept honest in the files: a translation records the source it was made from
(`translated_from`, written by `academy courses stamp`), goes stale when the source changes, and
`academy courses check --languages` says per course and language how much is written, stale or falls back."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.config import Settings
from app.courses import export, loader, sync, translation
from app.courses.models import Lesson, LessonTranslation
from tests.courses.conftest import edit
from tests.test_cli import academy, environment

RU = "01-basics/01-first-steps.ru.md"
EN = "01-basics/01-first-steps.en.md"


def states(example: Path, slug: str = "first-steps") -> dict[str, str]:
    [course], report = loader.load(example)
    assert report.errors == [], [str(p) for p in report.errors]
    lesson = next(lesson for lesson in course.lessons() if lesson.slug == slug)
    return {
        locale: translation.state(lesson, locale, course.source_language) for locale in ("en", "ru", "ky")
    }


class TestStates:
    def test_the_example_course_is_stamped(self, example: Path) -> None:
        assert states(example) == {"en": "source", "ru": "current", "ky": "fallback"}
        assert states(example, "check")["ky"] == "current"  # a quiz with every text in every language

    def test_a_change_of_the_source_makes_its_translations_stale(self, example: Path) -> None:
        edit(example / EN, "write a lesson", "write a good lesson")
        assert states(example)["ru"] == "stale"

    def test_a_translation_without_a_stamp_is_unstamped(self, example: Path) -> None:
        text = (example / RU).read_text(encoding="utf-8")
        (example / RU).write_text(
            "".join(line for line in text.splitlines(True) if "translated_from" not in line)
        )
        assert states(example)["ru"] == "unstamped"

    def test_a_stamp_in_the_source_file_is_an_error(self, example: Path) -> None:
        edit(example / EN, "kind: reading", "kind: reading\ntranslated_from: 0123456789ab")
        errors = [str(p) for p in loader.load(example)[1].errors]
        assert errors == [
            f"example-course/{EN}:2: error: translated_from belongs in a translation, not in the source file"
        ]

    def test_a_quiz_missing_a_kyrgyz_text_falls_back(self, example: Path) -> None:
        edit(example / "01-basics/02-check.quiz.yaml", ", ky: Ооба.}", "}")
        assert states(example, "check")["ky"] == "fallback"


class TestCommands:
    def test_stamp_marks_the_unstamped_then_named_lessons(self, example: Path, tmp_path: Path) -> None:
        env = environment(tmp_path)
        edit(example / EN, "write a lesson", "write a good lesson")  # ru is now stale
        unchanged = academy("courses", "stamp", "ru", "--path", str(example), env=env)
        assert unchanged.returncode == 0, unchanged.stderr
        assert "0 file(s) stamped" in unchanged.stderr  # a stale one is never stamped unasked
        assert states(example)["ru"] == "stale"
        named = academy("courses", "stamp", "ru", "first-steps", "--path", str(example), env=env)
        assert named.returncode == 0 and f"stamped {example / RU}" in named.stdout
        assert states(example)["ru"] == "current"
        wrong = academy("courses", "stamp", "fr", "--path", str(example), env=env)
        assert wrong.returncode == 2 and "not a language" in wrong.stderr

    def test_check_languages_prints_each_course_and_language(self, example: Path, tmp_path: Path) -> None:
        edit(example / EN, "write a lesson", "write a good lesson")
        result = academy("courses", "check", str(example), "--languages", "-q", env=environment(tmp_path))
        assert result.returncode == 0, result.stdout + result.stderr
        lines = result.stdout.splitlines()
        start = lines.index("example-course")
        assert lines[start + 1 : start + 4] == [
            "  ky     80%  4/5  current 4, stale 0, unstamped 0, fallback 1, missing 0",
            "  ru    100%  5/5  current 4, stale 1, unstamped 0, fallback 0, missing 0",
            "  en  source  5/5",
        ]


class TestDatabase:
    def test_a_stale_file_is_out_of_date_in_the_database_and_exported_as_it_was(
        self, session: Session, settings: Settings, example: Path, tmp_path: Path
    ) -> None:
        edit(example / EN, "write a lesson", "write a good lesson")
        specs, _report = loader.load(example)
        media = Path(settings.data_dir) / "media"
        sync.sync(session, specs, media_dir=media)
        session.commit()
        rows = {
            row.locale: row.source_hash
            for row in session.scalars(
                sa.select(LessonTranslation).join(Lesson).where(Lesson.slug == "first-steps")
            )
        }
        assert rows["ru"] != rows["en"] and len(rows["ru"]) == translation.STAMP_LENGTH
        assert rows["ky"] == rows["en"]  # no Kyrgyz text: nothing to be out of date
        folder = export.export_course(
            session, slug="example-course", target=tmp_path / "out", media_dir=media
        )
        exported = (folder / RU).read_text(encoding="utf-8")
        original = (example / RU).read_text(encoding="utf-8")
        stamp = next(line for line in original.splitlines() if line.startswith("translated_from:"))
        assert stamp in exported.splitlines()
        assert "translated_from" not in (folder / "01-basics/01-first-steps.ky.md").read_text(
            encoding="utf-8"
        )
