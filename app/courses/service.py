"""Reading courses for pages and the API, in one language with a fallback, in a fixed number of queries.

Functions return plain dataclasses, so templates never touch the database. Each text is taken in the
reader's language, else the fallback language (Russian for Kyrgyz, English for Russian), else the
course's source language; `fallback` on a lesson says that its body is shown in another language.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload, with_loader_criteria

from app.courses import cache
from app.courses.models import (
    Course,
    CourseTranslation,
    Lesson,
    LessonTranslation,
    Module,
    ModuleTranslation,
    live,
)
from app.courses.spec import FALLBACK, TOPICS
from app.errors import NotFound
from app.i18n import N_

LOCALES = ("ky", "ru", "en")
TOPIC_LABELS = {
    "disaster-risk": N_("Disaster risk reduction"),
    "climate": N_("Climate and environment"),
    "conflict-prevention": N_("Conflict prevention and peacebuilding"),
    "women-peace-security": N_("Women, peace and security"),
    "gender-equality": N_("Gender equality"),
    "labour-rights": N_("Labour rights"),
    "business-human-rights": N_("Business and human rights"),
    "civic-space": N_("Civic space"),
    "human-rights-monitoring": N_("Human rights monitoring"),
    "local-governance": N_("Local governance and planning"),
    "advocacy": N_("Advocacy"),
}
assert set(TOPIC_LABELS) == set(TOPICS)


class CourseNotFound(NotFound):
    message = N_("There is no such course.")


class LessonNotFound(NotFound):
    message = N_("There is no such lesson in this course.")


def preference(locale: str, source: str) -> list[str]:
    order = [locale, FALLBACK.get(locale, "ru"), source, *LOCALES]
    return list(dict.fromkeys(order))


def pick(rows: dict[str, Any], order: list[str]) -> Any:
    for locale in order:
        if locale in rows:
            return rows[locale]
    return next(iter(rows.values()), None)


@dataclass(frozen=True)
class LessonItem:
    id: int
    slug: str
    kind: str
    position: int
    minutes: int
    required: bool
    title: str
    summary: str
    module_slug: str


@dataclass(frozen=True)
class ModuleItem:
    id: int
    slug: str
    position: int
    title: str
    summary: str
    lessons: list[LessonItem]

    @property
    def minutes(self) -> int:
        return sum(lesson.minutes for lesson in self.lessons)


@dataclass(frozen=True)
class CourseOutline:
    id: int
    slug: str
    title: str
    summary: str
    audience: str
    hours: float
    topics: list[str]
    pass_mark: int
    open_enrolment: bool
    licence: str
    authors: list[str]
    source_language: str
    modules: list[ModuleItem]
    languages: dict[str, str] = field(default_factory=dict)  # locale -> "full" | "partial"

    def lessons(self) -> list[LessonItem]:
        return [lesson for module in self.modules for lesson in module.lessons]

    def lesson(self, slug: str) -> LessonItem:
        for lesson in self.lessons():
            if lesson.slug == slug:
                return lesson
        raise LessonNotFound()

    def neighbours(self, slug: str) -> tuple[LessonItem | None, LessonItem | None]:
        lessons = self.lessons()
        index = [lesson.slug for lesson in lessons].index(slug)
        return (
            lessons[index - 1] if index > 0 else None,
            lessons[index + 1] if index + 1 < len(lessons) else None,
        )


def language_coverage(session: Session, course_ids: list[int]) -> dict[int, dict[str, str]]:
    """Per course, the languages its lessons can be read in: fully, or partly (some bodies not yet)."""
    if not course_ids:
        return {}
    total = dict(
        session.execute(
            sa.select(Lesson.course_id, sa.func.count())
            .where(Lesson.course_id.in_(course_ids), live(Lesson))
            .group_by(Lesson.course_id)
        ).all()
    )
    translated = session.execute(
        sa.select(Lesson.course_id, LessonTranslation.locale, sa.func.count())
        .join(LessonTranslation, LessonTranslation.lesson_id == Lesson.id)
        .where(
            Lesson.course_id.in_(course_ids),
            live(Lesson),
            sa.or_(Lesson.kind.in_(("quiz", "scenario")), LessonTranslation.body_md != ""),
        )
        .group_by(Lesson.course_id, LessonTranslation.locale)
    ).all()
    coverage: dict[int, dict[str, str]] = defaultdict(dict)
    for course_id, locale, count in translated:
        coverage[course_id][locale] = "full" if count >= total.get(course_id, 0) else "partial"
    return {
        course_id: {loc: coverage[course_id][loc] for loc in LOCALES if loc in coverage[course_id]}
        for course_id in course_ids
    }


def catalogue(
    session: Session, *, locale: str, topic: str | None = None, language: str | None = None
) -> list[CourseOutline]:
    """Published courses, optionally only those on a topic or readable in a language."""
    ids = list(session.scalars(sa.select(Course.id).where(live(Course)).order_by(Course.id)))
    found = outlines_by_id(session, ids, locale=locale)
    return [
        found[course_id]
        for course_id in ids
        if (not topic or topic in found[course_id].topics)
        and (not language or language in found[course_id].languages)
    ]


def outline(session: Session, *, slug: str, locale: str) -> CourseOutline:
    """A course with its modules and lessons (titles and summaries), for the course and lesson pages."""
    found = outlines_by_slug(session, [slug], locale=locale)
    if slug not in found:
        raise CourseNotFound()
    return found[slug]


def outlines_by_id(session: Session, course_ids: list[int], *, locale: str) -> dict[int, CourseOutline]:
    """Outlines of these courses (live or not: reports and authoring need drafts too)."""
    return _cached_outlines(session, course_ids, locale=locale, by="id")


def outlines_by_slug(session: Session, slugs: list[str], *, locale: str) -> dict[str, CourseOutline]:
    """The live courses among these slugs (unknown ones are left out)."""
    return _cached_outlines(session, slugs, locale=locale, by="slug")


def _cached_outlines(session: Session, keys: list[Any], *, locale: str, by: str) -> dict[Any, CourseOutline]:
    """Outlines from the process's cache, and those it lacks made together in one round of queries."""
    found: dict[Any, CourseOutline] = {}
    missing = []
    for key in dict.fromkeys(keys):
        cached = cache.get(session, (f"outline-by-{by}", key, locale))
        if cached is not None:
            found[key] = cached
        else:
            missing.append(key)
    if missing:
        which = Course.id.in_(missing) if by == "id" else sa.and_(Course.slug.in_(missing), live(Course))
        courses = list(
            session.scalars(sa.select(Course).where(which).options(selectinload(Course.translations)))
        )
        for made in (outlines(session, courses, locale=locale) if courses else {}).values():
            key = made.id if by == "id" else made.slug
            cache.put(session, (f"outline-by-{by}", key, locale), made)
            found[key] = made
    return found


def outlines(session: Session, courses: list[Course], *, locale: str) -> dict[int, CourseOutline]:
    """Several courses' outlines in five queries, whatever their number and size."""
    ids = [course.id for course in courses]
    wanted = sorted({loc for course in courses for loc in preference(locale, course.source_language)})
    modules = session.scalars(
        sa.select(Module)
        .where(Module.course_id.in_(ids), Module.archived_at.is_(None))
        .options(selectinload(Module.translations))
        .order_by(Module.position)
    ).all()
    lessons = session.execute(
        sa.select(
            Lesson.id,
            Lesson.slug,
            Lesson.kind,
            Lesson.position,
            Lesson.estimated_minutes,
            Lesson.required,
            Lesson.module_id,
            LessonTranslation.locale,
            LessonTranslation.title,
            LessonTranslation.summary,
        )
        .join(LessonTranslation, LessonTranslation.lesson_id == Lesson.id)
        .where(Lesson.course_id.in_(ids), live(Lesson), LessonTranslation.locale.in_(wanted))
        .order_by(Lesson.position, Lesson.id)
    ).all()
    by_lesson: dict[int, dict[str, Any]] = defaultdict(dict)
    for row in lessons:
        by_lesson[row.id][row.locale] = row
    module_slugs = {module.id: module.slug for module in modules}
    order_of = {course.id: preference(locale, course.source_language) for course in courses}
    course_of_module = {module.id: module.course_id for module in modules}
    by_module: dict[int, list[LessonItem]] = defaultdict(list)
    for rows in by_lesson.values():
        any_row = next(iter(rows.values()))
        if any_row.module_id not in module_slugs:
            continue
        chosen = pick(rows, order_of[course_of_module[any_row.module_id]])
        by_module[any_row.module_id].append(
            LessonItem(
                chosen.id,
                chosen.slug,
                chosen.kind,
                chosen.position,
                chosen.estimated_minutes,
                chosen.required,
                chosen.title,
                chosen.summary,
                module_slugs[chosen.module_id],
            )
        )
    coverage = language_coverage(session, ids)
    result = {}
    for course in courses:
        order = order_of[course.id]
        items = [
            _module_item(
                module, order, sorted(by_module[module.id], key=lambda item: (item.position, item.id))
            )
            for module in modules
            if module.course_id == course.id
        ]
        result[course.id] = _outline(course, order, items, coverage.get(course.id, {}))
    return result


def _module_item(module: Module, order: list[str], lessons: list[LessonItem]) -> ModuleItem:
    text: ModuleTranslation = pick({row.locale: row for row in module.translations}, order)
    return ModuleItem(module.id, module.slug, module.position, text.title, text.summary, lessons)


def _outline(
    course: Course, order: list[str], modules: list[ModuleItem], languages: dict[str, str]
) -> CourseOutline:
    text: CourseTranslation = pick({row.locale: row for row in course.translations}, order)
    return CourseOutline(
        id=course.id,
        slug=course.slug,
        title=text.title,
        summary=text.summary,
        audience=text.audience,
        hours=course.estimated_hours,
        topics=list(course.topics),
        pass_mark=course.pass_mark,
        open_enrolment=course.open_enrolment,
        licence=course.licence,
        authors=list(course.authors),
        source_language=course.source_language,
        modules=modules,
        languages=languages,
    )


@dataclass(frozen=True)
class LessonContent:
    """A lesson's text in one language, with the language each part really is in."""

    id: int
    slug: str
    kind: str
    locale: str  # the language of the title
    body_html: str
    body_locale: str  # differs from `locale` when the body is shown in the fallback language
    prompt: str
    structure: dict[str, Any]
    texts_html: dict[str, Any]  # quiz/scenario texts, with missing ones filled from the fallback
    texts_locale: str

    @property
    def fallback(self) -> bool:
        return self.body_locale != self.locale


def lesson_content(session: Session, *, course: CourseOutline, slug: str, locale: str) -> LessonContent:
    key = ("lesson", course.id, slug, locale)
    cached: LessonContent | None = cache.get(session, key)
    if cached is not None:
        return cached
    made = _lesson_content(session, course=course, slug=slug, locale=locale)
    cache.put(session, key, made)
    return made


def _lesson_content(session: Session, *, course: CourseOutline, slug: str, locale: str) -> LessonContent:
    item = course.lesson(slug)
    order = preference(locale, course.source_language)
    lesson = session.scalars(
        sa.select(Lesson)
        .where(Lesson.id == item.id)
        .options(
            selectinload(Lesson.translations),
            with_loader_criteria(LessonTranslation, LessonTranslation.locale.in_(order)),
        )
    ).one()
    rows = {row.locale: row for row in lesson.translations}
    title_row: LessonTranslation = pick(rows, order)
    body_row = next((rows[loc] for loc in order if loc in rows and rows[loc].body_html), title_row)
    texts_html: dict[str, Any] = {}
    texts_locale = title_row.locale
    for loc in reversed(order):  # the preferred language last, so that it wins
        if loc in rows and rows[loc].texts_html:
            texts_html = _merge(texts_html, rows[loc].texts_html)
    if not title_row.texts_html and texts_html:
        texts_locale = next(loc for loc in order if loc in rows and rows[loc].texts_html)
    return LessonContent(
        id=lesson.id,
        slug=lesson.slug,
        kind=lesson.kind,
        locale=title_row.locale,
        body_html=body_row.body_html,
        body_locale=body_row.locale,
        prompt=title_row.prompt or body_row.prompt,
        structure=lesson.structure,
        texts_html=texts_html,
        texts_locale=texts_locale,
    )


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        elif value:
            merged[key] = value
    return merged
