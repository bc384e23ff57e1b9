"""Progress: append-only events counted once, LessonProgress kept in step, quizzes, completion."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.config import Settings
from app.learning import service as learning_service
from app.learning.models import Enrolment, LessonProgress, ProgressEvent
from tests.courses.conftest import edit
from tests.factories import csrf_token, lesson_of, post, refresh, sync_course
from tests.learning.conftest import Enrolled

LESSON = "/courses/example-course/first-steps"


def events(session: Session) -> list[ProgressEvent]:
    return list(session.scalars(sa.select(ProgressEvent).order_by(ProgressEvent.id)))


class TestEvents:
    def test_first_view_is_recorded_once(self, enrolled: Enrolled, session: Session) -> None:
        for _ in range(3):
            assert enrolled.client.get(LESSON).status_code == 200
        assert [event.type for event in events(session)] == ["viewed"]
        progress = session.scalars(sa.select(LessonProgress)).one()
        assert progress.status == "in_progress" and progress.first_viewed_at is not None

    def test_a_double_click_counts_once(self, enrolled: Enrolled, session: Session) -> None:
        token = csrf_token(enrolled.client, LESSON)
        for _ in range(2):
            response = enrolled.client.post(
                f"{LESSON}/complete", data={"csrf_token": token, "event_id": "click-1"}
            )
            assert response.status_code == 303
        completed = [event for event in events(session) if event.type == "completed"]
        assert len(completed) == 1
        assert session.scalars(sa.select(LessonProgress.status)).one() == "completed"

    def test_htmx_updates_the_button_in_place(self, enrolled: Enrolled) -> None:
        token = csrf_token(enrolled.client, LESSON)
        response = enrolled.client.post(
            f"{LESSON}/complete", data={"csrf_token": token, "event_id": "e"}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 200 and "<html" not in response.text
        assert "notice ok" in response.text

    def test_a_quiz_cannot_be_marked_complete(self, enrolled: Enrolled, session: Session) -> None:
        response = post(
            enrolled.client, "/courses/example-course/check/complete", {"event_id": "x"}, token_from=LESSON
        )
        assert response.status_code == 403
        assert not [event for event in events(session) if event.type == "completed"]

    def test_record_event_rejects_unknown_types(self, enrolled: Enrolled, session: Session) -> None:
        lesson = lesson_of(session, enrolled.course, "first-steps")
        recorded = learning_service.record_event(
            session, user_id=enrolled.user.id, course_id=enrolled.course.id, pass_mark=60, lesson=lesson,
            type="liked", client_event_id="z",
        )  # fmt: skip
        assert recorded.status == "rejected" and events(session) == []


QUIZ = "/courses/example-course/check"
RIGHT = {"q-format": "markdown", "q-kinds": ["quiz", "scenario"], "q-yaml-no": "true"}
WRONG = {"q-format": "word", "q-kinds": ["video"], "q-yaml-no": "false"}


class TestQuiz:
    def test_grading(self) -> None:
        structure = {
            "questions": [
                {"key": "a", "kind": "single", "options": [{"key": "x", "correct": True}, {"key": "y", "correct": False}]},
                {"key": "b", "kind": "multiple", "options": [{"key": "x", "correct": True}, {"key": "y", "correct": True}, {"key": "z", "correct": False}]},
                {"key": "c", "kind": "true_false", "options": [{"key": "true", "correct": False}, {"key": "false", "correct": True}]},
            ]
        }  # fmt: skip
        assert (
            learning_service.grade(structure, {"a": ["x"], "b": ["x", "y"], "c": ["false"]}, 70).score == 100
        )
        partial = learning_service.grade(structure, {"a": ["x", "y"], "b": ["x"], "c": ["false"]}, 70)
        assert partial.score == 33 and not partial.passed
        assert [q.correct for q in partial.questions] == [False, False, True]
        assert learning_service.grade(structure, {"a": ["nonsense"]}, 70).score == 0

    def test_no_javascript_post_redirects_and_the_page_shows_feedback(
        self, enrolled: Enrolled, session: Session
    ) -> None:
        response = post(enrolled.client, f"{QUIZ}/quiz", {"event_id": "q1", **WRONG}, token_from=QUIZ)  # type: ignore[dict-item]
        assert response.status_code == 303 and response.headers["location"].endswith("#quiz-result")
        page = enrolled.client.get(QUIZ).text
        assert (
            "0%" in page
            and "Нет, простые текстовые файлы." in page
            and "Markdown — это простой текст" in page
        )
        progress = session.scalars(sa.select(LessonProgress)).one()
        assert (progress.attempts, progress.failed_attempts, progress.status) == (1, 1, "in_progress")

    def test_htmx_returns_the_results_fragment(self, enrolled: Enrolled, session: Session) -> None:
        token = csrf_token(enrolled.client, QUIZ)
        response = enrolled.client.post(
            f"{QUIZ}/quiz",
            data={"csrf_token": token, "event_id": "q2", **RIGHT},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200 and "<html" not in response.text and "100%" in response.text
        progress = session.scalars(sa.select(LessonProgress)).one()
        assert (progress.status, progress.best_score) == ("completed", 100)

    def test_retry_shows_a_fresh_form(self, enrolled: Enrolled) -> None:
        post(enrolled.client, f"{QUIZ}/quiz", {"event_id": "q3", **WRONG}, token_from=QUIZ)  # type: ignore[dict-item]
        page = enrolled.client.get(f"{QUIZ}?retry=1").text
        assert "Check my answers" in page or "Проверить" in page
        assert "disabled" not in page.split('id="quiz"')[1].split("</form>")[0]


class TestCompletion:
    def complete_all(self, enrolled: Enrolled) -> None:
        client = enrolled.client
        post(client, f"{LESSON}/complete", {"event_id": "c1"}, token_from=LESSON)
        post(client, f"{QUIZ}/quiz", {"event_id": "c2", **RIGHT}, token_from=QUIZ)  # type: ignore[dict-item]
        post(
            client,
            "/courses/example-course/your-turn/note",
            {"event_id": "c3", "note": "Мой ответ"},
            token_from=LESSON,
        )

    def test_optional_lessons_are_not_needed(self, enrolled: Enrolled, session: Session) -> None:
        self.complete_all(enrolled)
        assert session.scalars(sa.select(Enrolment.completed_at)).one() is None  # the scenario is still open
        response = post(
            enrolled.client,
            "/courses/example-course/the-meeting/complete",
            {"event_id": "c4"},
            token_from=LESSON,
        )
        assert response.status_code == 303
        assert response.headers["location"].endswith("/the-meeting#lesson-completion")
        page = enrolled.client.get(response.headers["location"]).text
        assert 'href="/my/certificates/example-course"' in page
        assert session.scalars(sa.select(Enrolment.completed_at)).one() is not None  # "recap" is optional

    def test_a_failed_quiz_does_not_complete(self, enrolled: Enrolled, session: Session) -> None:
        post(enrolled.client, f"{QUIZ}/quiz", {"event_id": "f1", **WRONG}, token_from=QUIZ)  # type: ignore[dict-item]
        assert session.scalars(sa.select(LessonProgress.status)).all() == ["in_progress"]

    def test_progress_survives_an_edit_of_the_course_files(
        self, enrolled: Enrolled, session: Session, settings: Settings, tmp_path: Path
    ) -> None:
        import shutil

        from tests.factories import EXAMPLE_COURSE

        post(enrolled.client, f"{LESSON}/complete", {"event_id": "k1"}, token_from=LESSON)
        edited = tmp_path / "example-course"
        shutil.copytree(EXAMPLE_COURSE, edited)
        edit(edited / "01-basics" / "01-first-steps.en.md", "write a lesson", "write a good lesson")
        for locale in ("en", "ru", "ky"):  # and move the lesson to the other module
            (edited / "01-basics" / f"01-first-steps.{locale}.md").rename(
                edited / "02-practice" / f"09-first-steps.{locale}.md"
            )
        (edited / "01-basics" / "01-diagram.png").rename(edited / "02-practice" / "01-diagram.png")
        sync_course(session, settings, edited)
        session.commit()
        refresh(session)
        [progress] = [p for p in session.scalars(sa.select(LessonProgress)) if p.status == "completed"]
        assert progress.lesson_id == lesson_of(session, enrolled.course, "first-steps").id
        page = enrolled.client.get("/courses/example-course").text
        assert 'class="done"' in page
