"""A trainer reads the checker, the history and the lesson's settings in her language (issue 25, point 7):
publish problems translated and located on the line of the text she edits; history with field labels and
readable values; lesson kinds and question types named, never keyed."""

from __future__ import annotations

import io
from pathlib import Path

import sqlalchemy as sa
from openpyxl import load_workbook
from sqlalchemy.orm import Session, selectinload

from app.authoring import service as authoring
from app.changelog import changelog
from app.courses import loader
from app.courses.models import Lesson
from app.i18n import N_, gettext, use_locale
from app.reports import exports
from app.reports.routes import SHEET_NAMES
from tests.authoring.conftest import Editor, reading
from tests.factories import lesson_of


def _in(editor: Editor, session: Session, locale: str) -> None:
    editor.user.locale = locale
    session.commit()


def _draft_with_body(session: Session, editor: Editor, lesson: Lesson, body: str) -> None:
    session.scalars(
        sa.select(Lesson).where(Lesson.id == lesson.id).options(selectinload(Lesson.translations))
    ).one()
    data = authoring.draft_of(session, lesson).data
    fields = {**data["translations"]["en"], "title": "First steps", "summary": "s", "body": body}
    data = authoring.with_texts(data, locale="en", source="en", fields=fields)
    authoring.save_draft(session, lesson, user=editor.user, expected_version=0, data=data)
    session.commit()


def test_publish_problems_in_her_language_on_the_line_she_edits(editor: Editor, session: Session) -> None:
    lesson = reading(session, editor)
    _draft_with_body(session, editor, lesson, "First line.\n\nThird line: ![](01-diagram.png)")
    _in(editor, session, "ru")
    response = editor.publish(lesson)
    assert response.status_code == 422
    page = response.text  # type: ignore[attr-defined]
    # The image is on line 3 of the text she edits (the file the checker read has front matter above it).
    assert "английский, строка 3 текста: у изображения 01-diagram.png нет альтернативного текста" in page
    assert "no alt text" not in page
    _in(editor, session, "ky")
    page = editor.publish(lesson).text  # type: ignore[attr-defined]
    assert "англисче, тексттин 3-сабы:" in page and "no alt text" not in page


def test_checker_problems_keep_their_english_for_the_command_line() -> None:
    report = loader.Report(root=Path("/tmp/course"))
    report.add(Path("/tmp/course/x.md"), N_("%(file)s is missing: put it beside the lesson"), 4, file="a.png")
    [problem] = report.errors
    assert str(problem) == "course/x.md:4: error: a.png is missing: put it beside the lesson"
    with use_locale("ru"):
        assert problem.translated() == "a.png нет: положите его рядом с уроком"


def test_history_names_fields_and_shows_values_as_she_reads_them(editor: Editor, session: Session) -> None:
    quiz = lesson_of(session, editor.course, "check")
    session.scalars(
        sa.select(Lesson).where(Lesson.id == quiz.id).options(selectinload(Lesson.translations))
    ).one()
    old = authoring.draft_of(session, quiz).data
    new = {**old, "required": not old.get("required", True), "estimated_minutes": 12}
    structure = authoring.draft_of(session, quiz).data.get("structure", {})
    new["structure"] = {**structure, "questions": list(reversed(structure.get("questions", [])))}
    changes = authoring.diff(old, new, kind="quiz")
    with use_locale("ru"):
        labels = [change.label for change in changes]
    assert "Обязателен для завершения курса" in labels and "Сколько минут занимает" in labels
    rendered = " ".join(change.html for change in changes)
    assert "True" not in rendered and "False" not in rendered and "{'" not in rendered
    assert "kind:" not in rendered and "type:" in rendered  # the YAML she edits, not the stored form
    page = editor.client.get(f"/author/lessons/{quiz.id}?tab=en").text
    assert "· single ·" not in page and "· true_false" not in page


def test_automatic_changelog_lines_are_translated() -> None:
    with use_locale("ky"):
        assert changelog("adopted as 2026-1") != "adopted as 2026-1"
        assert "2026-1" in changelog("adopted as 2026-1")
        assert changelog("reaffirmed item 3 of 2026-1").count("3") == 1
        assert changelog("Убрала лишнее") == "Убрала лишнее"  # a person's own line, as she wrote it


def test_spreadsheet_sheets_are_named_in_her_language() -> None:
    with use_locale("ky"):
        name = gettext(SHEET_NAMES["matrix"])
    book = load_workbook(io.BytesIO(exports.to_xlsx([["a"], [1]], sheet=name)))
    assert book.sheetnames == [name] and name != "Progress by lesson" and name != "matrix"
