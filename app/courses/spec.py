"""A course as the files describe it: what the loader reads, sync writes to the database, and export
writes back. Texts are dicts from locale to string; a missing locale is a missing translation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

LessonKind = Literal["reading", "reflection", "quiz", "scenario"]
QuestionKind = Literal["single", "multiple", "true_false"]
Ending = Literal["good", "mixed", "poor"]
Text = dict[str, str]

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TOPICS = (
    "disaster-risk", "climate", "conflict-prevention", "women-peace-security", "gender-equality",
    "labour-rights", "business-human-rights", "civic-space", "human-rights-monitoring",
    "local-governance", "advocacy",
)  # fmt: skip
FALLBACK = {"ky": "ru", "ru": "en", "en": "ru"}  # whose text stands in for a missing one


@dataclass
class OptionSpec:
    key: str
    correct: bool
    text: Text
    feedback: Text = field(default_factory=dict)
    fixed: bool = False  # keeps its place when the options are shuffled


@dataclass
class QuestionSpec:
    key: str
    kind: QuestionKind
    prompt: Text
    options: list[OptionSpec]
    explanation: Text

    @property
    def correct_keys(self) -> frozenset[str]:
        return frozenset(option.key for option in self.options if option.correct)


@dataclass
class ChoiceSpec:
    key: str
    label: Text
    next: str


@dataclass
class StepSpec:
    key: str
    text: Text
    choices: list[ChoiceSpec] = field(default_factory=list)
    ending: Ending | None = None


@dataclass
class MediaFile:
    name: str  # the file name beside the lesson, as the Markdown refers to it
    path: Path
    content_type: str
    sha256: str
    size: int


@dataclass
class LessonSpec:
    slug: str
    kind: LessonKind
    position: int
    estimated_minutes: int
    required: bool
    title: Text
    summary: Text
    body: Text = field(default_factory=dict)  # Markdown per locale; "" = left for the fallback language
    prompt: Text = field(default_factory=dict)  # reflection
    intro: Text = field(default_factory=dict)  # quiz
    questions: list[QuestionSpec] = field(default_factory=list)  # quiz
    start: str = ""  # scenario
    steps: list[StepSpec] = field(default_factory=list)  # scenario
    media: dict[str, MediaFile] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    # Reading and reflection translations: the source hash each was made from (translated_from).
    stamps: dict[str, str] = field(default_factory=dict)
    # Files written by an export: the database's content hash they were made from (12 hex digits).
    exported_from: str = ""


@dataclass
class ModuleSpec:
    slug: str
    position: int
    title: Text
    summary: Text
    lessons: list[LessonSpec] = field(default_factory=list)


@dataclass
class CourseSpec:
    slug: str
    title: Text
    summary: Text
    audience: Text
    estimated_hours: float
    topics: list[str]
    pass_mark: int
    licence: str
    authors: list[str]
    source_language: str
    open_enrolment: bool
    modules: list[ModuleSpec] = field(default_factory=list)
    path: Path | None = None

    def lessons(self) -> list[LessonSpec]:
        return [lesson for module in self.modules for lesson in module.lessons]
