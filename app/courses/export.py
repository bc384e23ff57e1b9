"""Writing a course from the database back into the course format (docs/course-format.md).

Archived modules and lessons are left out. Media files come back from <data dir>/media under the names
the lessons use. Loading the result gives back the course that was synced (tests/courses prove it).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from sqlalchemy.orm import Session, selectinload

from app.courses import content, media_store, translation
from app.courses.models import Course, Lesson, Module, live
from app.courses.spec import LessonSpec, MediaFile, OptionSpec, QuestionSpec, StepSpec, Text
from app.errors import NotFound


class _Dumper(yaml.SafeDumper):
    """Block style, Unicode as it is, and `|` literals for text of several lines."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value.strip("\n") + "\n", style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=110)


def _ordered(text: Text) -> Text:
    return {locale: text[locale] for locale in ("en", "ru", "ky") if text.get(locale)}


def export_course(session: Session, *, slug: str, target: Path, media_dir: Path) -> Path:
    """Write the course into target/<slug>/ (replacing what is there); returns that folder."""
    course = session.scalars(
        sa.select(Course)
        .where(Course.slug == slug)
        .options(
            selectinload(Course.translations), selectinload(Course.modules).selectinload(Module.translations)
        )
    ).one_or_none()
    if course is None:
        raise NotFound("There is no course with that slug.")
    folder = target / slug
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)

    translations = {row.locale: row for row in course.translations}
    hours: float | int = (
        int(course.estimated_hours) if course.estimated_hours.is_integer() else course.estimated_hours
    )
    course_file = {
        "title": _ordered({locale: row.title for locale, row in translations.items()}),
        "summary": _ordered({locale: row.summary for locale, row in translations.items()}),
        "audience": _ordered({locale: row.audience for locale, row in translations.items()}),
        "estimated_hours": hours,
        "topics": list(course.topics),
        "pass_mark": course.pass_mark,
        "licence": course.licence,
        "authors": list(course.authors),
        "source_language": course.source_language,
        "open_enrolment": course.open_enrolment,
    }
    (folder / "course.yaml").write_text(dump_yaml(course_file), encoding="utf-8")

    lessons = session.scalars(
        sa.select(Lesson)
        .where(Lesson.course_id == course.id, live(Lesson))
        .options(selectinload(Lesson.translations))
        .order_by(Lesson.position)
    ).all()
    # What another host uploaded and this one has not served yet (ACADEMY_MEDIA_STORE=database).
    media_store.fetch(
        session, media_dir, [name for lesson in lessons for name in media_store.files_of(lesson.structure)]
    )
    for module in course.modules:
        if module.archived_at is not None:
            continue
        module_dir = folder / f"{module.position:02d}-{module.slug}"
        module_dir.mkdir()
        texts = {row.locale: row for row in module.translations}
        module_file = {
            "title": _ordered({locale: row.title for locale, row in texts.items()}),
            "summary": _ordered({locale: row.summary for locale, row in texts.items()}),
        }
        (module_dir / "module.yaml").write_text(dump_yaml(module_file), encoding="utf-8")
        for lesson in (lesson for lesson in lessons if lesson.module_id == module.id):
            spec = lesson_spec(lesson, media_dir)
            spec.stamps = stamps_of(lesson, course.source_language)
            spec.exported_from = lesson.content_hash[:12]  # a sync point: see app/courses/sync.py
            write_lesson_files(spec, module_dir)
    return folder


def lesson_spec(lesson: Lesson, media_dir: Path) -> LessonSpec:
    media = {
        name: MediaFile(
            name=name,
            path=media_dir
            / content.media_path(entry["sha256"], entry["content_type"]).removeprefix("/media/"),
            content_type=entry["content_type"],
            sha256=entry["sha256"],
            size=entry["size"],
        )
        for name, entry in lesson.structure.get("media", {}).items()
    }
    return content.spec_from(
        slug=lesson.slug,
        kind=lesson.kind,
        position=lesson.position,
        estimated_minutes=lesson.estimated_minutes,
        required=lesson.required,
        structure=lesson.structure,
        translations={
            row.locale: {
                "title": row.title,
                "summary": row.summary,
                "body": row.body_md,
                "prompt": row.prompt,
                "texts": row.texts,
            }
            for row in lesson.translations
        },
        media=media,
    )


def stamps_of(lesson: Lesson, source: str) -> dict[str, str]:
    """What each translation with a text was made from, for its file (app/courses/translation.py): the
    source hash its row recorded, current or not."""
    return {
        row.locale: row.source_hash[: translation.STAMP_LENGTH]
        for row in lesson.translations
        if row.locale != source and row.body_md.strip() and row.source_hash
    }


def write_lesson_files(spec: LessonSpec, module_dir: Path) -> list[Path]:
    """The files of one lesson in the course format; returns their paths."""
    prefix = f"{spec.position:02d}-{spec.slug}"
    written: list[Path] = []
    if spec.kind in ("reading", "reflection"):
        for locale in ("en", "ru", "ky"):
            if locale not in spec.title:
                continue
            front: dict[str, Any] = {
                "kind": spec.kind,
                "title": spec.title[locale],
                "summary": spec.summary.get(locale, ""),
                "estimated_minutes": spec.estimated_minutes,
                "required": spec.required,
            }
            if spec.prompt.get(locale):
                front["prompt"] = spec.prompt[locale]
            if spec.stamps.get(locale):
                front["translated_from"] = spec.stamps[locale]
            if spec.exported_from:
                front["exported_from"] = spec.exported_from
            body = spec.body.get(locale, "").strip("\n")
            path = module_dir / f"{prefix}.{locale}.md"
            path.write_text(
                f"---\n{dump_yaml(front)}---\n{body}\n" if body else f"---\n{dump_yaml(front)}---\n"
            )
            written.append(path)
    else:
        path = module_dir / f"{prefix}.{spec.kind}.yaml"
        path.write_text(dump_yaml(structured_file(spec)), encoding="utf-8")
        written.append(path)
    for media in spec.media.values():
        if media.path.is_file():
            shutil.copyfile(media.path, module_dir / media.name)
            written.append(module_dir / media.name)
    return written


def structured_file(spec: LessonSpec) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": spec.kind,
        "title": _ordered(spec.title),
        "summary": _ordered(spec.summary),
        "estimated_minutes": spec.estimated_minutes,
        "required": spec.required,
    }
    if spec.exported_from:
        data["exported_from"] = spec.exported_from
    if spec.kind == "quiz":
        if spec.intro:
            data["intro"] = _ordered(spec.intro)
        data["questions"] = [_question_entry(question) for question in spec.questions]
    else:
        data["start"] = spec.start
        data["steps"] = {step.key: _step_entry(step) for step in spec.steps}
    return data


def _question_entry(question: QuestionSpec) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": question.key, "type": question.kind, "prompt": _ordered(question.prompt)}
    if question.kind == "true_false":
        entry["answer"] = "true" in question.correct_keys
        feedback = {
            option.key == "true": _ordered(option.feedback) for option in question.options if option.feedback
        }
        if feedback:
            entry["feedback"] = feedback
    else:
        entry["options"] = [_option_entry(option) for option in question.options]
    entry["explanation"] = _ordered(question.explanation)
    return entry


def _option_entry(option: OptionSpec) -> dict[str, Any]:
    item: dict[str, Any] = {"id": option.key, "text": _ordered(option.text)}
    if option.correct:
        item["correct"] = True
    if option.fixed:
        item["fixed"] = True
    if option.feedback:
        item["feedback"] = _ordered(option.feedback)
    return item


def _step_entry(step: StepSpec) -> dict[str, Any]:
    entry: dict[str, Any] = {"text": _ordered(step.text)}
    if step.choices:
        entry["choices"] = [
            {"id": choice.key, "label": _ordered(choice.label), "next": choice.next}
            for choice in step.choices
        ]
    if step.ending:
        entry["ending"] = step.ending
    return entry
