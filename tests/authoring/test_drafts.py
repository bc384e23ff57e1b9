"""Drafts, publishing, revisions, diffs, restore, translations out of date, concurrent edits."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, selectinload

from app.authoring import service as authoring
from app.authoring.models import LessonDraft
from app.authoring.schemas import parse_structure, structure_yaml
from app.config import Settings
from app.courses.models import GlossaryTerm, Lesson, LessonTranslation, Revision
from app.textdiff import word_diff
from tests.authoring.conftest import Editor, reading
from tests.factories import create_user, csrf_token, enrol, login

BODY = (
    "**After this lesson you will be able to** write a lesson in Markdown.\n\nA new body.\n\n## Sources\n- x"
)


def learner_view(
    new_client: Callable[[], TestClient], session: Session, settings: Settings, editor: Editor
) -> TestClient:
    learner = create_user(session, settings, locale="en")
    enrol(session, learner, editor.course)
    client = new_client()
    login(client, learner.email)
    return client


def test_learners_see_the_published_version_until_publish(
    editor: Editor, session: Session, settings: Settings, new_client: Callable[[], TestClient]
) -> None:
    lesson = reading(session, editor)
    learner = learner_view(new_client, session, settings, editor)
    assert editor.save(lesson, title="First steps, again", summary="s", body=BODY).status_code == 303
    assert "A new body." not in learner.get("/courses/example-course/first-steps").text
    assert session.get(LessonDraft, lesson.id) is not None
    assert editor.publish(lesson, note="clearer").status_code == 303
    page = learner.get("/courses/example-course/first-steps").text
    assert "A new body." in page and "First steps, again" in page
    assert session.get(LessonDraft, lesson.id) is None
    revisions = session.scalars(
        sa.select(Revision).where(Revision.lesson_id == lesson.id).order_by(Revision.number)
    ).all()
    assert [(r.number, r.author_label, r.note) for r in revisions] == [
        (1, "files", "files"),
        (2, "Нургуль", "clearer"),
    ]


def test_a_new_lesson_is_invisible_until_published(
    editor: Editor, session: Session, settings: Settings, new_client: Callable[[], TestClient]
) -> None:
    learner = learner_view(new_client, session, settings, editor)
    module_id = session.scalar(sa.select(Lesson.module_id).where(Lesson.slug == "first-steps"))
    response = editor.client.post(
        f"/author/modules/{module_id}/lessons",
        data={
            "csrf_token": csrf_token(editor.client, "/author/"),
            "title": "Budgets",
            "slug": "budgets",
            "kind": "reading",
        },
    )
    assert response.status_code == 303
    lesson = session.scalars(sa.select(Lesson).where(Lesson.slug == "budgets")).one()
    assert lesson.published_at is None
    assert learner.get("/courses/example-course/budgets").status_code == 404
    assert "budgets" not in learner.get("/api/v1/courses/example-course").text
    editor.save(
        lesson, title="Budgets", summary="Money.", body=BODY.replace("write a lesson", "read a budget")
    )
    assert editor.publish(lesson).status_code == 303
    assert learner.get("/courses/example-course/budgets").status_code == 200


def test_publishing_checks_the_lesson_like_the_files(editor: Editor, session: Session) -> None:
    lesson = reading(session, editor)
    # Saving refuses a link that leads nowhere (test_a_refused_save_keeps_every_field); a draft may still
    # have one (a restored revision, a lesson gone since), and publishing checks it as the files' checker.
    session.scalars(
        sa.select(Lesson).where(Lesson.id == lesson.id).options(selectinload(Lesson.translations))
    ).one()
    data = authoring.draft_of(session, lesson).data
    body = "![](01-diagram.png)\n\n[x](lesson:no-such-lesson)"
    fields = {**data["translations"]["en"], "title": "First steps", "summary": "s", "body": body}
    data = authoring.with_texts(data, locale="en", source="en", fields=fields)
    authoring.save_draft(session, lesson, user=editor.user, expected_version=0, data=data)
    session.commit()
    response = editor.publish(lesson)
    assert response.status_code == 422
    assert "нет альтернативного текста" in response.text and "lesson:no-such-lesson" in response.text
    assert "A new body." not in session.get(LessonTranslation, (lesson.id, "en")).body_md  # type: ignore[union-attr]


def test_history_diff_and_restore(editor: Editor, session: Session) -> None:
    lesson = reading(session, editor)
    original = session.get(LessonTranslation, (lesson.id, "en")).body_md  # type: ignore[union-attr]
    editor.save(lesson, title="First steps", summary="How a lesson is written.", body=BODY)
    editor.publish(lesson)
    history = editor.client.get(f"/author/lessons/{lesson.id}?tab=history").text
    assert "<ins>" in history and "<del>" in history and ("Revision 2" in history or "Версия 2" in history)
    restore = editor.client.post(
        f"/author/lessons/{lesson.id}/revisions/1/restore",
        data={"csrf_token": csrf_token(editor.client, "/author/"), "language": "en"},
    )
    assert restore.status_code == 303 and restore.headers["location"].endswith("?tab=en")
    assert editor.publish(lesson, note="back").status_code == 303
    session.expire_all()
    assert session.get(LessonTranslation, (lesson.id, "en")).body_md == original  # type: ignore[union-attr]
    assert session.scalar(sa.select(sa.func.max(Revision.number)).where(Revision.lesson_id == lesson.id)) == 3


def _texts(session: Session, lesson_id: int) -> dict[str, str]:
    session.expire_all()
    rows = session.scalars(sa.select(LessonTranslation).where(LessonTranslation.lesson_id == lesson_id))
    return {row.locale: row.body_md for row in rows}


def test_restoring_one_language_keeps_the_others(editor: Editor, session: Session) -> None:
    """Issue 25: restoring an old revision restores the language she chose (the tab she came from) and
    keeps the other languages' current texts; all languages is a choice of its own, which names what it
    would replace."""
    lesson = reading(session, editor)
    before = _texts(session, lesson.id)
    ky_body = "**Бул сабактан кийин сиз** …\n\n## Булактар\n- x"
    editor.save(lesson, title="First steps", summary="s", body=BODY)  # English changes
    editor.save(lesson, tab="ky", title="Алгачкы кадамдар", summary="к", body=ky_body)  # and Kyrgyz
    editor.publish(lesson)
    history = editor.client.get(f"/author/lessons/{lesson.id}?tab=history&came_from=en").text
    assert '<option value="en" selected>' in history  # the tab she came from is offered first
    assert "English" in history.split("restore-hint-1")[1].split("</p>")[0]  # what "all" would replace
    answer = editor.client.post(
        f"/author/lessons/{lesson.id}/revisions/1/restore",
        data={"csrf_token": csrf_token(editor.client, "/author/"), "language": "en"},
    )
    assert answer.status_code == 303
    editor.publish(lesson, note="English back")
    after = _texts(session, lesson.id)
    assert after["en"] == before["en"]  # restored
    assert after["ky"] == ky_body  # kept: she did not ask to lose it
    assert after["ru"] == before["ru"]
    every = editor.client.post(
        f"/author/lessons/{lesson.id}/revisions/1/restore",
        data={"csrf_token": csrf_token(editor.client, "/author/"), "language": "all"},
    )
    assert every.status_code == 303
    editor.publish(lesson, note="all back")
    assert _texts(session, lesson.id)["ky"] == before["ky"]  # all languages, as asked
    refused = editor.client.post(
        f"/author/lessons/{lesson.id}/revisions/1/restore",
        data={"csrf_token": csrf_token(editor.client, "/author/"), "language": "xx"},
    )
    assert refused.status_code == 422


def test_word_diff() -> None:
    assert word_diff("the old text", "the new text") == "the <del>old</del><ins>new</ins> text"
    assert word_diff("<b>", "<i>") == "<del>&lt;b&gt;</del><ins>&lt;i&gt;</ins>"


def test_translations_go_out_of_date_when_the_source_changes(editor: Editor, session: Session) -> None:
    lesson = reading(session, editor)
    page = editor.client.get(f"/author/lessons/{lesson.id}?tab=ru").text
    assert "state-current" in page  # synced from files: all translations match their source
    editor.save(lesson, title="First steps", summary="s", body=BODY)
    page = editor.client.get(f"/author/lessons/{lesson.id}?tab=ru").text
    assert 'state state-outdated">' in page
    editor.save(
        lesson,
        tab="ru",
        title="Первые шаги",
        summary="с",
        body="**После этого урока вы сможете** …\n\n## Источники\n- x",
    )
    page = editor.client.get(f"/author/lessons/{lesson.id}?tab=ru").text
    ru_tab = page.split('href="?tab=ru"')[1].split("</a>")[0]
    assert "state-current" in ru_tab
    ky_tab = page.split('href="?tab=ky"')[1].split("</a>")[0]
    assert "state-fallback" in ky_tab  # no Kyrgyz text at all: that, not its age, is what to say


def test_a_second_save_of_the_same_version_is_refused_showing_both(
    editor: Editor, session: Session, settings: Settings, new_client: Callable[[], TestClient]
) -> None:
    lesson = reading(session, editor)
    other = create_user(session, settings, roles=("trainer",), display_name="Айбек")
    authoring.add_staff(session, editor.course, other)
    second = new_client()
    login(second, other.email)
    opened = editor.version(lesson)  # both open the same lesson
    assert opened == Editor(other, editor.course, second).version(lesson)
    assert (
        editor.save(lesson, version=opened, title="Mine first", summary="s", body="Nurgul's text").status_code
        == 303
    )
    refused = Editor(other, editor.course, second).save(
        lesson, version=opened, title="Mine second", summary="s", body="Aibek's text"
    )
    assert refused.status_code == 409
    assert (
        "Нургуль" in refused.text
        and "Nurgul&#39;s text" in refused.text
        and "Aibek&#39;s text" in refused.text
    )
    draft = session.get(LessonDraft, lesson.id)
    assert draft is not None and draft.data["translations"]["en"]["body"] == "Nurgul's text"


def test_live_preview(editor: Editor, session: Session) -> None:
    lesson = reading(session, editor)
    data = {"csrf_token": csrf_token(editor.client, "/author/"), "tab": "en", "version": editor.version(lesson),
            "title": "t", "summary": "s", "body": "# x\n\n**bold** <script>alert(1)</script>", "action": "preview"}  # fmt: skip
    fragment = editor.client.post(
        f"/author/lessons/{lesson.id}/texts", data=data, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "<strong>bold</strong>" in fragment.text and "<script>" not in fragment.text
    page = editor.client.post(f"/author/lessons/{lesson.id}/texts", data=data)
    assert page.status_code == 200 and "<html" in page.text and "<strong>bold</strong>" in page.text
    assert session.get(LessonDraft, lesson.id) is None  # a preview saves nothing


def test_quiz_structure_and_texts(editor: Editor, session: Session) -> None:
    lesson = session.scalars(sa.select(Lesson).where(Lesson.slug == "check")).one()
    structure = "questions:\n- id: format\n  type: single\n  options:\n  - id: markdown\n  - id: word\n    correct: true\n"
    response = editor.client.post(
        f"/author/lessons/{lesson.id}/settings",
        data={"csrf_token": csrf_token(editor.client, "/author/"), "version": editor.version(lesson), "estimated_minutes": "7",
              "required": "on", "structure": structure},
    )  # fmt: skip
    assert response.status_code == 303
    bad = editor.client.post(
        f"/author/lessons/{lesson.id}/settings",
        data={"csrf_token": csrf_token(editor.client, "/author/"), "version": editor.version(lesson), "estimated_minutes": "7",
              "structure": "questions:\n- id: x\n  type: essay\n"},
    )  # fmt: skip
    assert bad.status_code == 422 and "строка 3: questions.0.type" in bad.text
    assert editor.publish(lesson).status_code == 303
    structure_now = session.scalars(sa.select(Lesson.structure).where(Lesson.id == lesson.id)).one()
    assert structure_now["questions"] == [
        {
            "key": "format",
            "kind": "single",
            "options": [{"key": "markdown", "correct": False}, {"key": "word", "correct": True}],
        }
    ]


def test_a_fixed_option_is_shown_and_kept_in_the_editor() -> None:
    """The structure editor shows `fixed: true` and keeps it, as the course files do."""
    structure = {
        "questions": [
            {
                "key": "kinds",
                "kind": "multiple",
                "options": [
                    {"key": "quiz", "correct": True},
                    {"key": "video", "correct": False},
                    {"key": "none", "correct": False, "fixed": True},
                ],
            }
        ]
    }
    text = structure_yaml("quiz", structure)
    assert "- id: none\n    fixed: true\n" in text
    parsed, problems = parse_structure("quiz", text, None)
    assert problems == [] and parsed == structure


def test_the_editor_shows_the_terms_a_lesson_uses_beside_a_translation(
    editor: Editor, session: Session
) -> None:
    session.add_all([
        GlossaryTerm(key="lesson", en="lesson", ru="урок", ky="сабак", note="ky: сабак", avoid={}),
        GlossaryTerm(key="flood", en="flood", ru="наводнение", ky="суу ташкыны", note="", avoid={}),
    ])  # fmt: skip
    session.commit()
    lesson = session.scalars(sa.select(Lesson).where(Lesson.slug == "first-steps")).one()
    page = editor.client.get(f"/author/lessons/{lesson.id}?tab=ky").text
    panel = page.split('class="glossary"')[1].split("</aside>")[0]
    assert "сабак" in panel and "ky: сабак" in panel
    assert "суу ташкыны" not in panel  # the lesson says nothing of floods
    source = editor.client.get(f"/author/lessons/{lesson.id}?tab=en").text
    assert 'class="glossary"' not in source  # the source language needs no glossary beside it
