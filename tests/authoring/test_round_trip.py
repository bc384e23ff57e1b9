"""Files and browser are one round trip (issue 25): a course edited in the browser is exported (into a
folder the command creates), one line is edited in the files, and `academy courses sync` makes the
change live without --force; the translations the browser edit made out of date stay out of date."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.courses.models import Course, Lesson, LessonTranslation
from tests.authoring.conftest import Editor, reading
from tests.factories import csrf_token
from tests.test_cli import academy, environment

BODY = "**After this lesson you will be able to** read a plan.\n\nA new first paragraph.\n\n## Sources\n- x"


def test_export_edit_one_line_sync(
    editor: Editor, session: Session, settings: Settings, tmp_path: Path
) -> None:
    lesson = reading(session, editor)
    assert editor.save(lesson, title="First steps", summary="s", body=BODY).status_code == 303  # type: ignore[attr-defined]
    assert editor.publish(lesson).status_code == 303  # type: ignore[attr-defined]
    page = editor.client.get(f"/author/lessons/{lesson.id}?tab=ru").text
    assert "state-outdated" in page.split('href="?tab=ru"')[1].split("</a>")[0]  # English changed since
    session.commit()
    env = environment(Path(settings.data_dir), database_url=settings.database_url)  # the app's media
    target = tmp_path / "new" / "folder"  # does not exist yet: the command creates it
    exported = academy("courses", "export", editor.course.slug, str(target), env=env)
    assert exported.returncode == 0, exported.stderr
    english = target / editor.course.slug / "01-basics" / "01-first-steps.en.md"
    text = english.read_text(encoding="utf-8")
    assert "A new first paragraph." in text
    english.write_text(text.replace("A new first paragraph.", "An edited first paragraph."), encoding="utf-8")
    synced = academy("courses", "sync", str(target / editor.course.slug), env=env)
    assert synced.returncode == 0, synced.stderr
    assert "updated: example-course/first-steps" in synced.stdout  # no --force was needed
    session.commit()  # a new transaction: the command wrote meanwhile
    session.expire_all()
    body = session.scalar(
        sa.select(LessonTranslation.body_md).where(
            LessonTranslation.lesson_id == lesson.id, LessonTranslation.locale == "en"
        )
    )
    assert "An edited first paragraph." in (body or "")  # live
    row = session.get(Lesson, lesson.id)
    assert row is not None and row.content_hash == row.synced_hash
    assert "exported_from: " in english.read_text(encoding="utf-8")  # the sync point, in the files
    page = editor.client.get(f"/author/lessons/{lesson.id}?tab=ru").text
    assert "state-outdated" in page.split('href="?tab=ru"')[1].split("</a>")[0]  # still out of date


def test_export_into_a_file_is_refused(editor: Editor, settings: Settings, tmp_path: Path) -> None:
    env = environment(tmp_path / "data", database_url=settings.database_url)
    (tmp_path / "data").mkdir()
    (tmp_path / "a-file").write_text("x")
    refused = academy("courses", "export", editor.course.slug, str(tmp_path / "a-file"), env=env)
    assert refused.returncode == 2 and "not a folder" in refused.stderr


def test_a_course_that_passes_the_checks_is_published(
    editor: Editor, session: Session, new_client: Callable[[], TestClient]
) -> None:
    session.execute(sa.update(Course).where(Course.id == editor.course.id).values(published_at=None))
    session.commit()
    visitor = new_client()
    assert visitor.get(f"/courses/{editor.course.slug}").status_code == 404
    published = editor.client.post(
        f"/author/courses/{editor.course.slug}/publish",
        data={"csrf_token": csrf_token(editor.client, "/author/")},
    )
    assert published.status_code == 303, published.text.partition("error-summary")[2][:600]
    assert visitor.get(f"/courses/{editor.course.slug}").status_code == 200
