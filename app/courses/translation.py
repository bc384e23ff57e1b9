"""Where each translation of a lesson stands, in the files: the one rule that `courses check --languages`,
`courses stamp` and sync share.

A reading or reflection translation records the source it was made from in its front matter
(`translated_from`: the first 12 hex digits of the source language's content hash, written by
`academy courses stamp`). When the source text changes after that, the translation is **stale** until a
translator brings it up to date and stamps it again, as gettext marks a changed message fuzzy. A
translation without a stamp is **unstamped**: nobody has said what it was made from. A body left empty
**falls back** to another language on the page. Quizzes and scenarios keep every language in one file,
edited together: theirs are current when every text the source has is there, and fall back otherwise.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Literal

from app.courses import content
from app.courses.content import LOCALES
from app.courses.spec import CourseSpec, LessonSpec

State = Literal["source", "current", "stale", "unstamped", "fallback", "missing"]
STAMP_LENGTH = 12


def stamp_of(spec: LessonSpec, source: str) -> str:
    """What a translation made from the source as it is now records."""
    return content.source_hash(spec, source)[:STAMP_LENGTH]


def state(spec: LessonSpec, locale: str, source: str) -> State:
    if locale == source:
        return "source"
    if locale not in spec.title:
        return "missing"
    if spec.kind in ("quiz", "scenario"):
        have = set(_paths(content.texts_of(spec, locale)))
        return "current" if set(_paths(content.texts_of(spec, source))) <= have else "fallback"
    if not spec.body.get(locale, "").strip():
        return "fallback"
    stamp = spec.stamps.get(locale)
    if stamp is None:
        return "unstamped"
    return "current" if stamp == stamp_of(spec, source) else "stale"


def counts(course: CourseSpec) -> dict[str, Counter[str]]:
    """Per language, how many of the course's lessons are in each state."""
    return {
        locale: Counter(state(lesson, locale, course.source_language) for lesson in course.lessons())
        for locale in LOCALES
    }


STATES: tuple[State, ...] = ("current", "stale", "unstamped", "fallback", "missing")


def table(courses: list[CourseSpec]) -> list[str]:
    """`courses check --languages`: per course and language, how many lessons have their own text."""
    lines = ["translations: lessons with a text of their own, of all lessons"]
    for course in courses:
        total = len(course.lessons())
        lines.append(course.slug)
        for locale, counted in counts(course).items():
            if locale == course.source_language:
                lines.append(f"  {locale}  source  {total}/{total}")
                continue
            own = counted["current"] + counted["stale"] + counted["unstamped"]
            share = f"{100 * own // total if total else 100}%"
            detail = ", ".join(f"{name} {counted[name]}" for name in STATES)
            lines.append(f"  {locale}  {share:>6}  {own}/{total}  {detail}")
    return lines


def stamp_files(courses: list[CourseSpec], locale: str, *, only: set[str]) -> list[Path]:
    """Write `translated_from` into the `locale` files of reading and reflection lessons that have a text:
    the lessons named in `only`, or (none named) every one not stamped yet. Returns the files written."""
    written = []
    for course in courses:
        source = course.source_language
        for lesson in course.lessons():
            if locale == source or lesson.kind not in ("reading", "reflection"):
                continue
            if state(lesson, locale, source) in ("fallback", "missing"):
                continue
            if lesson.slug not in only and (only or locale in lesson.stamps):
                continue
            file = next(f for f in lesson.files if f.name.endswith(f".{locale}.md"))
            _write_stamp(file, stamp_of(lesson, source))
            written.append(file)
    return written


def _write_stamp(file: Path, stamp: str) -> None:
    lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
    end = next(index for index in range(1, len(lines)) if lines[index].strip() == "---")
    line = f"translated_from: {stamp}\n"
    found = next((i for i in range(1, end) if lines[i].startswith("translated_from:")), None)
    if found is None:
        lines.insert(end, line)
    else:
        lines[found] = line
    file.write_text("".join(lines), encoding="utf-8")


def _paths(texts: Any, prefix: str = "") -> list[str]:
    if isinstance(texts, dict):
        return [path for key, value in texts.items() for path in _paths(value, f"{prefix}/{key}")]
    return [prefix] if texts else []
