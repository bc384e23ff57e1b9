"""A course's translation status for its trainers: every lesson (module by module, in order) in every
language, as learners get it now: the source, current, stale (the source changed since it was translated),
title only (learners read the body in another language) or missing.

Each lesson's state is the one the course page shows (`service.lesson_states`, the published rows and the
source's hash they keep), taken for the three languages at once; a lesson with a draft waiting says so
(the draft's translations count once published). The page costs the same few queries whatever the size
of the course: the course, its modules, its lessons (each with its translations) and the drafts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.authoring import service
from app.authoring.models import LessonDraft
from app.courses.models import Course, Lesson, Module
from app.principal import Principal

# The order the table's columns and its summary follow: the languages of the country first.
LANGUAGES = ("ky", "ru", "en")
# A state as the course page names it -> as this page does ("outdated" is what translators call stale).
STATES = {"source": "source", "current": "current", "outdated": "stale", "fallback": "title_only"}
ORDER = ("current", "stale", "title_only", "missing")  # what the summary counts, best first


@dataclass(frozen=True)
class LessonStatus:
    lesson: Lesson
    title: str  # in her language, else the source's
    states: dict[str, str]  # language -> source, current, stale, title_only or missing
    draft: bool  # a draft is waiting to be published
    lang: str = ""  # the title's language (pages mark it, since it may not be the page's)


@dataclass(frozen=True)
class ModuleStatus:
    module: Module
    title: str
    lessons: list[LessonStatus]
    lang: str = ""


@dataclass(frozen=True)
class TranslationStatus:
    course: Course
    title: str
    languages: tuple[str, ...]
    modules: list[ModuleStatus]

    def counts(self) -> dict[str, Counter[str]]:
        """Per language other than the source: how many lessons are in each state."""
        counted: dict[str, Counter[str]] = {
            locale: Counter() for locale in self.languages if locale != self.course.source_language
        }
        for module in self.modules:
            for row in module.lessons:
                for locale, counter in counted.items():
                    counter[row.states[locale]] += 1
        return counted

    @property
    def lessons(self) -> int:
        return sum(len(module.lessons) for module in self.modules)


def status_of(session: Session, principal: Principal, *, slug: str, locale: str) -> TranslationStatus:
    """The course's lessons by module, each with its state in every language (NotYourCourse for someone
    who may not edit the course). `locale`: the language the titles are shown in."""
    course = service.course_for_editing(session, principal, slug)
    source = course.source_language
    modules = service.modules_of(session, course)
    lessons = service.lessons_of(session, course)
    states = {language: service.lesson_states(lessons, language, source) for language in LANGUAGES}
    ids = [lesson.id for lesson in lessons]
    drafts = (
        set(session.scalars(sa.select(LessonDraft.lesson_id).where(LessonDraft.lesson_id.in_(ids))))
        if ids
        else set()
    )
    by_module: dict[int, list[LessonStatus]] = {module.id: [] for module in modules}
    for lesson in lessons:
        if lesson.module_id not in by_module:  # a lesson of an archived module: not in the course
            continue
        row = {language: STATES.get(states[language][lesson.id], "missing") for language in LANGUAGES}
        title = service.title_of(lesson.translations, locale, source)
        by_module[lesson.module_id].append(
            LessonStatus(lesson, title or lesson.slug, row, lesson.id in drafts, _lang(title))
        )
    return TranslationStatus(
        course=course,
        title=service.title_of(course.translations, locale, source) or course.slug,
        languages=LANGUAGES,
        modules=[_module(module, by_module[module.id], locale, source) for module in modules],
    )


def _module(module: Module, lessons: list[LessonStatus], locale: str, source: str) -> ModuleStatus:
    title = service.title_of(module.translations, locale, source)
    return ModuleStatus(module, title or module.slug, lessons, _lang(title))


def _lang(title: str) -> str:
    """The language a title found by `service.title_of` is in, when it says ("": a slug, or unknown)."""
    return str(getattr(title, "lang", "")) if title else ""
