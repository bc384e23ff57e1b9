"""Between a lesson as the files describe it (LessonSpec) and as the database keeps it (structure JSON on
the lesson, texts JSON per translation), both ways; and the Markdown rendering of its texts.

Sync, export and (later) the browser editor all go through here, so the three never disagree.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from app.courses.spec import (
    ChoiceSpec,
    LessonSpec,
    MediaFile,
    OptionSpec,
    QuestionSpec,
    StepSpec,
    Text,
)
from app.markdown import render, render_inline

LOCALES = ("ky", "ru", "en")
# Part of every lesson's hash: raise it when rendering changes, and the next sync renders every lesson again.
RENDER_VERSION = 2
MEDIA_EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
}


def lesson_path(course_slug: str, lesson_slug: str) -> str:
    return f"/courses/{course_slug}/{lesson_slug}"


def module_path(course_slug: str, module_slug: str) -> str:
    return f"/courses/{course_slug}#module-{module_slug}"


def media_path(sha256: str, content_type: str) -> str:
    return f"/media/{sha256}{MEDIA_EXTENSIONS.get(content_type, '')}"


def digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# Spec -> database ---------------------------------------------------------------------------------------


def structure_of(spec: LessonSpec) -> dict[str, Any]:
    structure: dict[str, Any] = {}
    if spec.kind == "quiz":
        structure["questions"] = [
            {
                "key": question.key,
                "kind": question.kind,
                "options": [
                    {
                        "key": option.key,
                        "correct": option.correct,
                        **({"fixed": True} if option.fixed else {}),
                    }
                    for option in question.options
                ],
            }
            for question in spec.questions
        ]
    if spec.kind == "scenario":
        structure["start"] = spec.start
        structure["steps"] = [
            {
                "key": step.key,
                "ending": step.ending,
                "choices": [{"key": choice.key, "next": choice.next} for choice in step.choices],
            }
            for step in spec.steps
        ]
    if spec.media:
        structure["media"] = {
            name: {"sha256": media.sha256, "content_type": media.content_type, "size": media.size}
            for name, media in sorted(spec.media.items())
        }
    return structure


def texts_of(spec: LessonSpec, locale: str) -> dict[str, Any]:
    """The lesson's quiz or scenario texts in one language (only what that language has)."""
    if spec.kind == "quiz":
        return _quiz_texts(spec, locale)
    if spec.kind == "scenario":
        return _scenario_texts(spec, locale)
    return {}


def _in(locale: str, **texts: dict[str, str]) -> dict[str, Any]:
    """Each named text in `locale`, where it has one."""
    return {name: text[locale] for name, text in texts.items() if locale in text}


def _quiz_texts(spec: LessonSpec, locale: str) -> dict[str, Any]:
    questions: dict[str, Any] = {}
    for question in spec.questions:
        options = {
            option.key: entry
            for option in question.options
            if (entry := _in(locale, text=option.text, feedback=option.feedback))
        }
        entry_q = _in(locale, prompt=question.prompt, explanation=question.explanation)
        if options:
            entry_q["options"] = options
        if entry_q:
            questions[question.key] = entry_q
    result: dict[str, Any] = {"questions": questions} if questions else {}
    if locale in spec.intro:
        result["intro"] = spec.intro[locale]
    return result


def _scenario_texts(spec: LessonSpec, locale: str) -> dict[str, Any]:
    steps: dict[str, Any] = {}
    for step in spec.steps:
        entry = _in(locale, text=step.text)
        choices = {choice.key: choice.label[locale] for choice in step.choices if locale in choice.label}
        if choices:
            entry["choices"] = choices
        if entry:
            steps[step.key] = entry
    return {"steps": steps} if steps else {}


def locales_of(spec: LessonSpec) -> list[str]:
    return [locale for locale in LOCALES if locale in spec.title]


def lesson_hash(spec: LessonSpec) -> str:
    """What a lesson holds, independent of where it sits (module, position)."""
    return digest(
        {
            "render": RENDER_VERSION,
            "kind": spec.kind,
            "minutes": spec.estimated_minutes,
            "required": spec.required,
            "structure": structure_of(spec),
            "texts": {
                locale: {
                    "title": spec.title.get(locale),
                    "summary": spec.summary.get(locale),
                    "body": spec.body.get(locale),
                    "prompt": spec.prompt.get(locale),
                    "texts": texts_of(spec, locale),
                }
                for locale in locales_of(spec)
            },
        }
    )


# Database -> spec (export, and the editor's round trip) ---------------------------------------------------


def dig(value: Any, *path: str) -> Any:
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def spec_from(
    *,
    slug: str,
    kind: str,
    position: int,
    estimated_minutes: int,
    required: bool,
    structure: dict[str, Any],
    translations: dict[str, dict[str, Any]],
    media: dict[str, MediaFile] | None = None,
) -> LessonSpec:
    """Rebuild a LessonSpec; `translations` maps a locale to {title, summary, body, prompt, texts}."""

    def pick(*path: str) -> Text:
        values = {locale: dig(row, *path) for locale, row in translations.items()}
        return {locale: value for locale, value in values.items() if value}

    spec = LessonSpec(
        slug=slug,
        kind=kind,  # type: ignore[arg-type]
        position=position,
        estimated_minutes=estimated_minutes,
        required=required,
        title=pick("title"),
        summary=pick("summary"),
        media=dict(media or {}),
    )
    if kind in ("reading", "reflection"):
        spec.body = {locale: row.get("body") or "" for locale, row in translations.items()}
        spec.prompt = pick("prompt")
    if kind == "quiz":
        spec.intro = pick("texts", "intro")
        for question in structure.get("questions", []):
            key = question["key"]
            options = [
                OptionSpec(
                    option["key"],
                    option["correct"],
                    pick("texts", "questions", key, "options", option["key"], "text"),
                    pick("texts", "questions", key, "options", option["key"], "feedback"),
                    fixed=option.get("fixed", False),
                )
                for option in question["options"]
            ]
            spec.questions.append(
                QuestionSpec(
                    key,
                    question["kind"],
                    pick("texts", "questions", key, "prompt"),
                    options,
                    pick("texts", "questions", key, "explanation"),
                )
            )
    if kind == "scenario":
        spec.start = structure.get("start", "")
        for step in structure.get("steps", []):
            key = step["key"]
            choices = [
                ChoiceSpec(
                    choice["key"], pick("texts", "steps", key, "choices", choice["key"]), choice["next"]
                )
                for choice in step["choices"]
            ]
            spec.steps.append(StepSpec(key, pick("texts", "steps", key, "text"), choices, step.get("ending")))
    return spec


# Rendering ------------------------------------------------------------------------------------------------


class Links:
    """Resolves what lesson Markdown points at: other lessons and modules, and files beside the lesson."""

    def __init__(self, course_slug: str, media: dict[str, dict[str, Any]]) -> None:
        self.course_slug = course_slug
        self.media = media

    def __call__(self, target: str) -> str | None:
        kind, _sep, rest = target.partition(":")
        if kind == "lesson" and rest:
            return lesson_path(self.course_slug, rest)
        if kind == "module" and rest:
            return module_path(self.course_slug, rest)
        entry = self.media.get(target)
        if entry:
            return media_path(entry["sha256"], entry["content_type"])
        return None


def render_markdown(text: str, links: Links) -> str:
    return render(text, resolve=links) if text.strip() else ""


def render_texts(kind: str, texts: dict[str, Any], links: Links) -> dict[str, Any]:
    """The same shape as `texts`, with Markdown rendered: blocks for prompts, explanations, feedback and
    steps; inline for option texts and choice labels."""
    html: dict[str, Any] = {}
    if kind == "quiz":
        if "intro" in texts:
            html["intro"] = render_markdown(texts["intro"], links)
        html["questions"] = {}
        for key, question in texts.get("questions", {}).items():
            entry: dict[str, Any] = {}
            if "prompt" in question:  # a prompt sits in a <legend>: inline only
                entry["prompt"] = render_inline(question["prompt"])
            if "explanation" in question:
                entry["explanation"] = render_markdown(question["explanation"], links)
            entry["options"] = {
                okey: {
                    **({"text": render_inline(option["text"])} if "text" in option else {}),
                    **(
                        {"feedback": render_markdown(option["feedback"], links)}
                        if "feedback" in option
                        else {}
                    ),
                }
                for okey, option in question.get("options", {}).items()
            }
            html["questions"][key] = entry
    if kind == "scenario":
        html["steps"] = {
            key: {
                **({"text": render_markdown(step["text"], links)} if "text" in step else {}),
                "choices": {ckey: render_inline(label) for ckey, label in step.get("choices", {}).items()},
            }
            for key, step in texts.get("steps", {}).items()
        }
    return html


# Snapshots: a whole lesson as JSON (drafts and revisions) ---------------------------------------------------


def source_hash(spec: LessonSpec, source_language: str) -> str:
    """What the source language says: translations record it, and are out of date when it changes."""
    locale = source_language
    return digest(
        [
            spec.title.get(locale),
            spec.summary.get(locale),
            spec.body.get(locale),
            spec.prompt.get(locale),
            texts_of(spec, locale),
        ]
    )


def snapshot(spec: LessonSpec, source_hashes: dict[str, str] | None = None) -> dict[str, Any]:
    """The lesson as JSON, as drafts and revisions keep it."""
    hashes = source_hashes or {}
    return {
        "kind": spec.kind,
        "estimated_minutes": spec.estimated_minutes,
        "required": spec.required,
        "structure": structure_of(spec),
        "translations": {
            locale: {
                "title": spec.title.get(locale, ""),
                "summary": spec.summary.get(locale, ""),
                "body": spec.body.get(locale, ""),
                "prompt": spec.prompt.get(locale, ""),
                "texts": texts_of(spec, locale),
                "source_hash": hashes.get(locale, ""),
            }
            for locale in locales_of(spec)
        },
    }


def from_snapshot(
    data: dict[str, Any], *, slug: str, position: int, media_dir: Path | None = None
) -> LessonSpec:
    structure = data.get("structure", {})
    media = {
        name: MediaFile(
            name=name,
            path=(media_dir or Path("."))
            / media_path(entry["sha256"], entry["content_type"]).removeprefix("/media/"),
            content_type=entry["content_type"],
            sha256=entry["sha256"],
            size=entry["size"],
        )
        for name, entry in structure.get("media", {}).items()
    }
    return spec_from(
        slug=slug,
        kind=data["kind"],
        position=position,
        estimated_minutes=data["estimated_minutes"],
        required=data["required"],
        structure=structure,
        translations=data.get("translations", {}),
        media=media,
    )
