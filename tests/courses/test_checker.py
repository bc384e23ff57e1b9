"""`academy courses check`: each kind of problem is reported with its file and line."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from app.courses import loader
from app.courses.spec import OptionSpec, QuestionSpec
from tests.courses.conftest import edit
from tests.test_cli import academy, environment

QUIZ = "01-basics/02-check.quiz.yaml"
READING_EN = "01-basics/01-first-steps.en.md"
SCENARIO = "02-practice/01-the-meeting.scenario.yaml"


def problems(course: Path) -> list[loader.Problem]:
    return loader.load(course)[1].problems


def test_the_example_course_is_clean(example: Path) -> None:
    report = loader.load(example)[1]
    assert report.errors == []
    assert [p.message for p in report.warnings] == [
        "the body is not translated yet: learners see the ru text"
    ]


Breakage = Callable[[Path], None]
CASES: list[tuple[str, Breakage, str, str, int | None]] = [
    (
        "yaml syntax",
        lambda c: edit(c / QUIZ, "estimated_minutes: 5", "estimated_minutes: [5"),
        QUIZ, "YAML syntax", 5,
    ),
    (
        "unknown field",
        lambda c: edit(c / "course.yaml", "pass_mark: 60", "pass_mark: 60\npasmark: 70"),
        "course.yaml", "pasmark: not a field here (check its spelling)", 17,
    ),
    (
        "wrong value",
        lambda c: edit(c / "course.yaml", "pass_mark: 60", "pass_mark: 160"),
        "course.yaml", "pass_mark: must be at most 100", 16,
    ),
    (
        "unknown topic",
        lambda c: edit(c / "course.yaml", "topics: [advocacy, local-governance]", "topics: [advocacy, knitting]"),
        "course.yaml", "topics.1: must be one of", 15,
    ),
    (
        "no correct answer",
        lambda c: edit(c / QUIZ, "        correct: true\n        feedback: {en: Yes.", "        feedback: {en: Yes."),
        QUIZ, "no option is marked correct: true", 6,
    ),
    (
        "broken internal link",
        lambda c: edit(c / READING_EN, "(lesson:check)", "(lesson:no-such-lesson)"),
        READING_EN, "the link lesson:no-such-lesson names no lesson of this course", 9,
    ),
    (
        "missing media",
        lambda c: (c / "01-basics" / "01-diagram.png").unlink(),
        READING_EN, "01-diagram.png is missing", 11,
    ),
    (
        "image without alt text",
        lambda c: edit(c / READING_EN, "![A small blue square standing for a diagram]", "![]"),
        READING_EN, "has no alt text", 11,
    ),
    (
        "a script named .png",
        lambda c: (c / "01-basics" / "01-diagram.png").write_bytes(b"<script>alert(1)</script>"),
        READING_EN, "01-diagram.png is not really a image/png file", 11,
    ),
    (
        "image from another host",
        lambda c: edit(c / READING_EN, "(01-diagram.png)", "(https://tracker.example/pixel.png)"),
        READING_EN, "images must sit beside the lesson", 11,
    ),
    (
        "duplicate lesson slug",
        lambda c: shutil.copy(c / "02-practice" / "01-the-meeting.scenario.yaml", c / "01-basics" / "09-the-meeting.scenario.yaml"),
        SCENARIO, "the lesson slug 'the-meeting' is also used by 01-basics/09-the-meeting.scenario.yaml", None,
    ),
    (
        "two lessons with one number",
        lambda c: shutil.copy(c / QUIZ, c / "01-basics" / "03-other.quiz.yaml"),
        "01-basics/03-your-turn.en.md", "two lessons are numbered 3: other and your-turn", None,
    ),
    (
        "scenario step nobody reaches",
        lambda c: edit(c / SCENARIO, "        next: unheard", "        next: heard"),
        SCENARIO, "steps.unheard: no choice leads here from 'invited'", 19,
    ),
    (
        "scenario choice to nowhere",
        lambda c: edit(c / SCENARIO, "        next: unheard", "        next: nowhere"),
        SCENARIO, "choice 'stay-home' leads to 'nowhere', which is no step", 13,
    ),
    (
        "kind differs between languages",
        lambda c: edit(c / "01-basics" / "01-first-steps.ru.md", "kind: reading", "kind: reflection\nprompt: x"),
        "01-basics/01-first-steps.ru.md", "kind differs from the en file", None,
    ),
    (
        "source language missing",
        lambda c: (c / READING_EN).unlink(),
        "01-basics/01-first-steps.ky.md", "the source language (en) file of lesson 'first-steps' is missing", None,
    ),
    (
        "no front matter",
        lambda c: (c / READING_EN).write_text("# Just a heading\n"),
        READING_EN, "the file must start with front matter", 1,
    ),
    (
        "true/false with no answer",
        lambda c: edit(c / QUIZ, "    answer: true\n", ""),
        QUIZ, "a true_false question needs answer: true or false", 36,
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "breakage", "file", "message", "line"), CASES, ids=[case[0] for case in CASES]
)
def test_problem_is_reported_with_file_and_line(
    example: Path, name: str, breakage: Breakage, file: str, message: str, line: int | None
) -> None:
    breakage(example)
    found = [p for p in problems(example) if p.severity == "error" and message in p.message]
    assert found, f"{name}: expected {message!r}, got {[str(p) for p in problems(example)]}"
    assert found[0].path == f"example-course/{file}"
    if line is not None:
        assert found[0].line == line, str(found[0])


def test_missing_translation_is_a_warning(example: Path) -> None:
    (example / "01-basics" / "03-your-turn.ky.md").unlink()
    edit(example / "course.yaml", "  ky: Курс жазган тренерлер.\n", "")
    report = loader.load(example)[1]
    assert report.errors == []
    messages = [str(p) for p in report.warnings]
    assert "example-course/course.yaml: warning: missing translation (ky): audience" in messages
    assert any("missing translation (ky): no 03-your-turn.ky.md" in m for m in messages)


def test_yaml_booleans_follow_yaml_1_2(example: Path) -> None:
    """'No', 'yes' and 'on' stay words: a Russian or English answer 'No' must not turn into false."""
    edit(example / QUIZ, "text: {en: Word documents,", "text: {en: No,")
    courses, report = loader.load(example)
    assert report.errors == []
    options = courses[0].lessons()[1].questions[0].options
    assert options[0].text["en"] == "No"


class TestAnswerPositions:
    """A quiz whose right answers sit at one position in more than half of its questions is warned
    about: a learner could pass it by position alone (files, exports and print keep the file's order)."""

    def test_a_quiz_keyed_on_one_position_is_warned_about(self, example: Path) -> None:
        quiz = example / QUIZ
        text = quiz.read_text()
        word = text[text.index("      - id: word") : text.index("      - id: markdown")]
        video = text[text.index("      - id: video") : text.index("      - id: podcast")]
        podcast = text[text.index("      - id: podcast") : text.index("      - id: quiz")]
        # Every right answer first: markdown before word, quiz and scenario before video and podcast.
        text = text.replace(word, "").replace(
            '    explanation: {en: "Markdown', word + '    explanation: {en: "Markdown'
        )
        text = text.replace(video + podcast, "").replace(
            "      - id: none", video + podcast + "      - id: none"
        )
        quiz.write_text(text)
        courses, report = loader.load(example)
        assert report.errors == []
        keys = [[o.key for o in q.options] for q in courses[0].lessons()[1].questions[:2]]
        assert keys == [["markdown", "word"], ["quiz", "scenario", "video", "podcast", "none"]]
        warned = [p for p in report.warnings if "the right answer is option" in p.message]
        assert [p.message.split(":")[0] for p in warned] == [
            "the right answer is option 1 in 3 of 3 questions"
        ]
        assert warned[0].path == f"example-course/{QUIZ}" and warned[0].line == 5

    def test_a_spread_quiz_is_not(self, example: Path) -> None:
        _courses, report = loader.load(example)
        assert not [p for p in report.warnings if "the right answer is option" in p.message]

    def test_the_rule(self) -> None:
        def question(kind: str, *correct: bool) -> QuestionSpec:
            return QuestionSpec("q", kind, {}, [OptionSpec(str(n), c, {}) for n, c in enumerate(correct)], {})  # type: ignore[arg-type]

        first, second = question("single", True, False, False), question("single", False, True, False)
        true, false = question("true_false", True, False), question("true_false", False, True)
        assert loader.keyed_position([first, first, second, false]) is None  # half is not more than half
        assert loader.keyed_position([first, first, second]) == (1, 2)
        assert loader.keyed_position([second, true, true]) == (1, 2)  # "true" counts as the first
        assert loader.keyed_position([question("multiple", True, True, False), first, second]) == (1, 2)


def test_a_fixed_option_survives_the_round_trip(example: Path, tmp_path: Path) -> None:
    courses, report = loader.load(example)
    assert report.errors == []
    kinds = courses[0].lessons()[1].questions[1]
    assert [(o.key, o.fixed) for o in kinds.options][-1] == ("none", True)
    assert not any(o.fixed for o in kinds.options[:-1])


def test_fixed_must_be_a_boolean(example: Path) -> None:
    edit(example / QUIZ, "        fixed: true", "        fixed: last")
    found = [str(p) for p in problems(example) if p.severity == "error" and p.path.endswith(QUIZ)]
    assert found == [f"example-course/{QUIZ}:34: error: questions.1.options.4.fixed: must be true or false"]


def test_the_command_exits_1_on_error_and_0_on_warnings(example: Path, tmp_path: Path) -> None:
    env = environment(tmp_path)
    clean = academy("courses", "check", str(example), env=env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "warning: the body is not translated yet" in clean.stdout
    edit(example / QUIZ, "estimated_minutes: 5", "estimated_minutes: 0")
    broken = academy("courses", "check", str(example), env=env)
    assert broken.returncode == 1
    assert f"example-course/{QUIZ}:4: error: estimated_minutes" in broken.stdout


def test_a_folder_without_courses(tmp_path: Path) -> None:
    report = loader.load(tmp_path)[1]
    assert report.errors and "no course here" in report.errors[0].message
