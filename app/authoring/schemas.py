"""The editor's forms, typed (app.forms): what each accepts, and what the trainer is told when it does not.

A lesson's texts form has fields named after the lesson's own questions, options, steps and choices
(`q-rights-prompt`, `s-start-c-one-label`): the form keeps them as they come (`LessonTextsForm.fields`),
and `draft_texts` reads them, for the lesson's kind and structure, into one language of the draft. The
structure of a quiz or a scenario is written in the same YAML as the course files (`structure_yaml`,
`parse_structure`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator

from app import i18n
from app.authoring.exceptions import FieldTooLong
from app.config import LOCALES
from app.courses import loader
from app.courses.schema import Slug as SlugShape
from app.courses.schema import Strict
from app.forms import Checkbox, Form, Line, Message, Refusal, Text, clean_line, clean_text
from app.i18n import N_

TITLE_MAX, SUMMARY_MAX, BODY_MAX, PROMPT_MAX, INTRO_MAX = 200, 1000, 60_000, 2000, 5000
QUESTION_MAX, OPTION_MAX, STEP_MAX, CHOICE_MAX = 5000, 2000, 5000, 300
STRUCTURE_MAX = 20_000
Kind = Literal["reading", "reflection", "quiz", "scenario"]
KINDS: tuple[Kind, ...] = ("reading", "reflection", "quiz", "scenario")
KIND_LABELS = {
    "reading": N_("Reading"),
    "reflection": N_("Reflection"),
    "quiz": N_("Quiz"),
    "scenario": N_("Scenario"),
}
QUESTION_TYPE_LABELS = {
    "single": N_("One right answer"),
    "multiple": N_("Several right answers"),
    "true_false": N_("True or false"),
}


def required(message: str) -> AfterValidator:
    """A field that must not be empty, and what to say when it is."""

    def check(value: str) -> str:
        if not value:
            raise Refusal(message)
        return value

    return AfterValidator(check)


def at_most(limit: int) -> AfterValidator:
    """A text of at most `limit` characters (a Field's max_length would be refused as a list's)."""

    def check(value: str) -> str:
        if len(value) > limit:
            raise Refusal(N_("At most %(max)s characters."), max=limit)
        return value

    return AfterValidator(check)


def _language(value: str) -> str:
    return value if value in LOCALES else ""  # the page's own language, or the course's, instead


def opened_version(value: Any) -> int:
    """The draft's version the form was opened on (0: none); anything else counts as 0."""
    try:
        return max(0, int(str(value or "0")))
    except ValueError:
        return 0


HOURS = N_("Give the hours as a number between 0.5 and 500.")
PASS_MARK = N_("Give the pass mark as a whole number from 0 to 100.")
MINUTES = N_("Give the minutes as a whole number from 1 to 300.")


def _hours(value: Any) -> float:
    try:
        hours = float(str(value or "").replace(",", "."))
    except ValueError:
        hours = 0.0
    if not 0 < hours <= 500:
        raise Refusal(HOURS)
    return hours


def _whole(low: int, high: int, message: str) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        try:
            number = int(str(value or "").strip())
        except ValueError:
            raise Refusal(message) from None
        if not low <= number <= high:
            raise Refusal(message)
        return number

    return check


ShortName = Annotated[Line, at_most(80), AfterValidator(str.lower)]
Language = Annotated[Line, AfterValidator(_language)]
Version = Annotated[int, BeforeValidator(opened_version)]
CourseTitle = Annotated[Line, at_most(TITLE_MAX), required(N_("Give the course a title."))]
ModuleTitle = Annotated[Line, at_most(TITLE_MAX), required(N_("Give the module a title."))]
LessonTitle = Annotated[Line, at_most(TITLE_MAX), required(N_("Give the lesson a title."))]


# Courses and modules ---------------------------------------------------------------------------------------


class NewCourseForm(Form):
    title: CourseTitle = ""
    slug: ShortName = ""
    locale: Language = ""


class CourseTextsForm(Form):
    """A course's title and descriptions in one language."""

    lang: Language = ""
    title: CourseTitle = ""
    summary: Annotated[Text, at_most(2000)] = ""
    audience: Annotated[Text, at_most(2000)] = ""


class CourseSettingsForm(Form):
    estimated_hours: Annotated[float, BeforeValidator(_hours), Message(HOURS)]
    pass_mark: Annotated[int, BeforeValidator(_whole(0, 100, PASS_MARK)), Message(PASS_MARK)]
    topics: list[Line] = []  # those the catalogue does not know are left out
    licence: Annotated[Line, at_most(120)] = ""  # empty: the licence stays as it is
    authors: Annotated[Line, at_most(500)] = ""  # names separated by commas
    open_enrolment: Checkbox = False

    def author_names(self) -> list[str]:
        return [name for name in (clean_line(part, 80) for part in self.authors.split(",")) if name]


class StaffForm(Form):
    """A trainer to add to the course's authors, by her email."""

    email: Annotated[Line, at_most(254)] = ""


class NewModuleForm(Form):
    title: ModuleTitle = ""
    slug: ShortName = ""


class ModuleTextsForm(Form):
    lang: Language = ""
    title: ModuleTitle = ""
    summary: Annotated[Text, at_most(2000)] = ""


class MoveForm(Form):
    direction: Line = ""

    @property
    def step(self) -> int:
        return -1 if self.direction == "up" else 1


class NewLessonForm(Form):
    title: LessonTitle = ""
    slug: ShortName = ""
    kind: Annotated[Kind, BeforeValidator(str.strip), Message(N_("Choose one of the options in the list."))]


# Lessons ------------------------------------------------------------------------------------------------


class LessonTextsForm(Form):
    """One language of a lesson: its title, summary and body or prompt, and (a quiz, a scenario) the texts
    of its questions and steps, in fields named after them (kept as extra fields)."""

    model_config = ConfigDict(extra="allow")

    action: Line = "save"  # or "preview": shows the body, saves nothing
    tab: Language = ""
    version: Version = 0
    title: Annotated[Line, at_most(TITLE_MAX)] = ""
    summary: Annotated[Text, at_most(SUMMARY_MAX)] = ""
    body: Annotated[Text, at_most(BODY_MAX)] = ""
    prompt: Annotated[Text, at_most(PROMPT_MAX)] = ""
    intro: Annotated[Text, at_most(INTRO_MAX)] = ""

    @field_validator("title")
    @classmethod
    def _titled(cls, value: str, info: ValidationInfo) -> str:
        if not value and info.data.get("action") != "preview":  # a preview needs no title
            raise Refusal(N_("Give the lesson a title."))
        return value

    @property
    def preview(self) -> bool:
        return self.action == "preview"

    def fields(self) -> dict[str, str]:
        """Every text field she sent, by name, cleaned; the question and step fields not yet checked."""
        own = {name: getattr(self, name) for name in ("title", "summary", "body", "prompt", "intro")}
        return {**typed_texts(self.model_extra or {}), **own}


class RestoreForm(Form):
    """Which texts of an old revision to make the draft's: one language (`ky`, `ru`, `en`) or `all`."""

    language: Annotated[Line, Field(max_length=8)] = ""


class LessonSettingsForm(Form):
    version: Version = 0
    estimated_minutes: Annotated[int, BeforeValidator(_whole(1, 300, MINUTES)), Message(MINUTES)]
    required: Checkbox = False
    structure: Annotated[Text, at_most(STRUCTURE_MAX)] = ""  # a quiz's or scenario's, in YAML


class PublishForm(Form):
    version: Version = 0
    tab: Line = ""  # the editor's tab she publishes from, to come back to
    note: Annotated[Line, at_most(300)] = ""


# One language of a lesson, from its form ----------------------------------------------------------------


def typed_texts(values: Mapping[str, Any]) -> dict[str, str]:
    """What she typed in a lesson's texts form, field by field, cleaned but not cut short (to show it
    again as she typed it); one-line fields (titles, choices) as one line."""
    texts: dict[str, str] = {}
    for name, value in values.items():
        if isinstance(value, str):
            one_line = name == "title" or name.endswith("-label")
            texts[name] = clean_line(value, 1_000_000) if one_line else clean_text(value, 1_000_000)
    return texts


Take = Callable[[str, int], str]


def _taker(fields: Mapping[str, str], strict: bool) -> Take:
    def take(name: str, limit: int) -> str:
        value = fields.get(name, "")
        if strict and len(value) > limit:
            raise FieldTooLong(field=name, max=limit)
        return value

    return take


def draft_texts(
    kind: str, structure: dict[str, Any], fields: Mapping[str, str], *, strict: bool = True
) -> dict[str, Any]:
    """One language's texts in the draft's shape. `strict`: a question's or step's text that is too long
    is refused (FieldTooLong, beside its field); else (to show her input again) it is kept as it is."""
    take = _taker(fields, strict)
    row: dict[str, Any] = {"title": take("title", TITLE_MAX), "summary": take("summary", SUMMARY_MAX)}
    if kind in ("reading", "reflection"):
        row["body"] = take("body", BODY_MAX)
        row["prompt"] = take("prompt", PROMPT_MAX) if kind == "reflection" else ""
        row["texts"] = {}
    elif kind == "quiz":
        row["texts"] = _quiz_texts(structure, take)
    else:
        row["texts"] = _scenario_texts(structure, take)
    return row


def _quiz_texts(structure: dict[str, Any], take: Take) -> dict[str, Any]:
    questions: dict[str, Any] = {}
    for question in structure.get("questions", []):
        key = question["key"]
        entry: dict[str, Any] = {
            name: value
            for name in ("prompt", "explanation")
            if (value := take(f"q-{key}-{name}", QUESTION_MAX))
        }
        options: dict[str, Any] = {}
        for option in question["options"]:
            prefix = f"q-{key}-o-{option['key']}"
            item = {
                name: value
                for name in ("text", "feedback")
                if (value := take(f"{prefix}-{name}", OPTION_MAX))
            }
            if item:
                options[option["key"]] = item
        if options:
            entry["options"] = options
        if entry:
            questions[key] = entry
    texts: dict[str, Any] = {"questions": questions} if questions else {}
    intro = take("intro", INTRO_MAX)
    if intro:
        texts["intro"] = intro
    return texts


def _scenario_texts(structure: dict[str, Any], take: Take) -> dict[str, Any]:
    steps: dict[str, Any] = {}
    for step in structure.get("steps", []):
        key = step["key"]
        entry: dict[str, Any] = {}
        text = take(f"s-{key}-text", STEP_MAX)
        if text:
            entry["text"] = text
        choices = {
            choice["key"]: label
            for choice in step["choices"]
            if (label := take(f"s-{key}-c-{choice['key']}-label", CHOICE_MAX))
        }
        if choices:
            entry["choices"] = choices
        if entry:
            steps[key] = entry
    return {"steps": steps} if steps else {}


# A quiz's or scenario's structure, as YAML -----------------------------------------------------------------


class OptionShape(Strict):
    id: SlugShape
    correct: bool = False
    fixed: bool = False


class QuestionShape(Strict):
    id: SlugShape
    type: Literal["single", "multiple", "true_false"]
    options: list[OptionShape] | None = None
    answer: bool | None = None


class QuizShape(Strict):
    questions: list[QuestionShape] = Field(min_length=1)


class ChoiceShape(Strict):
    id: SlugShape
    next: SlugShape


class StepShape(Strict):
    choices: list[ChoiceShape] = Field(default_factory=list)
    ending: Literal["good", "mixed", "poor"] | None = None


class ScenarioShape(Strict):
    start: SlugShape
    steps: dict[SlugShape, StepShape] = Field(min_length=2)


def structure_yaml(kind: str, structure: dict[str, Any]) -> str:
    """The structure as the editor shows it."""
    data = _quiz_yaml(structure) if kind == "quiz" else _scenario_yaml(structure)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def _quiz_yaml(structure: dict[str, Any]) -> dict[str, Any]:
    questions = []
    for question in structure.get("questions", []):
        entry: dict[str, Any] = {"id": question["key"], "type": question["kind"]}
        if question["kind"] == "true_false":
            entry["answer"] = any(o["key"] == "true" and o["correct"] for o in question["options"])
        else:
            entry["options"] = [
                {
                    "id": o["key"],
                    **({"correct": True} if o["correct"] else {}),
                    **({"fixed": True} if o.get("fixed") else {}),
                }
                for o in question["options"]
            ]
        questions.append(entry)
    return {"questions": questions}


def _scenario_yaml(structure: dict[str, Any]) -> dict[str, Any]:
    steps = {
        step["key"]: (
            {"ending": step["ending"]}
            if step.get("ending")
            else {"choices": [{"id": c["key"], "next": c["next"]} for c in step["choices"]]}
        )
        for step in structure.get("steps", [])
    }
    return {"start": structure.get("start", ""), "steps": steps}


def parse_structure(
    kind: str, text: str, media: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, list[str]]:
    """(structure, problems): problems name the line, as the course checker does."""
    report = loader.Report(root=Path("structure"))
    data = loader.read_yaml(text, Path("structure"), report)
    model: type[QuizShape] | type[ScenarioShape] = QuizShape if kind == "quiz" else ScenarioShape
    shape = loader.validate(model, data, Path("structure"), report)
    problems = [
        i18n.gettext(N_("line %(line)s: %(problem)s"))
        % {"line": problem.line, "problem": problem.translated()}
        if problem.line
        else problem.translated()
        for problem in report.errors
    ]
    if shape is None:
        return None, problems or [
            i18n.gettext(N_("The structure needs questions (a quiz) or start and steps (a scenario)."))
        ]
    structure = _quiz_structure(shape) if isinstance(shape, QuizShape) else _scenario_structure(shape)
    if media:
        structure["media"] = media
    return structure, problems


def _quiz_structure(shape: QuizShape) -> dict[str, Any]:
    questions = []
    for question in shape.questions:
        if question.type == "true_false":
            answer = bool(question.answer)
            options = [{"key": "true", "correct": answer}, {"key": "false", "correct": not answer}]
        else:
            options = [
                {"key": o.id, "correct": o.correct, **({"fixed": True} if o.fixed else {})}
                for o in question.options or []
            ]
        questions.append({"key": question.id, "kind": question.type, "options": options})
    return {"questions": questions}


def _scenario_structure(shape: ScenarioShape) -> dict[str, Any]:
    steps = [
        {"key": key, "ending": step.ending, "choices": [{"key": c.id, "next": c.next} for c in step.choices]}
        for key, step in shape.steps.items()
    ]
    return {"start": shape.start, "steps": steps}
