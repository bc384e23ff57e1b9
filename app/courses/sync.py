"""Loading course specs into the database: upsert by slug, archive what is gone, never lose progress.

One call is one transaction in the caller's session: the caller commits only when every course went in.
A second run over the same files changes nothing: each row is compared by a content hash before it is
written. Media files are copied into <data dir>/media under their SHA-256 (an orphan file left by a
rolled-back sync is harmless: content-addressed, and reused next time).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.courses import content, media_store, translation
from app.courses.glossary import Entry
from app.courses.models import (
    Course,
    CourseTranslation,
    GlossaryTerm,
    Lesson,
    LessonTranslation,
    Media,
    Module,
    ModuleTranslation,
    Revision,
)
from app.courses.spec import CourseSpec, LessonSpec, MediaFile, ModuleSpec
from app.db import utcnow


@dataclass
class SyncResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    unchanged: int = 0
    kept_browser_edits: list[str] = field(default_factory=list)  # changed in the browser since the last sync

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.moved or self.archived or self.restored)


def sync(
    session: Session,
    specs: list[CourseSpec],
    *,
    media_dir: Path,
    force: bool = False,
    step: Callable[[str], None] | None = None,
    glossary: list[Entry] | None = None,
    shared_media: bool = False,
) -> SyncResult:
    """Upsert every course, and the glossary when one is given (it replaces the one before); `step` is
    called once per lesson (for a progress bar). With `shared_media` (ACADEMY_MEDIA_STORE=database), each
    media file is kept in the database too, for the other hosts."""
    result = SyncResult()
    for spec in specs:
        _sync_course(
            session, spec, media_dir=media_dir, force=force, result=result, step=step, shared=shared_media
        )
    if glossary:
        sync_glossary(session, glossary)
    session.flush()
    return result


def sync_glossary(session: Session, entries: list[Entry]) -> None:
    """The glossary as the files say, whole: terms added, changed and removed."""
    rows = {row.key: row for row in session.scalars(sa.select(GlossaryTerm))}
    for entry in entries:
        row = rows.pop(entry.key, None) or GlossaryTerm(key=entry.key)
        row.en, row.ru, row.ky, row.note = entry.en, entry.ru, entry.ky, entry.note
        row.avoid = {locale: list(variants) for locale, variants in entry.avoid.items()}
        session.add(row)
    for gone in rows.values():
        session.delete(gone)


def _course_hash(spec: CourseSpec) -> str:
    return content.digest(
        [spec.title, spec.summary, spec.audience, spec.estimated_hours, spec.topics, spec.pass_mark,
         spec.licence, spec.authors, spec.source_language, spec.open_enrolment]
    )  # fmt: skip


def _sync_course(
    session: Session,
    spec: CourseSpec,
    *,
    media_dir: Path,
    force: bool,
    result: SyncResult,
    step: Callable[[str], None] | None,
    shared: bool,
) -> None:
    course = session.scalars(
        sa.select(Course).where(Course.slug == spec.slug).options(selectinload(Course.translations))
    ).one_or_none()
    new_hash = _course_hash(spec)
    if course is None:
        course = Course(slug=spec.slug, translations=[])
        session.add(course)
        result.created.append(spec.slug)
    if course.content_hash != new_hash or course.archived_at is not None:
        if course.id is not None and spec.slug not in result.created:
            result.updated.append(spec.slug)
        course.estimated_hours = spec.estimated_hours
        course.pass_mark = spec.pass_mark
        course.licence = spec.licence
        course.authors = list(spec.authors)
        course.topics = list(spec.topics)
        course.source_language = spec.source_language
        course.open_enrolment = spec.open_enrolment
        course.archived_at = None
        course.published_at = course.published_at or utcnow()  # files are published content
        course.content_hash = new_hash
        course.updated_at = utcnow()
        _set_translations(
            course.translations,
            lambda locale: CourseTranslation(locale=locale),
            {
                locale: {
                    "title": spec.title[locale],
                    "summary": spec.summary.get(locale, ""),
                    "audience": spec.audience.get(locale, ""),
                }
                for locale in spec.title
            },
        )
    session.flush()

    modules = {
        module.slug: module
        for module in session.scalars(
            sa.select(Module).where(Module.course_id == course.id).options(selectinload(Module.translations))
        )
    }
    lessons = {
        lesson.slug: lesson
        for lesson in session.scalars(
            sa.select(Lesson).where(Lesson.course_id == course.id).options(selectinload(Lesson.translations))
        )
    }
    seen_modules: set[str] = set()
    seen_lessons: set[str] = set()
    for module_spec in spec.modules:
        module = _sync_module(session, course, modules.get(module_spec.slug), module_spec, result)
        modules[module.slug] = module
        seen_modules.add(module.slug)
        for lesson_spec in module_spec.lessons:
            _store_media(session, lesson_spec, media_dir, shared=shared)
            _sync_lesson(
                session, spec.slug, course, module, lessons.get(lesson_spec.slug), lesson_spec, force, result
            )
            seen_lessons.add(lesson_spec.slug)
            if step:
                step(f"{spec.slug}/{lesson_spec.slug}")

    now = utcnow()
    for slug, lesson in lessons.items():
        if slug not in seen_lessons and lesson.archived_at is None:
            lesson.archived_at = now
            result.archived.append(f"{spec.slug}/{slug}")
    for slug, module in modules.items():
        if slug not in seen_modules and module.archived_at is None:
            module.archived_at = now
            result.archived.append(f"{spec.slug}/{slug}/")


def _sync_module(
    session: Session, course: Course, module: Module | None, spec: ModuleSpec, result: SyncResult
) -> Module:
    new_hash = content.digest([spec.title, spec.summary])
    if module is None:
        module = Module(course_id=course.id, slug=spec.slug, position=spec.position, translations=[])
        session.add(module)
        result.created.append(f"{course.slug}/{spec.slug}/")
    elif module.archived_at is not None:
        module.archived_at = None
        result.restored.append(f"{course.slug}/{spec.slug}/")
    if module.position != spec.position:
        module.position = spec.position
        result.moved.append(f"{course.slug}/{spec.slug}/")
    if module.content_hash != new_hash:
        if module.id is not None and f"{course.slug}/{spec.slug}/" not in result.created:
            result.updated.append(f"{course.slug}/{spec.slug}/")
        module.content_hash = new_hash
        _set_translations(
            module.translations,
            lambda locale: ModuleTranslation(locale=locale),
            {
                locale: {"title": spec.title[locale], "summary": spec.summary.get(locale, "")}
                for locale in spec.title
            },
        )
    session.flush()
    return module


def _sync_lesson(
    session: Session,
    course_slug: str,
    course: Course,
    module: Module,
    lesson: Lesson | None,
    spec: LessonSpec,
    force: bool,
    result: SyncResult,
) -> None:
    name = f"{course_slug}/{spec.slug}"
    new_hash = content.lesson_hash(spec)
    if lesson is None:
        lesson = Lesson(course_id=course.id, slug=spec.slug, translations=[])
        session.add(lesson)
        result.created.append(name)
    else:
        if lesson.archived_at is not None:
            lesson.archived_at = None
            result.restored.append(name)
        if lesson.module_id != module.id or lesson.position != spec.position:
            result.moved.append(name)
    lesson.module_id = module.id
    lesson.position = spec.position
    if lesson.content_hash == new_hash:
        if name not in result.created and name not in result.restored:
            result.unchanged += 1
        return
    # Edited in the browser after the last sync: kept, unless the files were exported from this very
    # content (their `exported_from`), which makes them a sync point of their own.
    exported_here = bool(spec.exported_from) and lesson.content_hash.startswith(spec.exported_from)
    if (
        lesson.id is not None
        and lesson.content_hash != lesson.synced_hash
        and not force
        and not exported_here
    ):
        result.kept_browser_edits.append(name)
        return
    if name not in result.created:
        result.updated.append(name)
    # A translation is as current as its file says (app/courses/translation.py): a stale one keeps the
    # stamp it was made from, so the editor shows it out of date too.
    current = content.source_hash(spec, course.source_language)
    hashes = {
        locale: spec.stamps[locale]
        if translation.state(spec, locale, course.source_language) == "stale"
        else current
        for locale in content.locales_of(spec)
    }
    write_lesson(lesson, spec, course_slug, source_hashes=hashes)
    lesson.content_hash = lesson.synced_hash = new_hash
    lesson.published_at = lesson.published_at or utcnow()
    session.flush()
    add_revision(session, lesson, spec, hashes, author=None, note="files")


def add_revision(
    session: Session,
    lesson: Lesson,
    spec: LessonSpec,
    source_hashes: dict[str, str],
    *,
    author: Any | None,
    note: str,
) -> Revision:
    """Record a published state of the lesson (author None: the files)."""
    number = (
        session.scalar(sa.select(sa.func.max(Revision.number)).where(Revision.lesson_id == lesson.id)) or 0
    ) + 1
    revision = Revision(
        lesson_id=lesson.id,
        number=number,
        data=content.snapshot(spec, source_hashes),
        author_id=author.id if author is not None else None,
        author_label=author.display_name if author is not None else "files",
        note=note[:300],
    )
    session.add(revision)
    session.flush()
    return revision


def write_lesson(
    lesson: Lesson, spec: LessonSpec, course_slug: str, *, source_hashes: Mapping[str, str] | None = None
) -> None:
    """Put a spec's content into a lesson row and its translations, rendering every Markdown text."""
    structure = content.structure_of(spec)
    lesson.kind = spec.kind
    lesson.estimated_minutes = spec.estimated_minutes
    lesson.required = spec.required
    lesson.structure = structure
    links = content.Links(course_slug, structure.get("media", {}))
    values = {}
    for locale in content.locales_of(spec):
        texts = content.texts_of(spec, locale)
        body = spec.body.get(locale, "")
        values[locale] = {
            "title": spec.title[locale],
            "summary": spec.summary.get(locale, ""),
            "body_md": body,
            "body_html": content.render_markdown(body, links),
            "prompt": spec.prompt.get(locale, ""),
            "texts": texts,
            "texts_html": content.render_texts(spec.kind, texts, links),
            "source_hash": (source_hashes or {}).get(locale, ""),
        }
    _set_translations(lesson.translations, lambda locale: LessonTranslation(locale=locale), values)


def _set_translations(
    rows: list[Any], make: Callable[[str], Any], values: Mapping[str, Mapping[str, Any]]
) -> None:
    """Make `rows` hold exactly one row per locale in `values`, updating fields only where they differ."""
    by_locale = {row.locale: row for row in rows}
    for row in list(rows):
        if row.locale not in values:
            rows.remove(row)
    for locale, fields in values.items():
        row = by_locale.get(locale)
        if row is None:
            row = make(locale)
            rows.append(row)
        for name, value in fields.items():
            if getattr(row, name, None) != value:
                setattr(row, name, value)


def _store_media(session: Session, spec: LessonSpec, media_dir: Path, *, shared: bool) -> None:
    for media in spec.media.values():
        _store_file(session, media, media_dir, shared=shared)


def _store_file(session: Session, media: MediaFile, media_dir: Path, *, shared: bool) -> None:
    target = media_dir / content.media_path(media.sha256, media.content_type).removeprefix("/media/")
    if not target.exists():
        media_dir.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(target.suffix + ".part")
        shutil.copyfile(media.path, temporary)
        temporary.replace(target)
    if shared:
        media_store.keep(session, media.sha256, target.read_bytes())
    exists = session.execute(sa.select(Media.id, Media.uploaded).where(Media.sha256 == media.sha256)).first()
    if exists is None:
        session.add(Media(sha256=media.sha256, content_type=media.content_type, size=media.size))
        session.flush()
    elif exists.uploaded:  # also in courses/, public in the repository: here too, whoever uploaded it
        session.execute(sa.update(Media).where(Media.id == exists.id).values(uploaded=False))
