"""Reading the editor's forms: one language's texts of a lesson, and a quiz's or scenario's structure
(questions and options, steps and choices) written in the same YAML as the course files."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field

from app.courses import loader
from app.courses.schema import Slug, Strict
from app.forms import clean_line, clean_text

TITLE_MAX, SUMMARY_MAX, BODY_MAX = 200, 1000, 60_000


def lesson_texts(kind: str, structure: dict[str, Any], raw: dict[str, str]) -> dict[str, Any]:
    """One language's fields from the form, in the draft's shape."""
    fields: dict[str, Any] = {
        "title": clean_line(raw.get("title"), TITLE_MAX),
        "summary": clean_text(raw.get("summary"), SUMMARY_MAX),
    }
    if kind in ("reading", "reflection"):
        fields["body"] = clean_text(raw.get("body"), BODY_MAX)
        fields["prompt"] = clean_text(raw.get("prompt"), 2000) if kind == "reflection" else ""
        fields["texts"] = {}
    elif kind == "quiz":
        questions: dict[str, Any] = {}
        for question in structure.get("questions", []):
            key = question["key"]
            entry: dict[str, Any] = {}
            for name in ("prompt", "explanation"):
                value = clean_text(raw.get(f"q-{key}-{name}"), 5000)
                if value:
                    entry[name] = value
            options: dict[str, Any] = {}
            for option in question["options"]:
                item = {
                    name: value
                    for name in ("text", "feedback")
                    if (value := clean_text(raw.get(f"q-{key}-o-{option['key']}-{name}"), 2000))
                }
                if item:
                    options[option["key"]] = item
            if options:
                entry["options"] = options
            if entry:
                questions[key] = entry
        fields["texts"] = {"questions": questions} if questions else {}
        intro = clean_text(raw.get("intro"), 5000)
        if intro:
            fields["texts"]["intro"] = intro
    else:
        steps: dict[str, Any] = {}
        for step in structure.get("steps", []):
            key = step["key"]
            entry = {}
            text = clean_text(raw.get(f"s-{key}-text"), 5000)
            if text:
                entry["text"] = text
            choices = {
                choice["key"]: label
                for choice in step["choices"]
                if (label := clean_line(raw.get(f"s-{key}-c-{choice['key']}-label"), 300))
            }
            if choices:
                entry["choices"] = choices
            if entry:
                steps[key] = entry
        fields["texts"] = {"steps": steps} if steps else {}
    return fields


# Structure as YAML ----------------------------------------------------------------------------------------


class OptionShape(Strict):
    id: Slug
    correct: bool = False
    fixed: bool = False


class QuestionShape(Strict):
    id: Slug
    type: Literal["single", "multiple", "true_false"]
    options: list[OptionShape] | None = None
    answer: bool | None = None


class QuizShape(Strict):
    questions: list[QuestionShape] = Field(min_length=1)


class ChoiceShape(Strict):
    id: Slug
    next: Slug


class StepShape(Strict):
    choices: list[ChoiceShape] = Field(default_factory=list)
    ending: Literal["good", "mixed", "poor"] | None = None


class ScenarioShape(Strict):
    start: Slug
    steps: dict[Slug, StepShape] = Field(min_length=2)


def structure_yaml(kind: str, structure: dict[str, Any]) -> str:
    """The structure as the editor shows it."""
    if kind == "quiz":
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
        data: Any = {"questions": questions}
    else:
        data = {
            "start": structure.get("start", ""),
            "steps": {
                step["key"]: (
                    {"ending": step["ending"]}
                    if step.get("ending")
                    else {"choices": [{"id": c["key"], "next": c["next"]} for c in step["choices"]]}
                )  # fmt: skip
                for step in structure.get("steps", [])
            },
        }
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def parse_structure(
    kind: str, text: str, media: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, list[str]]:
    """(structure, problems): problems name the line, as the course checker does."""
    report = loader.Report(root=Path("structure"))
    data = loader.read_yaml(text, Path("structure"), report)
    model: type[QuizShape] | type[ScenarioShape] = QuizShape if kind == "quiz" else ScenarioShape
    shape = loader.validate(model, data, Path("structure"), report)
    problems = [
        (f"line {problem.line}: " if problem.line else "") + problem.message for problem in report.errors
    ]
    if shape is None:
        return None, problems or ["structure: expected questions (a quiz) or start and steps (a scenario)"]
    structure: dict[str, Any] = {}
    if isinstance(shape, QuizShape):
        structure["questions"] = []
        for question in shape.questions:
            if question.type == "true_false":
                answer = bool(question.answer)
                options = [{"key": "true", "correct": answer}, {"key": "false", "correct": not answer}]
            else:
                options = [
                    {"key": o.id, "correct": o.correct, **({"fixed": True} if o.fixed else {})}
                    for o in question.options or []
                ]
            structure["questions"].append({"key": question.id, "kind": question.type, "options": options})
    elif isinstance(shape, ScenarioShape):
        structure["start"] = shape.start
        structure["steps"] = [
            {
                "key": key,
                "ending": step.ending,
                "choices": [{"key": c.id, "next": c.next} for c in step.choices],
            }
            for key, step in shape.steps.items()
        ]
    if media:
        structure["media"] = media
    return structure, problems
