"""Where threads are, in words and links: "the lesson «…» of «…»", or a cohort's name.

For any number of threads in a fixed number of queries (the courses' outlines, and cohort names).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.courses.models import Course, CourseTranslation, Lesson, LessonTranslation, ModuleTranslation
from app.courses.service import pick, preference
from app.discussions import links
from app.discussions.models import Thread
from app.i18n import gettext
from app.learning.models import Cohort


@dataclass(frozen=True)
class PlaceLabel:
    scope: str
    title: str  # the lesson's, module's or course's title, or the cohort's name
    course_title: str
    course_slug: str
    board_url: str  # the list of threads this one belongs to
    lesson_url: str = ""  # for lesson threads: the lesson itself


def describe(session: Session, threads: Iterable[Thread], *, locale: str) -> dict[int, PlaceLabel]:
    """Labels for threads, in at most four small queries (titles only, in the reader's language)."""
    threads = list(threads)
    cohort_ids = sorted({t.cohort_id for t in threads if t.cohort_id is not None})
    cohorts = (
        {c.id: c for c in session.scalars(sa.select(Cohort).where(Cohort.id.in_(cohort_ids)))}
        if cohort_ids
        else {}
    )
    course_ids = {t.course_id for t in threads if t.course_id is not None} | {
        c.course_id for c in cohorts.values()
    }
    courses = _titles(session, CourseTranslation, CourseTranslation.course_id, course_ids, locale)
    slugs = dict(
        session.execute(sa.select(Course.id, Course.slug).where(Course.id.in_(sorted(course_ids)))).all()
    ) if course_ids else {}  # fmt: skip
    lessons = _titles(session, LessonTranslation, LessonTranslation.lesson_id,
                      {t.lesson_id for t in threads if t.lesson_id is not None}, locale)  # fmt: skip
    live_lessons = sa.select(Lesson.id, Lesson.slug).where(
        Lesson.id.in_(sorted(lessons)), Lesson.archived_at.is_(None)
    )
    lesson_slugs = dict(session.execute(live_lessons).all()) if lessons else {}
    module_ids = {t.module_id for t in threads if t.scope == "module" and t.module_id is not None}
    modules = _titles(session, ModuleTranslation, ModuleTranslation.module_id, module_ids, locale)
    labels = {}
    for thread in threads:
        if thread.scope == "cohort":
            cohort = cohorts.get(thread.cohort_id or 0)
            if cohort is None:
                continue
            labels[thread.id] = PlaceLabel(
                "cohort", cohort.name, courses.get(cohort.course_id, ""), slugs.get(cohort.course_id, ""),
                links.cohort_board_path(cohort.id),
            )  # fmt: skip
            continue
        slug = slugs.get(thread.course_id or 0)
        if slug is None:
            continue
        course_title = courses.get(thread.course_id or 0, slug)
        board = f"/discussions/courses/{slug}"
        lesson_slug = lesson_slugs.get(thread.lesson_id or 0)
        if thread.scope == "lesson" and lesson_slug:
            labels[thread.id] = PlaceLabel(
                "lesson", lessons.get(thread.lesson_id or 0, lesson_slug), course_title, slug,
                f"{board}?lesson={lesson_slug}", f"/courses/{slug}/{lesson_slug}",
            )  # fmt: skip
        elif thread.scope == "module" and thread.module_id in modules:
            labels[thread.id] = PlaceLabel("module", modules[thread.module_id], course_title, slug, board)
        else:  # the course, or a lesson since archived
            labels[thread.id] = PlaceLabel("course", course_title, course_title, slug, board)
    return labels


def _titles(
    session: Session, model: type[Any], key: sa.orm.InstrumentedAttribute[int], ids: set[int], locale: str
) -> dict[int, str]:
    """id -> title in the reader's language, else Russian, else English, else Kyrgyz."""
    if not ids:
        return {}
    order = preference(locale, "en")
    found: dict[int, dict[str, str]] = {}
    for row in session.execute(sa.select(key, model.locale, model.title).where(key.in_(sorted(ids)))):
        found.setdefault(row[0], {})[row[1]] = row[2]
    return {item: pick(titles, order) for item, titles in found.items()}


def in_words(label: PlaceLabel | None) -> str:
    """Where, for an email or a notice, in the current language: "the lesson “…” (course “…”)"."""
    if label is None:
        return gettext("a course")
    if label.scope == "lesson":
        return gettext("the lesson “%(lesson)s” (%(course)s)") % {
            "lesson": label.title,
            "course": label.course_title,
        }
    if label.scope == "module":
        return gettext("the module “%(module)s” (%(course)s)") % {
            "module": label.title,
            "course": label.course_title,
        }
    if label.scope == "cohort":
        return gettext("your cohort (%(course)s)") % {"course": label.course_title}
    return gettext("the course “%(course)s”") % {"course": label.course_title}
