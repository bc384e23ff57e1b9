"""What the editor refuses comes back on the page the trainer was on: status 422 (or the rule's own), what
she typed still in the form, the reason beside the field and in the summary; never a bare error page.
And a refused request leaves nothing half-written."""

from __future__ import annotations

import html
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.authoring import service as authoring
from app.authoring.exceptions import EditConflict
from app.authoring.models import CourseMedia, LessonDraft
from app.config import Settings
from app.courses import sync
from app.courses.models import Course, Lesson, LessonTranslation, Module, Revision
from tests.authoring.conftest import Editor
from tests.factories import EXAMPLE_COURSE, create_user, csrf_token, lesson_of, login, sync_course

PNG = (EXAMPLE_COURSE / "01-basics" / "01-diagram.png").read_bytes()
BODY = "**After this lesson you will be able to** keep what you typed.\n\nMy own words.\n\n## Sources\n- x"


@pytest.fixture
def trainer(client: TestClient, session: Session, settings: Settings) -> Editor:
    """An author of the example course who reads the editor in English (so its messages can be named)."""
    course = sync_course(session, settings)
    user = create_user(session, settings, roles=("trainer",), display_name="Айгуль", locale="en")
    authoring.add_staff(session, course, user)
    session.commit()
    login(client, user.email)
    return Editor(user, course, client)


def post(trainer: Editor, path: str, headers: dict[str, str] | None = None, **fields: str) -> object:
    data = {"csrf_token": csrf_token(trainer.client, "/author/"), **fields}
    return trainer.client.post(path, data=data, headers=headers)


def beside(page: str, key: str, message: str) -> bool:
    """The message is beside the field (its error paragraph) and in the summary, linking to it."""
    return (
        f'<p class="field-error" id="error-{key}">{html.escape(message)}</p>' in page
        and f'<a href="#field-{key}">{html.escape(message)}</a>' in page
        and f'id="field-{key}"' in page
    )


def field_value(page: str, key: str) -> str:
    """The value of an input (or the text of a textarea) on the page."""
    start = page.index(f'id="field-{key}"')
    tag = page[start : page.index(">", start) + 1]
    if 'value="' in tag:
        return html.unescape(tag.split('value="')[1].split('"')[0])
    return html.unescape(page[page.index(">", start) + 1 : page.index("</textarea>", start)])


def module_of(session: Session) -> Module:
    return session.scalars(sa.select(Module).where(Module.slug == "basics")).one()


# Courses --------------------------------------------------------------------------------------------------


class TestCourseForms:
    def test_a_new_course_without_a_title_comes_back_with_her_input(
        self, trainer: Editor, session: Session
    ) -> None:
        response = post(trainer, "/author/courses", title="", slug="budget-basics", locale="ky")
        page = response.text  # type: ignore[attr-defined]
        assert response.status_code == 422  # type: ignore[attr-defined]
        assert beside(page, "title", "Give the course a title.")
        assert field_value(page, "slug") == "budget-basics"
        assert '<option value="ky" selected>' in page
        assert session.scalar(sa.select(sa.func.count()).select_from(Course)) == 1

    def test_a_taken_short_name_is_refused_beside_it(self, trainer: Editor) -> None:
        response = post(trainer, "/author/courses", title="Again", slug="example-course", locale="en")
        page = response.text  # type: ignore[attr-defined]
        assert response.status_code == 422  # type: ignore[attr-defined]
        assert beside(page, "slug", "This short name is already used here; choose another.")
        assert field_value(page, "title") == "Again"

    def test_texts_without_a_title_keep_the_rest(self, trainer: Editor, session: Session) -> None:
        response = post(
            trainer, "/author/courses/example-course/texts", lang="ru", title="  ", summary="Моё описание"
        )
        page = response.text  # type: ignore[attr-defined]
        assert response.status_code == 422  # type: ignore[attr-defined]
        assert beside(page, "title", "Give the course a title.")
        assert field_value(page, "summary") == "Моё описание"
        assert 'href="?lang=ru" aria-current="page"' in page  # still in the language she was writing

    def test_bad_settings_are_refused_and_nothing_is_saved(self, trainer: Editor, session: Session) -> None:
        hours = session.scalar(sa.select(Course.estimated_hours))
        response = trainer.client.post(
            "/author/courses/example-course/settings",
            data={
                "csrf_token": csrf_token(trainer.client, "/author/"),
                "estimated_hours": "a lot",
                "pass_mark": "200",
                "topics": ["climate", "disaster-risk"],
                "licence": "CC0",
                "authors": "Айгуль, Бакыт",
            },
        )
        page = response.text
        assert response.status_code == 422
        assert beside(page, "estimated_hours", "Give the hours as a number between 0.5 and 500.")
        assert beside(page, "pass_mark", "Give the pass mark as a whole number from 0 to 100.")
        assert field_value(page, "estimated_hours") == "a lot" and field_value(page, "pass_mark") == "200"
        assert field_value(page, "licence") == "CC0" and field_value(page, "authors") == "Айгуль, Бакыт"
        assert 'value="climate" checked' in page and 'value="conflict-prevention">' in page
        assert 'id="open-enrolment" name="open_enrolment">' in page  # she had unticked it
        session.expire_all()
        assert session.scalar(sa.select(Course.estimated_hours)) == hours

    def test_an_unknown_trainer_is_refused_beside_the_email(self, trainer: Editor) -> None:
        response = post(trainer, "/author/courses/example-course/staff", email="nobody@example.kg")
        page = response.text  # type: ignore[attr-defined]
        assert response.status_code == 422  # type: ignore[attr-defined]
        message = "No trainer has this email. An administrator can make someone a trainer first."
        assert beside(page, "staff-email", message)
        assert field_value(page, "staff-email") == "nobody@example.kg"


class TestMediaRefusals:
    MESSAGE = "Only PNG, JPEG, GIF and WebP images and PDF files of up to 2 MB can be uploaded."

    def upload(self, trainer: Editor, name: str, data: bytes) -> object:
        return trainer.client.post(
            "/author/courses/example-course/media",
            data={"csrf_token": csrf_token(trainer.client, "/author/")},
            files={"file": (name, data, "image/png")},
        )

    def test_a_refused_type_comes_back_on_the_course_page(self, trainer: Editor, session: Session) -> None:
        response = self.upload(trainer, "notes.png", b"<svg onload='alert(1)'/>")
        page = response.text  # type: ignore[attr-defined]
        assert response.status_code == 422  # type: ignore[attr-defined]
        assert beside(page, "media-file", self.MESSAGE)
        assert 'aria-invalid="true"' in page.split('id="field-media-file"')[1].split(">")[0]
        assert "<h1" in page and "Images and PDFs" in page  # the course's page, not an error page
        assert session.scalar(sa.select(sa.func.count()).select_from(CourseMedia)) == 0

    def test_a_file_just_over_the_limit_is_refused_with_413_on_the_page(
        self, trainer: Editor, session: Session
    ) -> None:
        response = self.upload(trainer, "map.png", PNG + b"\0" * (authoring.MAX_UPLOAD_BYTES - len(PNG) + 1))
        assert response.status_code == 413  # type: ignore[attr-defined]
        assert beside(response.text, "media-file", self.MESSAGE)  # type: ignore[attr-defined]
        assert session.scalar(sa.select(sa.func.count()).select_from(CourseMedia)) == 0

    def test_a_post_without_a_file_is_refused_beside_the_field(self, trainer: Editor) -> None:
        response = post(trainer, "/author/courses/example-course/media")
        assert response.status_code == 422  # type: ignore[attr-defined]
        assert beside(response.text, "media-file", self.MESSAGE)  # type: ignore[attr-defined]


class TestModuleAndLessonForms:
    def test_a_new_module_without_a_title(self, trainer: Editor) -> None:
        response = post(trainer, "/author/courses/example-course/modules", title="", slug="money")
        page = response.text  # type: ignore[attr-defined]
        assert response.status_code == 422  # type: ignore[attr-defined]
        assert beside(page, "module-new-title", "Give the module a title.")
        assert field_value(page, "module-new-slug") == "money"

    def test_a_new_module_with_a_bad_short_name(self, trainer: Editor, session: Session) -> None:
        modules = session.scalar(sa.select(sa.func.count()).select_from(Module))
        response = post(
            trainer, "/author/courses/example-course/modules", title="Money", slug="Money Matters"
        )
        page = response.text  # type: ignore[attr-defined]
        assert response.status_code == 422  # type: ignore[attr-defined]
        message = "Use lower-case Latin letters, digits and hyphens, like gender-budgeting."
        assert beside(page, "module-new-slug", message)
        assert field_value(page, "module-new-title") == "Money"
        assert field_value(page, "module-new-slug") == "Money Matters"  # as she typed it
        assert session.scalar(sa.select(sa.func.count()).select_from(Module)) == modules

    def test_a_module_title_cannot_be_emptied(self, trainer: Editor, session: Session) -> None:
        module = module_of(session)
        response = post(trainer, f"/author/modules/{module.id}/texts", lang="en", title="", summary="Kept.")
        page = response.text  # type: ignore[attr-defined]
        assert response.status_code == 422  # type: ignore[attr-defined]
        assert beside(page, f"module-title-{module.id}", "Give the module a title.")
        assert field_value(page, f"module-summary-{module.id}") == "Kept."
        form = page.split(f'id="module-{module.slug}"')[1].split(f'id="field-module-title-{module.id}"')[0]
        assert "<details open>" in form  # the form she used is open, not folded away

    def test_a_new_lesson_whose_short_name_is_taken(self, trainer: Editor, session: Session) -> None:
        module = module_of(session)
        response = post(
            trainer, f"/author/modules/{module.id}/lessons", title="Again", slug="first-steps", kind="quiz"
        )
        page = response.text  # type: ignore[attr-defined]
        assert response.status_code == 422  # type: ignore[attr-defined]
        key = f"lesson-slug-{module.id}"
        assert beside(page, key, "This short name is already used here; choose another.")
        assert field_value(page, f"lesson-title-{module.id}") == "Again"
        kinds = page.split(f'id="field-lesson-kind-{module.id}"')[1].split("</select>")[0]
        assert '<option value="quiz" selected>' in kinds


# The lesson editor ----------------------------------------------------------------------------------------


class TestLessonEditor:
    def test_a_draft_without_a_title_keeps_every_field(self, trainer: Editor, session: Session) -> None:
        lesson = lesson_of(session, trainer.course, "first-steps")
        response = trainer.save(lesson, title="", summary="My summary", body=BODY)
        page = response.text  # type: ignore[attr-defined]
        assert response.status_code == 422  # type: ignore[attr-defined]
        assert beside(page, "title", "Give the lesson a title.")
        assert field_value(page, "summary") == "My summary" and field_value(page, "body") == BODY
        assert session.get(LessonDraft, lesson.id) is None

    def test_a_refused_save_keeps_every_field_with_the_reason_beside_the_body(
        self, trainer: Editor, session: Session
    ) -> None:
        lesson = lesson_of(session, trainer.course, "first-steps")
        body = BODY + "\n\nSee [the next one](lesson:no-such-lesson)."
        response = trainer.save(lesson, tab="ru", title="Первые шаги", summary="Кратко", body=body)
        page = response.text  # type: ignore[attr-defined]
        assert response.status_code == 422  # type: ignore[attr-defined]
        assert beside(page, "body", "The link lesson:no-such-lesson leads nowhere in this course.")
        assert field_value(page, "title") == "Первые шаги" and field_value(page, "body") == body
        assert 'href="?tab=ru" aria-current="page"' in page
        assert session.get(LessonDraft, lesson.id) is None

    def test_a_too_long_title_is_refused_not_cut(self, trainer: Editor, session: Session) -> None:
        lesson = lesson_of(session, trainer.course, "first-steps")
        response = trainer.save(lesson, title="T" * 201, summary="s", body=BODY)
        assert response.status_code == 422  # type: ignore[attr-defined]
        assert beside(response.text, "title", "At most 200 characters.")  # type: ignore[attr-defined]
        assert field_value(response.text, "title") == "T" * 201  # type: ignore[attr-defined]

    def test_a_quiz_text_too_long_is_refused_beside_its_field(
        self, trainer: Editor, session: Session
    ) -> None:
        lesson = lesson_of(session, trainer.course, "check")
        question = session.scalars(sa.select(Lesson.structure).where(Lesson.id == lesson.id)).one()
        key = question["questions"][0]["key"]
        fields = {"title": "Check yourself", f"q-{key}-prompt": "Why?", f"q-{key}-explanation": "x" * 5001}
        response = trainer.save(lesson, **fields)
        page = response.text  # type: ignore[attr-defined]
        assert response.status_code == 422  # type: ignore[attr-defined]
        assert beside(page, f"q-{key}-explanation", "At most 5000 characters.")
        assert field_value(page, f"q-{key}-prompt") == "Why?"
        assert field_value(page, "title") == "Check yourself"
        assert session.get(LessonDraft, lesson.id) is None

    def test_a_refused_preview_with_htmx_is_its_fragment_with_422(
        self, trainer: Editor, session: Session
    ) -> None:
        lesson = lesson_of(session, trainer.course, "first-steps")
        response = post(
            trainer,
            f"/author/lessons/{lesson.id}/texts",
            headers={"HX-Request": "true"},
            tab="en",
            version=trainer.version(lesson),
            action="preview",
            title="t",
            body="x" * 60_001,
        )
        page = response.text  # type: ignore[attr-defined]
        assert response.status_code == 422  # type: ignore[attr-defined]
        assert "<html" not in page and 'id="field-body"' not in page  # the preview's place only
        assert '<a href="#field-body">At most 60000 characters.</a>' in page

    def test_a_preview_needs_no_title(self, trainer: Editor, session: Session) -> None:
        lesson = lesson_of(session, trainer.course, "first-steps")
        response = post(
            trainer,
            f"/author/lessons/{lesson.id}/texts",
            headers={"HX-Request": "true"},
            tab="en",
            action="preview",
            title="",
            body="**bold**",
        )
        assert response.status_code == 200 and "<strong>bold</strong>" in response.text  # type: ignore[attr-defined]

    def test_bad_settings_keep_her_structure(self, trainer: Editor, session: Session) -> None:
        lesson = lesson_of(session, trainer.course, "check")
        structure = "questions:\n- id: format\n  type: single\n  options:\n  - id: yes\n    correct: true\n"
        response = post(
            trainer,
            f"/author/lessons/{lesson.id}/settings",
            version=trainer.version(lesson),
            estimated_minutes="0",
            structure=structure,
        )
        page = response.text  # type: ignore[attr-defined]
        assert response.status_code == 422  # type: ignore[attr-defined]
        assert beside(page, "estimated_minutes", "Give the minutes as a whole number from 1 to 300.")
        assert field_value(page, "estimated_minutes") == "0" and field_value(page, "structure") == structure
        assert 'id="required" name="required">' in page  # she had unticked it
        assert session.get(LessonDraft, lesson.id) is None

    def test_a_structure_that_does_not_read_is_refused_beside_it(
        self, trainer: Editor, session: Session
    ) -> None:
        lesson = lesson_of(session, trainer.course, "check")
        structure = "questions:\n- id: x\n  type: essay\n"
        response = post(
            trainer,
            f"/author/lessons/{lesson.id}/settings",
            version=trainer.version(lesson),
            estimated_minutes="12",
            required="on",
            structure=structure,
        )
        page = response.text  # type: ignore[attr-defined]
        assert response.status_code == 422  # type: ignore[attr-defined]
        assert 'id="error-structure">The structure cannot be saved: line 3: questions.0.type' in page
        assert field_value(page, "structure") == structure and field_value(page, "estimated_minutes") == "12"

    def test_a_publish_note_too_long_keeps_it(self, trainer: Editor, session: Session) -> None:
        lesson = lesson_of(session, trainer.course, "first-steps")
        trainer.save(lesson, title="First steps", summary="s", body=BODY)
        response = trainer.publish(lesson, note="n" * 301)
        page = response.text  # type: ignore[attr-defined]
        assert response.status_code == 422  # type: ignore[attr-defined]
        assert beside(page, "publish-note", "At most 300 characters.")
        assert field_value(page, "publish-note") == "n" * 301
        assert session.scalar(sa.select(sa.func.count()).where(Revision.lesson_id == lesson.id)) == 1

    def test_publishing_a_version_someone_replaced_shows_the_conflict(
        self, trainer: Editor, session: Session
    ) -> None:
        lesson = lesson_of(session, trainer.course, "first-steps")
        opened = trainer.version(lesson)
        trainer.save(lesson, version=opened, title="First steps", summary="s", body=BODY)
        response = post(trainer, f"/author/lessons/{lesson.id}/publish", version=opened, tab="en")
        page = response.text  # type: ignore[attr-defined]
        assert response.status_code == 409  # type: ignore[attr-defined]
        assert 'id="conflict"' in page and "Айгуль saved this lesson" in page
        assert session.get(LessonDraft, lesson.id) is not None

    def test_a_restore_that_meets_another_save_comes_back_on_the_history(
        self, trainer: Editor, session: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        lesson = lesson_of(session, trainer.course, "first-steps")

        def raced(*_args: object, **_kwargs: object) -> int:
            raise EditConflict({}, 2, "Бакыт")

        monkeypatch.setattr(authoring, "restore", raced)
        response = post(trainer, f"/author/lessons/{lesson.id}/revisions/1/restore")
        page = response.text  # type: ignore[attr-defined]
        assert response.status_code == 409  # type: ignore[attr-defined]
        assert 'href="?tab=history" aria-current="page"' in page
        assert "Someone saved this lesson a moment ago. Reload the page and try again." in page


def test_a_publish_refused_after_it_wrote_leaves_nothing_half_written(
    trainer: Editor, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Publishing writes the lesson, removes the draft, then adds a revision: refused at the last step,
    the lesson, its draft and its history are as they were."""
    lesson = lesson_of(session, trainer.course, "first-steps")
    before = session.get(LessonTranslation, (lesson.id, "en")).body_md  # type: ignore[union-attr]
    trainer.save(lesson, title="First steps", summary="s", body=BODY)
    wrote: list[str] = []

    def add_revision(*_args: object, **_kwargs: object) -> Revision:
        wrote.append("lesson")  # write_lesson and the draft's removal have been flushed by now
        raise EditConflict({}, 0, "")

    monkeypatch.setattr(sync, "add_revision", add_revision)
    response = trainer.publish(lesson, note="half")
    assert response.status_code == 409 and wrote == ["lesson"]  # type: ignore[attr-defined]
    session.expire_all()
    assert session.get(LessonTranslation, (lesson.id, "en")).body_md == before  # type: ignore[union-attr]
    draft = session.get(LessonDraft, lesson.id)
    assert draft is not None and draft.data["translations"]["en"]["body"] == BODY
    assert session.scalar(sa.select(sa.func.count()).where(Revision.lesson_id == lesson.id)) == 1


def test_a_trainer_who_is_not_an_author_gets_no_refusal_page(
    trainer: Editor, session: Session, settings: Settings, new_client: Callable[[], TestClient]
) -> None:
    """A refused form of someone else's course shows nothing of it: the refusal page checks who she is."""
    outsider = create_user(session, settings, roles=("trainer",), locale="en")
    session.commit()
    client = new_client()
    login(client, outsider.email)
    token = csrf_token(client, "/author/")
    response = client.post("/author/courses/example-course/texts", data={"csrf_token": token, "title": ""})
    assert response.status_code == 403 and "Give the course a title." not in response.text
