"""The shape of each course file, as pydantic models: unknown fields are errors, so a typo never
passes silently. The loader turns these into the specs in spec.py."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.courses.spec import TOPICS

Locale = Literal["ky", "ru", "en"]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
LocalLine = dict[Locale, Line]
LocalText = dict[Locale, LongText]
Topic = Literal[TOPICS]  # type: ignore[valid-type]
Minutes = Annotated[int, Field(ge=1, le=300)]


ExportStamp = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{12}$")] | None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


class CourseFile(Strict):
    title: LocalLine
    summary: LocalText
    audience: LocalText
    estimated_hours: float = Field(gt=0, le=500)
    topics: list[Topic] = Field(min_length=1)
    pass_mark: int = Field(default=70, ge=0, le=100)
    licence: Line
    authors: list[Line] = Field(min_length=1)
    source_language: Locale = "en"
    open_enrolment: bool = True


class ModuleFile(Strict):
    title: LocalLine
    summary: LocalText


class FrontMatter(Strict):
    kind: Literal["reading", "reflection"]
    title: Line
    summary: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    estimated_minutes: Minutes
    required: bool = True
    prompt: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)] | None = (
        None
    )
    # In a translation: the source it was made from (`academy courses stamp`); when the source changes
    # after that, the translation is stale.
    translated_from: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{12}$")] | None = None
    # Written by `academy courses export`: the lesson's content hash in the database the files were made
    # from. A sync of files that carry the lesson's current one needs no --force (app/courses/sync.py).
    exported_from: ExportStamp = None


class OptionModel(Strict):
    id: Slug
    text: LocalText
    correct: bool = False
    fixed: bool = False  # shown where it stands, not shuffled ("none of the above")
    feedback: LocalText = Field(default_factory=dict)


class QuestionModel(Strict):
    id: Slug
    type: Literal["single", "multiple", "true_false"]
    prompt: LocalText
    options: list[OptionModel] | None = None
    answer: bool | None = None
    feedback: dict[bool, LocalText] | None = None
    explanation: LocalText


class QuizFile(Strict):
    kind: Literal["quiz"]
    title: LocalLine
    summary: LocalText
    estimated_minutes: Minutes
    required: bool = True
    exported_from: ExportStamp = None
    intro: LocalText = Field(default_factory=dict)
    questions: list[QuestionModel] = Field(min_length=1)


class ChoiceModel(Strict):
    id: Slug
    label: LocalText
    next: str


class StepModel(Strict):
    text: LocalText
    choices: list[ChoiceModel] = Field(default_factory=list)
    ending: Literal["good", "mixed", "poor"] | None = None


class ScenarioFile(Strict):
    kind: Literal["scenario"]
    title: LocalLine
    summary: LocalText
    estimated_minutes: Minutes
    required: bool = True
    exported_from: ExportStamp = None
    start: Slug
    steps: dict[Slug, StepModel] = Field(min_length=2)
