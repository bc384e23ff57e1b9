"""`academy courses sync`: upsert by slug, idempotent, archive instead of delete, all or nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.config import Settings
from app.courses import loader, sync
from app.courses.models import Course, Lesson, LessonTranslation, Media, Module
from app.db import Database
from tests.courses.conftest import edit
from tests.factories import refresh
from tests.test_cli import academy, environment


def run_sync(session: Session, course_dir: Path, settings: Settings, **options: Any) -> sync.SyncResult:
    specs, report = loader.load(course_dir)
    assert report.errors == []
    result = sync.sync(session, specs, media_dir=Path(settings.data_dir) / "media", **options)
    session.commit()
    return result


def lesson(session: Session, slug: str) -> Lesson:
    return session.scalars(sa.select(Lesson).where(Lesson.slug == slug)).one()


def html(session: Session, slug: str, locale: str) -> LessonTranslation:
    return session.get(LessonTranslation, (lesson(session, slug).id, locale))  # type: ignore[return-value]


@pytest.fixture
def writes(database: Database) -> Iterator[list[str]]:
    """Every INSERT, UPDATE and DELETE the engine sends while the test runs."""
    statements: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            statements.append(statement)

    sa.event.listen(database.engine, "before_cursor_execute", listen)
    yield statements
    sa.event.remove(database.engine, "before_cursor_execute", listen)


class TestFirstSync:
    def test_everything_goes_in(self, session: Session, settings: Settings, example: Path) -> None:
        result = run_sync(session, example, settings)
        assert "example-course" in result.created
        course = session.scalars(sa.select(Course)).one()
        assert (course.slug, course.pass_mark, course.topics) == (
            "example-course",
            60,
            ["advocacy", "local-governance"],
        )
        assert session.scalar(sa.select(sa.func.count()).select_from(Module)) == 2
        kinds = session.scalars(sa.select(Lesson.kind).order_by(Lesson.module_id, Lesson.position)).all()
        assert kinds == ["reading", "quiz", "reflection", "scenario", "reading"]

    def test_markdown_is_rendered_and_cached(
        self, session: Session, settings: Settings, example: Path
    ) -> None:
        run_sync(session, example, settings)
        page = html(session, "first-steps", "en").body_html
        assert '<a href="/courses/example-course/check"' in page
        [media] = session.scalars(sa.select(Media)).all()
        assert (
            f'<img src="/media/{media.sha256}.png" alt="A small blue square standing for a diagram"' in page
        )
        assert (Path(settings.data_dir) / "media" / f"{media.sha256}.png").is_file()
        assert "<table>" in page
        assert html(session, "first-steps", "ky").body_html == ""  # left for the Russian fallback

    def test_quiz_and_scenario_texts(self, session: Session, settings: Settings, example: Path) -> None:
        run_sync(session, example, settings)
        quiz = lesson(session, "check")
        assert [q["key"] for q in quiz.structure["questions"]] == ["format", "kinds", "yaml-no"]
        true_false = quiz.structure["questions"][2]
        assert true_false["options"] == [{"key": "true", "correct": True}, {"key": "false", "correct": False}]
        ky = html(session, "check", "ky")
        assert ky.texts["questions"]["format"]["prompt"].startswith("Сабактар")
        assert ky.texts_html["questions"]["format"]["options"]["markdown"]["text"] == "Markdown"
        scenario = lesson(session, "the-meeting")
        assert scenario.structure["start"] == "invited"
        assert html(session, "the-meeting", "ru").texts["steps"]["heard"]["text"].startswith("Кенеш")


class TestSecondSync:
    def test_changes_nothing(
        self, session: Session, settings: Settings, example: Path, writes: list[str]
    ) -> None:
        run_sync(session, example, settings)
        writes.clear()
        result = run_sync(session, example, settings)
        assert not result.changed and result.unchanged == 5
        assert writes == []

    def test_an_edit_updates_in_place(self, session: Session, settings: Settings, example: Path) -> None:
        run_sync(session, example, settings)
        before = lesson(session, "first-steps").id
        edit(
            example / "01-basics" / "01-first-steps.en.md",
            "write a lesson in Markdown",
            "write a lesson in plain Markdown",
        )
        result = run_sync(session, example, settings)
        assert result.updated == ["example-course/first-steps"]
        refresh(session)
        assert lesson(session, "first-steps").id == before
        assert "plain Markdown" in html(session, "first-steps", "en").body_html

    def test_a_moved_lesson_keeps_its_id(self, session: Session, settings: Settings, example: Path) -> None:
        run_sync(session, example, settings)
        before = lesson(session, "your-turn")
        lesson_id, module_id = before.id, before.module_id
        for locale in ("en", "ru", "ky"):
            source = example / "01-basics" / f"03-your-turn.{locale}.md"
            source.rename(example / "02-practice" / f"07-your-turn.{locale}.md")
        result = run_sync(session, example, settings)
        assert result.moved == ["example-course/your-turn"] and result.updated == []
        refresh(session)
        after = lesson(session, "your-turn")
        assert after.id == lesson_id and after.module_id != module_id and after.position == 7


class TestRemoval:
    def test_a_removed_lesson_is_archived_then_restored(
        self, session: Session, settings: Settings, example: Path, tmp_path: Path
    ) -> None:
        run_sync(session, example, settings)
        lesson_id = lesson(session, "check").id
        quiz = example / "01-basics" / "02-check.quiz.yaml"
        kept = tmp_path / "kept.yaml"
        quiz.rename(kept)
        edit(example / "01-basics" / "01-first-steps.en.md", "(lesson:check)", "(lesson:your-turn)")
        edit(example / "01-basics" / "01-first-steps.ru.md", "(lesson:check)", "(lesson:your-turn)")
        result = run_sync(session, example, settings)
        assert result.archived == ["example-course/check"]
        refresh(session)
        archived = session.get(Lesson, lesson_id)
        assert archived is not None and archived.archived_at is not None  # kept, with its history
        kept.rename(quiz)
        result = run_sync(session, example, settings)
        assert result.restored == ["example-course/check"]
        refresh(session)
        assert session.get(Lesson, lesson_id).archived_at is None  # type: ignore[union-attr]


class TestAllOrNothing:
    def test_one_broken_course_stops_the_whole_sync(
        self, session: Session, settings: Settings, example: Path, tmp_path: Path
    ) -> None:
        courses = example.parent
        second = courses / "second-course"
        second.mkdir()
        (second / "course.yaml").write_text("title: {en: Broken}\n")
        env = environment(tmp_path, database_url=settings.database_url)
        result = academy("courses", "sync", str(courses), env=env)
        assert result.returncode == 1
        assert "second-course/course.yaml" in result.stdout and "nothing was changed" in result.stderr
        refresh(session)
        assert session.scalar(sa.select(sa.func.count()).select_from(Course)) == 0

    def test_a_failure_halfway_rolls_back(
        self, session: Session, settings: Settings, example: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        calls = []
        original = sync.write_lesson

        def fail_on_third(*args: Any, **kwargs: Any) -> None:
            calls.append(1)
            if len(calls) == 3:
                raise RuntimeError("disk full")
            original(*args, **kwargs)

        monkeypatch.setattr(sync, "write_lesson", fail_on_third)
        specs, _report = loader.load(example)
        with pytest.raises(RuntimeError):
            sync.sync(session, specs, media_dir=Path(settings.data_dir) / "media")
        session.rollback()
        assert session.scalar(sa.select(sa.func.count()).select_from(Lesson)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(Course)) == 0

    def test_the_command_syncs_and_reports(
        self, session: Session, settings: Settings, example: Path, tmp_path: Path
    ) -> None:
        env = environment(tmp_path, database_url=settings.database_url)
        first = academy("courses", "sync", str(example), env=env)
        assert first.returncode == 0, first.stderr
        assert "created: example-course" in first.stdout
        second = academy("courses", "sync", str(example), env=env)
        assert "no changes" in second.stdout
        refresh(session)
        assert session.scalar(sa.select(sa.func.count()).select_from(Lesson)) == 5


class TestBrowserEdits:
    def test_kept_unless_forced(self, session: Session, settings: Settings, example: Path) -> None:
        run_sync(session, example, settings)
        edited = lesson(session, "first-steps")
        edited.content_hash = "edited-in-the-browser"
        session.commit()
        edit(example / "01-basics" / "01-first-steps.en.md", "write a lesson", "write one lesson")
        result = run_sync(session, example, settings)
        assert result.kept_browser_edits == ["example-course/first-steps"]
        refresh(session)
        assert "write one lesson" not in html(session, "first-steps", "en").body_html
        result = run_sync(session, example, settings, force=True)
        assert result.updated == ["example-course/first-steps"]
        refresh(session)
        assert "write one lesson" in html(session, "first-steps", "en").body_html
