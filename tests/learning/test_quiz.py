"""Quizzes test understanding, not position (issue 17): each learner and each attempt sees the options in
an order of its own, fixed for the attempt; true/false and `fixed` options keep their places; grading does
not care; and a submission with a question left unanswered is not an attempt."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.learning import quiz
from app.learning import service as learning_service
from app.learning.models import LessonProgress, ProgressEvent
from tests.factories import csrf_token, lesson_of, post
from tests.learning.conftest import Enrolled

QUIZ = "/courses/example-course/check"
RIGHT = {"q-format": "markdown", "q-kinds": ["quiz", "scenario"], "q-yaml-no": "true"}

# Four questions: a single choice of five, a multiple choice with a fixed last option, and true/false.
STRUCTURE: dict[str, Any] = {
    "questions": [
        {"key": "one", "kind": "single", "options": [{"key": k, "correct": k == "c"} for k in "abcde"]},
        {"key": "two", "kind": "single", "options": [{"key": k, "correct": k == "a"} for k in "abcdef"]},
        {
            "key": "many",
            "kind": "multiple",
            "options": [
                *({"key": k, "correct": k in "ab"} for k in "abcd"),
                {"key": "none", "correct": False, "fixed": True},
            ],
        },
        {"key": "tf", "kind": "true_false", "options": [{"key": "true", "correct": False}, {"key": "false", "correct": True}]},
    ]
}  # fmt: skip


def file_order(question: dict[str, Any]) -> list[str]:
    return [option["key"] for option in question["options"]]


class TestOrder:
    def test_a_permutation_the_same_for_the_same_attempt(self) -> None:
        first = quiz.order(STRUCTURE, user_id=7, lesson_id=3, attempt=0)
        assert first == quiz.order(STRUCTURE, user_id=7, lesson_id=3, attempt=0)
        for question in STRUCTURE["questions"]:
            assert sorted(first[question["key"]]) == sorted(file_order(question))

    def test_true_false_and_fixed_options_keep_their_places(self) -> None:
        for user_id in range(50):
            shown = quiz.order(STRUCTURE, user_id=user_id, lesson_id=3, attempt=0)
            assert shown["tf"] == ["true", "false"]
            assert shown["many"][-1] == "none"

    def test_learners_see_different_orders(self) -> None:
        """Seeded, so never flaky: over 40 learners, most pairs of learners differ on a question."""
        orders = [quiz.order(STRUCTURE, user_id=u, lesson_id=3, attempt=0)["one"] for u in range(40)]
        assert len({tuple(order) for order in orders}) >= 20
        firsts = {order[0] for order in orders}
        assert firsts == set("abcde")  # the right answer ("c") is not always in one place
        same = sum(orders[i] == orders[i + 1] for i in range(len(orders) - 1))
        assert same < 5

    def test_a_new_attempt_may_reshuffle(self) -> None:
        orders = {tuple(quiz.order(STRUCTURE, user_id=7, lesson_id=3, attempt=a)["two"]) for a in range(20)}
        assert len(orders) > 10

    def test_ordered_puts_options_in_the_order_shown_and_copes_with_gaps(self) -> None:
        shown = {"one": ["e", "d", "c", "b", "a"], "two": ["f"]}
        questions = quiz.ordered(STRUCTURE, shown)
        assert file_order(questions[0]) == ["e", "d", "c", "b", "a"]
        assert file_order(questions[1]) == ["f", "a", "b", "c", "d", "e"]  # the rest as in the file
        assert file_order(questions[3]) == ["true", "false"]
        assert quiz.ordered(STRUCTURE, None) == STRUCTURE["questions"]

    def test_grading_does_not_look_at_the_order(self) -> None:
        answers = {"one": ["c"], "two": ["a"], "many": ["b", "a"], "tf": ["false"]}
        for attempt in range(5):
            questions = quiz.ordered(
                STRUCTURE, quiz.order(STRUCTURE, user_id=1, lesson_id=1, attempt=attempt)
            )
            result = learning_service.grade({"questions": questions}, answers, 70)
            assert result.score == 100

    def test_unanswered(self) -> None:
        assert quiz.unanswered(STRUCTURE, {}) == [(1, "one"), (2, "two"), (3, "many"), (4, "tf")]
        partial = {"one": ["c"], "two": ["nonsense"], "many": [], "tf": ["true"]}
        assert quiz.unanswered(STRUCTURE, partial) == [(2, "two"), (3, "many")]


def shown_order(page: str, question: str) -> list[str]:
    return re.findall(rf'name="q-{question}" value="([^"]+)"', page)


def attempts(session: Session) -> tuple[int, int]:
    """The quiz's attempts and failed attempts (the first view made the row; the at-risk list reads it)."""
    rows = session.scalars(sa.select(LessonProgress)).all()
    return (sum(r.attempts for r in rows), sum(r.failed_attempts for r in rows))


def quiz_events(session: Session) -> list[ProgressEvent]:
    session.expire_all()
    return list(session.scalars(sa.select(ProgressEvent).where(ProgressEvent.type == "quiz_submitted")))


class TestOnThePage:
    def expected(self, enrolled: Enrolled, session: Session, attempt: int) -> dict[str, list[str]]:
        lesson = lesson_of(session, enrolled.course, "check")
        return quiz.order(lesson.structure, user_id=enrolled.user.id, lesson_id=lesson.id, attempt=attempt)

    def test_the_page_shows_this_attempts_order_and_keeps_it(
        self, enrolled: Enrolled, session: Session
    ) -> None:
        expected = self.expected(enrolled, session, attempt=0)
        first = enrolled.client.get(QUIZ).text
        assert shown_order(first, "kinds") == expected["kinds"]
        assert shown_order(first, "kinds")[-1] == "none"  # fixed
        assert shown_order(first, "yaml-no") == ["true", "false"]
        assert shown_order(enrolled.client.get(QUIZ).text, "kinds") == expected["kinds"]  # a reload

    def test_the_no_javascript_flow(self, enrolled: Enrolled, session: Session) -> None:
        client = enrolled.client
        shown = shown_order(client.get(QUIZ).text, "kinds")
        # Partly answered: the form comes back, her answers kept, in the same order; nothing stored.
        partial = post(
            client, f"{QUIZ}/quiz", {"event_id": "p1", "attempt": "0", "q-kinds": "quiz"}, token_from=QUIZ
        )
        assert partial.status_code == 422  # type: ignore[attr-defined]
        page = partial.text  # type: ignore[attr-defined]
        assert "<html" in page and shown_order(page, "kinds") == shown
        assert 'value="quiz" checked' in page
        assert "Вопрос 1 без ответа." in page and "Вопрос 3 без ответа." in page
        assert "Вопрос 2 без ответа." not in page
        assert 'href="#question-format"' in page and 'aria-describedby="error-question-format"' in page
        assert quiz_events(session) == [] and attempts(session) == (0, 0)
        # Complete: graded, and the result shows the order she answered in.
        done = post(client, f"{QUIZ}/quiz", {"event_id": "p2", "attempt": "0", **RIGHT}, token_from=QUIZ)  # type: ignore[dict-item]
        assert done.status_code == 303  # type: ignore[attr-defined]
        (event,) = quiz_events(session)
        assert event.data["order"]["kinds"] == shown and event.data["score"] == 100
        result = client.get(QUIZ).text
        assert "100%" in result and shown_order(result, "kinds") == shown
        # A new attempt: the order of attempt "after this submission".
        retry = client.get(f"{QUIZ}?retry=1").text
        assert shown_order(retry, "kinds") == self.expected(enrolled, session, attempt=event.id)["kinds"]
        assert f'name="attempt" value="{event.id}"' in retry

    def test_an_empty_submission_is_not_an_attempt(self, enrolled: Enrolled, session: Session) -> None:
        response = post(enrolled.client, f"{QUIZ}/quiz", {"event_id": "e1"}, token_from=QUIZ)
        assert response.status_code == 422  # type: ignore[attr-defined]
        assert all(f"Вопрос {n} без ответа." in response.text for n in (1, 2, 3))  # type: ignore[attr-defined]
        assert quiz_events(session) == [] and attempts(session) == (0, 0)

    def test_htmx_gets_the_form_back_with_422(self, enrolled: Enrolled, session: Session) -> None:
        token = csrf_token(enrolled.client, QUIZ)
        response = enrolled.client.post(
            f"{QUIZ}/quiz",
            data={"csrf_token": token, "event_id": "h1", "q-format": "word"},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 422 and "<html" not in response.text
        assert 'value="word" checked' in response.text and "Вопрос 2 без ответа." in response.text
        assert quiz_events(session) == []

    def test_answers_are_graded_whatever_the_order(self, enrolled: Enrolled, session: Session) -> None:
        wrong = {"q-format": "word", "q-kinds": ["quiz", "none"], "q-yaml-no": "false"}
        post(enrolled.client, f"{QUIZ}/quiz", {"event_id": "g1", **wrong}, token_from=QUIZ)  # type: ignore[dict-item]
        post(enrolled.client, f"{QUIZ}/quiz", {"event_id": "g2", **RIGHT}, token_from=QUIZ)  # type: ignore[dict-item]
        assert [event.data["score"] for event in quiz_events(session)] == [0, 100]
        progress = session.scalars(sa.select(LessonProgress)).one()
        assert (progress.attempts, progress.failed_attempts, progress.status) == (2, 1, "completed")
