"""Editing courses in the browser: who may, drafts with versions, checks before publishing, revisions,
word-level diffs, restore, the media library and the zip round trip.

A lesson is published exactly as `academy courses sync` would publish the same files: the draft is
written out in the course format to a temporary folder and read back by the same loader, so the browser
and the files obey one set of rules.

The functions at the end are what a trainer does, one for each of the editor's routes (which parse the
form, call one of them, and render or redirect). Like the rest they add and flush, and never commit: the
request's unit of work does (app/routing.py), or rolls everything back when one of them refuses.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import io
import re
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from app import i18n
from app.accounts import service as accounts_service
from app.accounts.models import User
from app.authoring import cleaning
from app.authoring.exceptions import (
    BadKind,
    BadSlug,
    BrokenLink,
    CourseProblems,
    EditConflict,
    NoSuchTrainer,
    NotYourCourse,
    PublishProblems,
    RestoreRefused,
    SlugTaken,
    StructureProblems,
    UploadRefused,
    UploadTooLarge,
)
from app.authoring.models import CourseMedia, CourseStaff, LessonDraft
from app.authoring.schemas import KINDS, draft_texts, parse_structure, structure_yaml
from app.courses import content, export, glossary, loader, media_store, sync
from app.courses.models import (
    Course,
    CourseTranslation,
    GlossaryTerm,
    Lesson,
    Media,
    Module,
    ModuleTranslation,
    Revision,
)
from app.courses.service import TOPIC_LABELS
from app.courses.spec import SLUG, LessonSpec
from app.db import utcnow
from app.errors import NotFound
from app.i18n import N_
from app.markdown import iter_inline, parse, render
from app.permissions import Capability
from app.principal import Principal
from app.textdiff import word_diff

LOCALES = ("en", "ru", "ky")
MAX_UPLOAD_BYTES = loader.MAX_MEDIA_BYTES
TABS = (*LOCALES, "settings", "history")


# Who may edit ------------------------------------------------------------------------------------------


def editable_courses(session: Session, principal: Principal) -> list[Course]:
    statement = sa.select(Course).options(selectinload(Course.translations)).order_by(Course.id)
    if not principal.can(Capability.AUTHOR_ANY_COURSE):
        statement = statement.join(CourseStaff, CourseStaff.course_id == Course.id).where(
            CourseStaff.user_id == principal.user_id
        )
    return list(session.scalars(statement))


def can_edit(session: Session, principal: Principal, course: Course) -> bool:
    if principal.can(Capability.AUTHOR_ANY_COURSE):
        return True
    return session.get(CourseStaff, (course.id, principal.user_id)) is not None


def media_is_public(session: Session, principal: Principal | None, *, sha256: str) -> bool:
    """Whether a file may be cached by anyone (True), or is seen by this course staff only (False);
    NotFound for anyone else. A file in the library of a published course, or uploaded for one, is
    public, and so is a file from courses/ (public in the repository); one uploaded for or kept in
    unpublished courses only belongs to their staff, even after it was replaced in the library (in no
    library then, it is still its course's)."""
    media = session.scalars(sa.select(Media).where(Media.sha256 == sha256)).one_or_none()
    if media is None:
        raise NotFound()  # a file on disk that no row names (an upload whose request failed)
    if not media.uploaded:
        return True  # from courses/: public in the repository
    in_library = sa.select(CourseMedia.course_id).where(CourseMedia.media_id == media.id)
    courses = list(
        session.scalars(
            sa.select(Course).where(sa.or_(Course.id.in_(in_library), Course.id == media.uploaded_for_id))
        )
    )
    if any(course.published_at is not None for course in courses):
        return True
    if principal is not None and any(can_edit(session, principal, course) for course in courses):
        return False
    raise NotFound()


def course_for_editing(session: Session, principal: Principal, slug: str) -> Course:
    course = session.scalars(
        sa.select(Course).where(Course.slug == slug).options(selectinload(Course.translations))
    ).one_or_none()
    if course is None:
        raise NotFound()
    if not can_edit(session, principal, course):
        raise NotYourCourse()
    return course


def lesson_for_editing(session: Session, principal: Principal, lesson_id: int) -> tuple[Course, Lesson]:
    lesson = session.scalars(
        sa.select(Lesson).where(Lesson.id == lesson_id).options(selectinload(Lesson.translations))
    ).one_or_none()
    if lesson is None:
        raise NotFound()
    course = session.scalars(
        sa.select(Course).where(Course.id == lesson.course_id).options(selectinload(Course.translations))
    ).one()
    if not can_edit(session, principal, course):
        raise NotYourCourse()
    return course, lesson


def module_for_editing(session: Session, principal: Principal, module_id: int) -> tuple[Course, Module]:
    module = session.scalars(
        sa.select(Module).where(Module.id == module_id).options(selectinload(Module.translations))
    ).one_or_none()
    if module is None:
        raise NotFound()
    course = session.get(Course, module.course_id)
    if course is None or not can_edit(session, principal, course):
        raise NotYourCourse()
    return course, module


def staff_of(session: Session, course: Course) -> list[tuple[CourseStaff, User]]:
    return list(
        session.execute(
            sa.select(CourseStaff, User)
            .join(User, User.id == CourseStaff.user_id)
            .where(CourseStaff.course_id == course.id)
            .order_by(CourseStaff.added_at)
        )
    )


def add_staff(session: Session, course: Course, user: User, role: str = "editor") -> None:
    if session.get(CourseStaff, (course.id, user.id)) is None:
        session.add(CourseStaff(course_id=course.id, user_id=user.id, role=role))
        session.flush()


# Courses and modules -------------------------------------------------------------------------------------


def _check_slug(slug: str) -> str:
    if not SLUG.match(slug) or len(slug) > 80:
        raise BadSlug()
    return slug


def create_course(session: Session, principal: Principal, *, slug: str, title: str, locale: str) -> Course:
    """A new course, hidden until published, with her as its owner."""
    user = accounts_service.user_of(session, principal)
    _check_slug(slug)
    if session.scalar(sa.select(Course.id).where(Course.slug == slug)) is not None:
        raise SlugTaken()
    course = Course(
        slug=slug,
        estimated_hours=1,
        licence="CC BY-SA 4.0",
        authors=[user.display_name],
        topics=[],
        source_language=locale,
        translations=[CourseTranslation(locale=locale, title=title, summary="", audience="")],
    )
    session.add(course)
    session.flush()
    add_staff(session, course, user, role="owner")
    accounts_service.record(session, actor=user, action="course.create", detail=f"course {slug}")
    return course


def set_course_texts(
    session: Session, course: Course, *, locale: str, title: str, summary: str, audience: str
) -> None:
    row = next((row for row in course.translations if row.locale == locale), None)
    if row is None:
        course.translations.append(
            CourseTranslation(locale=locale, title=title, summary=summary, audience=audience)
        )
    else:
        row.title, row.summary, row.audience = title, summary, audience
    course.updated_at = utcnow()
    session.flush()


def modules_of(session: Session, course: Course) -> list[Module]:
    return list(
        session.scalars(
            sa.select(Module)
            .where(Module.course_id == course.id, Module.archived_at.is_(None))
            .options(selectinload(Module.translations))
            .order_by(Module.position)
        )
    )


def lessons_of(session: Session, course: Course) -> list[Lesson]:
    return list(
        session.scalars(
            sa.select(Lesson)
            .where(Lesson.course_id == course.id, Lesson.archived_at.is_(None))
            .options(selectinload(Lesson.translations))
            .order_by(Lesson.position, Lesson.id)
        )
    )


def add_module(session: Session, course: Course, *, slug: str, title: str, locale: str) -> Module:
    _check_slug(slug)
    if (
        session.scalar(sa.select(Module.id).where(Module.course_id == course.id, Module.slug == slug))
        is not None
    ):
        raise SlugTaken()
    position = (
        session.scalar(sa.select(sa.func.max(Module.position)).where(Module.course_id == course.id)) or 0
    ) + 1
    module = Module(
        course_id=course.id,
        slug=slug,
        position=position,
        translations=[ModuleTranslation(locale=locale, title=title, summary="")],
    )
    session.add(module)
    session.flush()
    return module


def set_module_texts(session: Session, module: Module, *, locale: str, title: str, summary: str) -> None:
    row = next((row for row in module.translations if row.locale == locale), None)
    if row is None:
        module.translations.append(ModuleTranslation(locale=locale, title=title, summary=summary))
    else:
        row.title, row.summary = title, summary
    session.flush()


def move(session: Session, item: Module | Lesson, direction: int) -> None:
    """Swap with the neighbour above (-1) or below (+1) in the same course or module."""
    siblings: list[Any]
    if isinstance(item, Module):
        siblings = list(
            session.scalars(
                sa.select(Module)
                .where(Module.course_id == item.course_id)
                .order_by(Module.position, Module.id)
            )
        )
    else:
        siblings = list(
            session.scalars(
                sa.select(Lesson)
                .where(Lesson.module_id == item.module_id, Lesson.archived_at.is_(None))
                .order_by(Lesson.position, Lesson.id)
            )
        )
    index = siblings.index(item)
    other = index + direction
    if 0 <= other < len(siblings):
        neighbour = siblings[other]
        ordered = siblings[:]
        ordered[index], ordered[other] = neighbour, item
        for position, sibling in enumerate(ordered, start=1):  # renumber 1..n: never two the same
            sibling.position = position
        session.flush()


# Lessons and drafts ------------------------------------------------------------------------------------


QUIZ_TEMPLATE: dict[str, Any] = {
    "questions": [
        {
            "key": f"q{number}",
            "kind": "single",
            "options": [{"key": key, "correct": key == "a"} for key in ("a", "b", "c")],
        }
        for number in range(1, 6)
    ]
}
SCENARIO_TEMPLATE: dict[str, Any] = {
    "start": "start",
    "steps": [
        {
            "key": "start",
            "ending": None,
            "choices": [{"key": "one", "next": "good"}, {"key": "two", "next": "poor"}],
        },
        {"key": "good", "ending": "good", "choices": []},
        {"key": "poor", "ending": "poor", "choices": []},
    ],
}


def add_lesson(
    session: Session,
    course: Course,
    module: Module,
    *,
    slug: str,
    kind: str,
    title: str,
    locale: str,
    user: User,
) -> Lesson:
    """A new lesson exists only as a draft until it is published."""
    _check_slug(slug)
    if kind not in KINDS:
        raise BadKind()
    if (
        session.scalar(sa.select(Lesson.id).where(Lesson.course_id == course.id, Lesson.slug == slug))
        is not None
    ):
        raise SlugTaken()
    position = (
        session.scalar(sa.select(sa.func.max(Lesson.position)).where(Lesson.module_id == module.id)) or 0
    ) + 1
    lesson = Lesson(
        course_id=course.id,
        module_id=module.id,
        slug=slug,
        kind=kind,
        position=position,
        estimated_minutes=10,
        required=True,
        structure={},
        translations=[],
    )
    session.add(lesson)
    session.flush()
    structure = {"quiz": QUIZ_TEMPLATE, "scenario": SCENARIO_TEMPLATE}.get(kind, {})
    data = {
        "kind": kind,
        "estimated_minutes": 10,
        "required": True,
        "structure": structure,
        "translations": {
            locale: {"title": title, "summary": "", "body": "", "prompt": "", "texts": {}, "source_hash": ""}
        },
    }
    session.add(
        LessonDraft(
            lesson_id=lesson.id,
            data=data,
            version=1,
            updated_by_id=user.id,
            updated_by_label=user.display_name,
        )
    )
    session.flush()
    return lesson


@dataclass
class Draft:
    data: dict[str, Any]
    version: int  # 0: there is no draft; this is the published lesson
    updated_by: str = ""
    updated_at: dt.datetime | None = None


def published_snapshot(session: Session, lesson: Lesson) -> dict[str, Any]:
    spec = export.lesson_spec(lesson, Path("."))
    hashes = {row.locale: row.source_hash for row in lesson.translations}
    return content.snapshot(spec, hashes)


def draft_of(session: Session, lesson: Lesson) -> Draft:
    draft = session.get(LessonDraft, lesson.id)
    if draft is not None:
        return Draft(draft.data, draft.version, draft.updated_by_label, draft.updated_at)
    return Draft(published_snapshot(session, lesson), 0)


def save_draft(
    session: Session, lesson: Lesson, *, user: User, expected_version: int, data: dict[str, Any]
) -> int:
    """Store the draft if nobody saved it since `expected_version`; the new version, or EditConflict."""
    if expected_version == 0:
        saved = _first_draft(session, lesson, user=user, data=data)
    else:
        saved = _next_draft(session, lesson, user=user, expected_version=expected_version, data=data)
    if saved is None:
        raise _conflict(session, lesson)
    return saved


def _first_draft(session: Session, lesson: Lesson, *, user: User, data: dict[str, Any]) -> int | None:
    """Version 1 of a lesson's draft, or None if someone made a draft of it meanwhile."""
    draft = LessonDraft(
        lesson_id=lesson.id, data=data, version=1, updated_by_id=user.id, updated_by_label=user.display_name
    )
    try:
        with session.begin_nested():
            session.add(draft)
            session.flush()
    except IntegrityError:
        return None
    return 1


def _next_draft(
    session: Session, lesson: Lesson, *, user: User, expected_version: int, data: dict[str, Any]
) -> int | None:
    """The draft's next version, or None if it is no longer at `expected_version`."""
    updated = session.execute(
        sa.update(LessonDraft)
        .where(LessonDraft.lesson_id == lesson.id, LessonDraft.version == expected_version)
        .values(
            data=data,
            version=LessonDraft.version + 1,
            updated_by_id=user.id,
            updated_by_label=user.display_name,
            updated_at=utcnow(),
        )
    )
    if not getattr(updated, "rowcount", 0):
        return None
    session.expire_all()
    return expected_version + 1


def _conflict(session: Session, lesson: Lesson) -> EditConflict:
    """The draft as someone else left it: theirs, to show beside hers."""
    current = session.get(LessonDraft, lesson.id, populate_existing=True)
    if current is None:  # published (and its draft removed) meanwhile
        return EditConflict(published_snapshot(session, lesson), 0, "")
    return EditConflict(current.data, current.version, current.updated_by_label)


def discard_draft(session: Session, lesson: Lesson) -> None:
    session.execute(sa.delete(LessonDraft).where(LessonDraft.lesson_id == lesson.id))


def source_hash_of(data: dict[str, Any], source: str, *, slug: str = "x") -> str:
    return content.source_hash(content.from_snapshot(data, slug=slug, position=1), source)


def translation_state(data: dict[str, Any], source: str) -> dict[str, str]:
    """Per language: "source", "missing", "fallback" (a reading without its text: learners see another
    language), "outdated" (the source changed since) or "current"."""
    current = source_hash_of(data, source)
    has_body = data.get("kind") in ("reading", "reflection")
    return {
        locale: state_of(data.get("translations", {}).get(locale), locale, source, current, has_body)
        for locale in LOCALES
    }


def state_of(row: Any, locale: str, source: str, current: str, has_body: bool) -> str:
    """One translation's state (a draft's dict or a database row); `current` is the source's hash."""

    def get(name: str) -> str:
        value = row.get(name) if isinstance(row, dict) else getattr(row, name, "")
        return str(value or "")

    if locale == source:
        return "source"
    if row is None or not get("title"):
        return "missing"
    if has_body and not get("body" if isinstance(row, dict) else "body_md").strip():
        return "fallback"
    return "outdated" if get("source_hash") != current else "current"


def lesson_states(lessons: list[Lesson], locale: str, source: str) -> dict[int, str]:
    """For the course page: each lesson's translation into `locale`, against its published source
    (whose row keeps the source's current hash)."""
    states = {}
    for lesson in lessons:
        rows = {row.locale: row for row in lesson.translations}
        current = rows[source].source_hash if source in rows else ""
        has_body = lesson.kind in ("reading", "reflection")
        states[lesson.id] = state_of(rows.get(locale), locale, source, current, has_body)
    return states


def glossary_for(session: Session, data: dict[str, Any], source: str) -> list[GlossaryTerm]:
    """The glossary's terms that the lesson's source text uses, for the translator beside her form."""
    spec = content.from_snapshot(data, slug="x", position=1)
    text = loader.lesson_text(spec, source)
    terms = session.scalars(sa.select(GlossaryTerm).order_by(GlossaryTerm.en)).all()
    return [term for term in terms if glossary.words_pattern(getattr(term, source)).search(text)]


def with_texts(data: dict[str, Any], *, locale: str, source: str, fields: dict[str, Any]) -> dict[str, Any]:
    """The draft with one language's texts replaced. Saving a translation marks it as made from the
    source as it stands now; saving the source keeps its own hash current."""
    updated = {**data, "translations": {k: dict(v) for k, v in data.get("translations", {}).items()}}
    row = updated["translations"].setdefault(
        locale, {"title": "", "summary": "", "body": "", "prompt": "", "texts": {}, "source_hash": ""}
    )
    row.update(fields)
    row["source_hash"] = source_hash_of(updated, source)
    return updated


def media_names(data: dict[str, Any]) -> set[str]:
    """The local files (images, PDFs) that the draft's Markdown refers to."""
    names: set[str] = set()
    for row in data.get("translations", {}).values():
        texts = [row.get("body", "")] + list(_strings(row.get("texts", {})))
        for text in texts:
            for token, _line in iter_inline(parse(text or "")):
                target = str(token.attrGet("src" if token.type == "image" else "href") or "")
                if token.type in ("image", "link_open") and loader.is_local_file(target):
                    names.add(target)
    return names


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    return [value] if isinstance(value, str) else []


def attach_media(session: Session, course: Course, data: dict[str, Any]) -> dict[str, Any]:
    """Point the draft's structure at the files its Markdown names: those it already had (from the
    files, say), else the course library's. An unknown name stays out: publishing reports it missing."""
    names = media_names(data)
    structure = dict(data.get("structure", {}))
    known = dict(structure.get("media", {}))
    rows = (
        session.execute(
            sa.select(CourseMedia.name, Media)
            .join(Media, Media.id == CourseMedia.media_id)
            .where(CourseMedia.course_id == course.id, CourseMedia.name.in_(names))
        ).all()
        if names
        else []
    )
    library = {name: {"sha256": m.sha256, "content_type": m.content_type, "size": m.size} for name, m in rows}
    media = {
        name: library.get(name) or known[name] for name in sorted(names) if name in library or name in known
    }
    if media:
        structure["media"] = media
    else:
        structure.pop("media", None)
    return {**data, "structure": structure}


# Checking and publishing ---------------------------------------------------------------------------------


def check(
    session: Session, course: Course, lesson: Lesson, data: dict[str, Any], *, media_dir: Path
) -> tuple[LessonSpec | None, list[str]]:
    """Read the draft back through the course loader, as if it were files; (spec, problems)."""
    media_store.fetch(
        session, media_dir, media_store.files_of(data.get("structure", {}))
    )  # another host's uploads
    spec = content.from_snapshot(data, slug=lesson.slug, position=lesson.position, media_dir=media_dir)
    with tempfile.TemporaryDirectory() as folder:
        module_dir = Path(folder) / "course" / f"01-{lesson.slug}-module"
        module_dir.mkdir(parents=True)
        files = export.write_lesson_files(spec, module_dir)
        report = loader.Report(root=Path(folder) / "course")
        if spec.kind in ("reading", "reflection"):
            by_locale: dict[str, Path] = {
                path.name.split(".")[-2]: path for path in files if path.suffix == ".md"
            }
            checked = loader.load_markdown_lesson(
                spec.position, spec.slug, by_locale, course.source_language, report
            )
        else:
            [path] = [path for path in files if path.suffix == ".yaml"]
            checked = loader.load_structured_lesson(
                spec.position, spec.slug, spec.kind, path, course.source_language, report
            )
        for name in media_names(data):
            if name not in spec.media:
                report.add(
                    module_dir / name,
                    N_("%(file)s is not in this course's media library: upload it first"),
                    file=name,
                )
        texts = [
            text
            for row in data.get("translations", {}).values()
            for text in [row.get("body", "")] + _strings(row.get("texts", {}))
        ]
        for target in broken_links(session, course, texts):
            report.add(module_dir, N_("the link %(target)s leads nowhere in this course"), target=target)
        starts = {path.name.split(".")[-2]: _body_start(path) for path in files if path.suffix == ".md"}
        problems = [_explain(problem, starts) for problem in report.errors]
    return (checked if not problems else None), problems


def _inner_links(text: str) -> Iterator[str]:
    """The links of a Markdown text to a lesson or a module of the course (lesson:slug, module:slug)."""
    for token, _line in iter_inline(parse(text or "")):
        target = str(token.attrGet("href") or "") if token.type == "link_open" else ""
        if target.partition(":")[0] in ("lesson", "module"):
            yield target


def broken_links(session: Session, course: Course, texts: list[str]) -> list[str]:
    """The links of these texts to a lesson or a module the course does not have."""
    targets = [target for text in texts for target in _inner_links(text)]
    if not targets:
        return []
    lessons = set(session.scalars(sa.select(Lesson.slug).where(Lesson.course_id == course.id)))
    modules = set(session.scalars(sa.select(Module.slug).where(Module.course_id == course.id)))
    known = {"lesson": lessons, "module": modules}
    return [target for target in targets if target.partition(":")[2] not in known[target.partition(":")[0]]]


def _body_start(path: Path) -> int:
    """The line of a lesson file that closes its front matter: the body the editor shows starts after it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    closing = [number for number, line in enumerate(lines, start=1) if line.strip() == "---"]
    return closing[1] if len(closing) > 1 else 0


def _explain(problem: loader.Problem, body_starts: Mapping[str, int]) -> str:
    """A checker problem as the trainer reads it, in her language: the language of the text it concerns and
    the line of that text as the editor shows it (not of the file the checker read)."""
    message = problem.translated()
    match = re.search(r"\.(ky|ru|en)\.md$", problem.path)
    if match is None:
        return message
    language, start = i18n.language_name(match.group(1)), body_starts.get(match.group(1), 0)
    if problem.line and problem.line > start:
        return i18n.gettext(N_("%(language)s, line %(line)s of the text: %(problem)s")) % {
            "language": language,
            "line": problem.line - start,
            "problem": message,
        }
    return i18n.gettext(N_("%(language)s: %(problem)s")) % {"language": language, "problem": message}


def publish(
    session: Session,
    course: Course,
    lesson: Lesson,
    *,
    user: User,
    expected_version: int,
    media_dir: Path,
    note: str,
) -> Revision:
    draft = session.get(LessonDraft, lesson.id)
    if draft is None or draft.version != expected_version:
        current = draft_of(session, lesson)
        raise EditConflict(current.data, current.version, current.updated_by)
    spec, problems = check(session, course, lesson, draft.data, media_dir=media_dir)
    if spec is None:
        raise PublishProblems(problems)
    hashes = {
        locale: row.get("source_hash", "") for locale, row in draft.data.get("translations", {}).items()
    }
    hashes[course.source_language] = content.source_hash(spec, course.source_language)
    sync.write_lesson(lesson, spec, course.slug, source_hashes=hashes)
    lesson.content_hash = content.lesson_hash(spec)  # differs from synced_hash: sync will keep this edit
    lesson.published_at = lesson.published_at or utcnow()
    lesson.updated_at = utcnow()
    session.delete(draft)
    session.flush()
    return sync.add_revision(session, lesson, spec, hashes, author=user, note=note or "published")


def history(session: Session, lesson: Lesson) -> list[Revision]:
    return list(
        session.scalars(
            sa.select(Revision).where(Revision.lesson_id == lesson.id).order_by(Revision.number.desc())
        )
    )


def revision(session: Session, lesson: Lesson, number: int) -> Revision:
    found = session.scalars(
        sa.select(Revision).where(Revision.lesson_id == lesson.id, Revision.number == number)
    ).one_or_none()
    if found is None:
        raise NotFound()
    return found


ALL_LANGUAGES = "all"


def restore(session: Session, lesson: Lesson, *, user: User, number: int, language: str) -> int:
    """Make an old revision's texts in `language` the draft's, keeping the other languages' current texts
    and the settings; or (`language` "all") the whole old revision: every language and the settings.
    Publish it to make it live again. Returns the draft version."""
    old = revision(session, lesson, number)
    current = draft_of(session, lesson)
    if language == ALL_LANGUAGES:
        data = old.data
    else:
        old_texts = old.data.get("translations", {}).get(language)
        if language not in LOCALES or not old_texts:
            raise RestoreRefused()
        data = copy.deepcopy(current.data)
        data.setdefault("translations", {})[language] = copy.deepcopy(old_texts)
    return save_draft(session, lesson, user=user, expected_version=current.version, data=data)


def restore_losses(current: dict[str, Any], old: dict[str, Any]) -> list[str]:
    """What restoring every language of `old` would replace in the current draft: the languages whose
    texts differ ("ky", "ru", "en") and "settings" when the settings or the structure do."""
    now, then = current.get("translations", {}), old.get("translations", {})
    lost = [code for code in LOCALES if code in now and now.get(code) != then.get(code)]
    if any(current.get(name) != old.get(name) for name in ("structure", "estimated_minutes", "required")):
        lost.append("settings")
    return lost


# Diffs --------------------------------------------------------------------------------------------------


# The history names each field as the editor labels it; a quiz's or a scenario's texts by their number.
FIELD_LABELS = {
    "title": N_("Title"),
    "summary": N_("Summary"),
    "body": N_("The lesson, in Markdown"),
    "prompt": N_("The question it asks"),
    "text": N_("Quiz or scenario text %(number)s"),
    "estimated_minutes": N_("Minutes it takes"),
    "required": N_("Required to complete the course"),
    "structure": N_("Structure"),
}


@dataclass
class FieldDiff:
    locale: str  # "" for the settings
    field: str  # a key of FIELD_LABELS
    html: str  # the new text with <del> and <ins> around what changed
    number: int = 0  # the text's number, for "text"

    @property
    def label(self) -> str:
        return i18n.gettext(FIELD_LABELS[self.field]) % {"number": self.number}


def _fields(data: dict[str, Any], kind: str) -> dict[tuple[str, str, int], str]:
    """Every field of a snapshot as the trainer reads it: texts as written, "yes" or "no", a quiz's or a
    scenario's structure as the YAML of its Structure field (never a Python value)."""
    flat: dict[tuple[str, str, int], str] = {}
    for locale, row in sorted(data.get("translations", {}).items()):
        for name in ("title", "summary", "body", "prompt"):
            if row.get(name):
                flat[(locale, name, 0)] = row[name]
        for index, text in enumerate(_strings(row.get("texts", {}))):
            flat[(locale, "text", index + 1)] = text
    if "estimated_minutes" in data:
        flat[("", "estimated_minutes", 0)] = str(data["estimated_minutes"])
    if "required" in data:
        flat[("", "required", 0)] = i18n.gettext(N_("yes") if data["required"] else N_("no"))
    if kind in ("quiz", "scenario") and data.get("structure"):
        flat[("", "structure", 0)] = structure_yaml(kind, data["structure"])
    return flat


def diff(old: dict[str, Any] | None, new: dict[str, Any], *, kind: str) -> list[FieldDiff]:
    """What changed between two snapshots of a lesson of this kind, field by field, word by word."""
    before, after = _fields(old or {}, kind), _fields(new, kind)
    changes = []
    for key in sorted(set(before) | set(after)):
        if before.get(key, "") != after.get(key, ""):
            html = word_diff(before.get(key, ""), after.get(key, ""))
            changes.append(FieldDiff(key[0], key[1], html, key[2]))
    return changes


# Media ----------------------------------------------------------------------------------------------------

NAME = re.compile(r"[^a-z0-9.-]+")


def upload(
    session: Session, course: Course, *, filename: str, data: bytes, media_dir: Path, shared: bool = False
) -> CourseMedia:
    """Check the file by its content (not its name), store it under its SHA-256 (and, `shared`, in the
    database for the other hosts: app.courses.media_store), add it to the library."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadTooLarge()
    if not data:
        raise UploadRefused()
    kind = _sniff(data)
    if kind is None:
        raise UploadRefused()
    content_type, extension = kind
    if content_type == "application/pdf":
        cleaning.check_pdf(data)
    else:
        data = cleaning.clean_image(data, content_type)  # no EXIF, no GPS, no comments; a sane size
    stem = NAME.sub("-", Path(filename).stem.lower()).strip("-.")[:60] or "file"
    name = f"{stem}{extension}"
    sha = hashlib.sha256(data).hexdigest()
    media = session.scalars(sa.select(Media).where(Media.sha256 == sha)).one_or_none()
    target = media_dir / f"{sha}{extension}"
    if not target.exists():
        media_dir.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".part")
        try:
            partial.write_bytes(data)
            partial.replace(target)
        except OSError:
            partial.unlink(missing_ok=True)  # a full disk leaves no half-written file behind
            raise
    if shared:
        media_store.keep(session, sha, data)
    if media is None:
        media = Media(
            sha256=sha, content_type=content_type, size=len(data), uploaded=True, uploaded_for_id=course.id
        )
        session.add(media)
    elif media.uploaded and course.published_at is not None:
        media.uploaded_for_id = course.id  # a published course's file stays public once replaced there
        session.flush()
    existing = session.scalars(
        sa.select(CourseMedia).where(CourseMedia.course_id == course.id, CourseMedia.name == name)
    ).one_or_none()
    if existing is not None:
        existing.media_id = media.id  # a new file under a name in use replaces it for future publishes
        session.flush()
        return existing
    row = CourseMedia(course_id=course.id, media_id=media.id, name=name)
    session.add(row)
    session.flush()
    return row


def _sniff(data: bytes) -> tuple[str, str] | None:
    """The type of a file from its first bytes. SVG is refused outright: it can carry scripts."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", ".png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", ".jpg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif", ".gif"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp", ".webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf", ".pdf"
    return None


def library(session: Session, course: Course) -> list[tuple[CourseMedia, Media]]:
    return list(
        session.execute(
            sa.select(CourseMedia, Media)
            .join(Media, Media.id == CourseMedia.media_id)
            .where(CourseMedia.course_id == course.id)
            .order_by(CourseMedia.name)
        )
    )


# The zip round trip ---------------------------------------------------------------------------------------


def course_zip(session: Session, course: Course, *, media_dir: Path) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        root = export.export_course(session, slug=course.slug, target=Path(folder), media_dir=media_dir)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(root.parent).as_posix())
        return buffer.getvalue()


@dataclass
class Overview:
    """The editor's view of a course: modules with their lessons, and which have drafts."""

    course: Course
    modules: list[Module]
    lessons: dict[int, list[Lesson]] = field(default_factory=dict)
    drafts: set[int] = field(default_factory=set)
    states: dict[int, str] = field(default_factory=dict)  # each lesson's translation into the language shown


def overview(session: Session, course: Course, *, locale: str = "") -> Overview:
    modules = modules_of(session, course)
    lessons = lessons_of(session, course)
    by_module: dict[int, list[Lesson]] = {module.id: [] for module in modules}
    for lesson in lessons:
        by_module.setdefault(lesson.module_id, []).append(lesson)
    ids = [lesson.id for lesson in lessons]
    drafts = (
        set(session.scalars(sa.select(LessonDraft.lesson_id).where(LessonDraft.lesson_id.in_(ids))))
        if ids
        else set()
    )
    states = lesson_states(lessons, locale or course.source_language, course.source_language)
    return Overview(course, modules, by_module, drafts, states)


class Titled(str):
    """A title, and the language it is in (`lang`: pages mark it, since it may not be the page's)."""

    lang: str = ""


def title_of(rows: list[Any], locale: str, source: str) -> Titled:
    """The title in `locale`, else in the source language, else in any."""
    by_locale = {row.locale: row for row in rows}
    for candidate in (locale, source, *LOCALES):
        if candidate in by_locale and by_locale[candidate].title:
            titled = Titled(by_locale[candidate].title)
            titled.lang = candidate
            return titled
    return Titled("")


# What the trainer does, one function for each (the routes call these) -------------------------------------


def _language(locale: str, default: str) -> str:
    return locale if locale in LOCALES else default


@dataclass
class CourseEditor:
    """The course's page in the editor, in one language (`lang`)."""

    course: Course
    lang: str
    texts: dict[str, CourseTranslation]
    overview: Overview
    library: list[tuple[CourseMedia, Media]]
    staff: list[tuple[CourseStaff, User]]

    @property
    def source(self) -> CourseTranslation | None:
        return self.texts.get(self.course.source_language)


def course_editor(
    session: Session,
    principal: Principal,
    *,
    slug: str | None = None,
    module_id: int | None = None,
    lang: str = "",
) -> CourseEditor:
    """The course's page in the editor: the course named by `slug`, or the one `module_id` is in."""
    if slug is None:
        slug = module_for_editing(session, principal, module_id or 0)[0].slug
    course = course_for_editing(session, principal, slug)
    lang = _language(lang, course.source_language)
    return CourseEditor(
        course=course,
        lang=lang,
        texts={row.locale: row for row in course.translations},
        overview=overview(session, course, locale=lang),
        library=library(session, course),
        staff=staff_of(session, course),
    )


def save_course_texts(
    session: Session, principal: Principal, *, slug: str, lang: str, title: str, summary: str, audience: str
) -> str:
    """Her course's title and descriptions in one language (the course's own if she names none); that
    language."""
    course = course_for_editing(session, principal, slug)
    locale = _language(lang, course.source_language)
    set_course_texts(session, course, locale=locale, title=title, summary=summary, audience=audience)
    return locale


def save_course_settings(
    session: Session,
    principal: Principal,
    *,
    slug: str,
    hours: float,
    pass_mark: int,
    topics: list[str],
    licence: str,
    authors: list[str],
    open_enrolment: bool,
) -> None:
    course = course_for_editing(session, principal, slug)
    course.estimated_hours, course.pass_mark = hours, pass_mark
    course.topics = [topic for topic in topics if topic in TOPIC_LABELS]
    course.licence = licence or course.licence
    course.authors = authors
    course.open_enrolment = open_enrolment
    session.flush()


def publish_course(session: Session, principal: Principal, *, slug: str, media_dir: Path) -> None:
    """Publish the course if it passes exactly the checks `academy courses check` runs on its files (a
    course without a topic, a lesson with a broken link: refused, with what to fix)."""
    course = course_for_editing(session, principal, slug)
    problems = course_problems(session, course, media_dir=media_dir)
    if problems:
        raise CourseProblems(problems="; ".join(problems))
    course.published_at = course.published_at or utcnow()
    session.flush()


def course_problems(session: Session, course: Course, *, media_dir: Path) -> list[str]:
    """The errors `academy courses check` finds in the course written out as files (paths from the
    course's folder)."""
    with tempfile.TemporaryDirectory() as folder:
        written = export.export_course(session, slug=course.slug, target=Path(folder), media_dir=media_dir)
        _specs, report = loader.load(written)
        return [
            f"{problem.path.replace(str(written), course.slug)}"
            f"{f':{problem.line}' if problem.line else ''}: {problem.translated()}"
            for problem in report.errors
        ]


def add_trainer(session: Session, principal: Principal, *, slug: str, email: str) -> None:
    """Another trainer (or an admin) becomes an editor of the course, recorded in the audit log."""
    course = course_for_editing(session, principal, slug)
    user = accounts_service.get_user_by_email(session, email)
    if user is None or not ({"trainer", "admin"} & user.role_names):
        raise NoSuchTrainer()
    add_staff(session, course, user)
    accounts_service.record(
        session,
        actor=accounts_service.user_of(session, principal),
        action="course.staff_add",
        target=user,
        detail=slug,
    )


def export_zip(session: Session, principal: Principal, *, slug: str, media_dir: Path) -> bytes:
    """The course as files, zipped (each lesson says what it was exported from: syncing them back, edited
    or not, needs no --force; syncing older files still keeps a browser edit)."""
    return course_zip(session, course_for_editing(session, principal, slug), media_dir=media_dir)


def upload_media(
    session: Session,
    principal: Principal,
    *,
    slug: str,
    filename: str,
    data: bytes,
    media_dir: Path,
    shared: bool = False,
) -> CourseMedia:
    course = course_for_editing(session, principal, slug)
    media = upload(session, course, filename=filename, data=data, media_dir=media_dir, shared=shared)
    accounts_service.record(
        session,
        actor=accounts_service.user_of(session, principal),
        action="media.upload",
        detail=f"course {slug}: {media.name} ({len(data)} bytes)",
    )
    return media


def create_module(
    session: Session, principal: Principal, *, slug: str, module_slug: str, title: str
) -> Module:
    course = course_for_editing(session, principal, slug)
    return add_module(session, course, slug=module_slug, title=title, locale=course.source_language)


def save_module_texts(
    session: Session, principal: Principal, *, module_id: int, lang: str, title: str, summary: str
) -> tuple[Course, Module, str]:
    """Her module's title and summary in one language; the course, the module and that language."""
    course, module = module_for_editing(session, principal, module_id)
    locale = _language(lang, course.source_language)
    set_module_texts(session, module, locale=locale, title=title, summary=summary)
    return course, module, locale


def move_module(session: Session, principal: Principal, *, module_id: int, step: int) -> Course:
    course, module = module_for_editing(session, principal, module_id)
    move(session, module, step)
    return course


def create_lesson(
    session: Session, principal: Principal, *, module_id: int, slug: str, kind: str, title: str
) -> Lesson:
    course, module = module_for_editing(session, principal, module_id)
    user = accounts_service.user_of(session, principal)
    return add_lesson(
        session, course, module, slug=slug, kind=kind, title=title, locale=course.source_language, user=user
    )


def move_lesson(session: Session, principal: Principal, *, lesson_id: int, step: int) -> Course:
    course, lesson = lesson_for_editing(session, principal, lesson_id)
    move(session, lesson, step)
    return course


# The lesson editor -----------------------------------------------------------------------------------------


@dataclass
class LessonEditor:
    """Everything the lesson editor shows on one tab: a language, the settings or the history."""

    course: Course
    lesson: Lesson
    draft: Draft  # what the form was opened on (its version goes back with the form)
    data: dict[str, Any]  # the draft as the form shows it: with what she typed, when she is shown it again
    tab: str
    states: dict[str, str] = field(default_factory=dict)
    glossary: list[GlossaryTerm] = field(default_factory=list)
    library: list[tuple[CourseMedia, Media]] = field(default_factory=list)
    revisions: list[Revision] = field(default_factory=list)
    diffs: dict[int, list[FieldDiff]] = field(default_factory=dict)
    losses: dict[int, list[str]] = field(default_factory=dict)  # what restoring all of a revision replaces
    restore_language: str = ""  # the language a restore offers first: the tab she came from
    structure_yaml: str = ""
    preview: str | None = None  # the body as learners will see it
    problems: list[str] = field(default_factory=list)  # why it cannot be published
    conflict: dict[str, Any] | None = None  # someone else's save: {"theirs": their texts, "by": who}

    @property
    def source_language(self) -> str:
        return self.course.source_language

    def translation(self, locale: str) -> dict[str, Any]:
        row: dict[str, Any] = self.data.get("translations", {}).get(locale, {})
        return row


def lesson_editor(
    session: Session,
    principal: Principal,
    *,
    lesson_id: int,
    tab: str = "",
    texts: Mapping[str, str] | None = None,
    version: int | None = None,
    conflict: bool = False,
    preview: bool = False,
    media_dir: Path | None = None,
) -> LessonEditor:
    """The editor on `tab` (the source language's by default). Shown again after a refusal: `texts`, what
    she typed in the tab's language; `version`, the draft's version her form was opened on (else the
    current one); `conflict`, someone saved after she opened it (theirs is the current draft);
    `media_dir`, her draft could not be published (the checker's problems are shown)."""
    course, lesson = lesson_for_editing(session, principal, lesson_id)
    draft = draft_of(session, lesson)
    tab = tab if tab in (TABS if texts is None else LOCALES) else course.source_language
    data = draft.data if texts is None else _with_typed(session, course, lesson, draft.data, tab, texts)
    editor = LessonEditor(
        course=course,
        lesson=lesson,
        draft=draft if version is None else dataclasses.replace(draft, version=version),
        data=data,
        tab=tab,
        states=translation_state(draft.data, course.source_language),  # as saved, not as she typed
        library=library(session, course),
    )
    _tab_contents(session, editor)
    if preview:
        editor.preview = _preview_of(course, data, tab)
    if conflict:
        theirs = draft.data.get("translations", {}).get(tab, {}) if texts is not None else {}
        editor.conflict = {"theirs": theirs, "by": draft.updated_by}
    if media_dir is not None:
        editor.problems = check(session, course, lesson, draft.data, media_dir=media_dir)[1]
    return editor


def _tab_contents(session: Session, editor: LessonEditor) -> None:
    source, data = editor.course.source_language, editor.data
    if editor.tab in LOCALES and editor.tab != source:
        editor.glossary = glossary_for(session, data, source)
    if editor.lesson.kind in ("quiz", "scenario"):
        editor.structure_yaml = structure_yaml(editor.lesson.kind, data.get("structure", {}))
    if editor.tab == "history":
        revisions = history(session, editor.lesson)
        editor.revisions = revisions
        for index, revision in enumerate(revisions):
            older = revisions[index + 1].data if index + 1 < len(revisions) else None
            editor.diffs[revision.number] = diff(older, revision.data, kind=editor.lesson.kind)
            editor.losses[revision.number] = restore_losses(editor.draft.data, revision.data)


def _with_typed(
    session: Session,
    course: Course,
    lesson: Lesson,
    data: dict[str, Any],
    locale: str,
    texts: Mapping[str, str],
    *,
    strict: bool = False,
) -> dict[str, Any]:
    """The draft with one language's texts as she typed them (`strict`: refused if one is too long)."""
    row = draft_texts(lesson.kind, data.get("structure", {}), texts, strict=strict)
    updated = with_texts(data, locale=locale, source=course.source_language, fields=row)
    return attach_media(session, course, updated)


def _preview_of(course: Course, data: dict[str, Any], locale: str) -> str:
    links = content.Links(course.slug, data.get("structure", {}).get("media", {}))
    body = data.get("translations", {}).get(locale, {}).get("body", "")
    return render(body or "", resolve=links)


def preview(
    session: Session, principal: Principal, *, lesson_id: int, tab: str, texts: Mapping[str, str]
) -> str:
    """The body she typed, as learners would see it (nothing is saved)."""
    course, lesson = lesson_for_editing(session, principal, lesson_id)
    locale = _language(tab, course.source_language)
    data = _with_typed(session, course, lesson, draft_of(session, lesson).data, locale, texts)
    return _preview_of(course, data, locale)


def save_lesson_texts(
    session: Session,
    principal: Principal,
    *,
    lesson_id: int,
    tab: str,
    texts: Mapping[str, str],
    expected_version: int,
) -> str:
    """One language of the lesson into its draft, if nobody saved the draft since she opened it; that
    language. Refused: a text too long, a link to a lesson or module the course does not have."""
    course, lesson = lesson_for_editing(session, principal, lesson_id)
    locale = _language(tab, course.source_language)
    draft = draft_of(session, lesson)
    data = _with_typed(session, course, lesson, draft.data, locale, texts, strict=True)
    _check_links(session, course, texts)
    user = accounts_service.user_of(session, principal)
    save_draft(session, lesson, user=user, expected_version=expected_version, data=data)
    return locale


def _check_links(session: Session, course: Course, texts: Mapping[str, str]) -> None:
    """Refused beside its field: a link to a lesson or a module that is not in the course."""
    for name, text in texts.items():
        if name in ("body", "intro") or name.startswith(("q-", "s-")):
            broken = broken_links(session, course, [text])
            if broken:
                raise BrokenLink(field=name, target=broken[0])


def save_lesson_settings(
    session: Session,
    principal: Principal,
    *,
    lesson_id: int,
    expected_version: int,
    minutes: int,
    required: bool,
    structure: str,
) -> None:
    """The lesson's length, whether it is required and (a quiz, a scenario) its structure, into its draft.
    Refused: a structure that does not read (StructureProblems, naming the lines)."""
    _course, lesson = lesson_for_editing(session, principal, lesson_id)
    data = dict(draft_of(session, lesson).data)
    data["estimated_minutes"], data["required"] = minutes, required
    if lesson.kind in ("quiz", "scenario"):
        parsed, problems = parse_structure(lesson.kind, structure, data.get("structure", {}).get("media"))
        if problems or parsed is None:
            raise StructureProblems(problems="; ".join(problems))
        data["structure"] = parsed
    user = accounts_service.user_of(session, principal)
    save_draft(session, lesson, user=user, expected_version=expected_version, data=data)


def publish_lesson(
    session: Session,
    principal: Principal,
    *,
    lesson_id: int,
    expected_version: int,
    note: str,
    media_dir: Path,
) -> Revision:
    course, lesson = lesson_for_editing(session, principal, lesson_id)
    user = accounts_service.user_of(session, principal)
    return publish(
        session, course, lesson, user=user, expected_version=expected_version, media_dir=media_dir, note=note
    )


def discard_lesson_draft(session: Session, principal: Principal, *, lesson_id: int) -> None:
    _course, lesson = lesson_for_editing(session, principal, lesson_id)
    if lesson.published_at is not None:  # a new lesson's draft is all it has
        discard_draft(session, lesson)


def restore_revision(
    session: Session, principal: Principal, *, lesson_id: int, number: int, language: str
) -> int:
    _course, lesson = lesson_for_editing(session, principal, lesson_id)
    user = accounts_service.user_of(session, principal)
    return restore(session, lesson, user=user, number=number, language=language)
