"""Courses as the database keeps them: the working copy of what lives as files under courses/.

Every course, module and lesson is keyed by its slug, so syncing edited files updates rows in place and
learners' progress (which points at lesson ids) is never lost. A lesson that disappears from the files is
archived, not deleted. Texts live in one translation row per locale; the rendered HTML of every Markdown
text is cached there at sync, so a lesson page never renders Markdown.

Quizzes and scenarios keep their language-independent structure (question keys, correct options, the
scenario's steps and where each choice leads) as JSON on the lesson, and their texts as JSON on each
translation. They are always read and written whole, and a revision of a lesson is one snapshot.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow


class Course(Base):
    __tablename__ = "course"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    estimated_hours: Mapped[float] = mapped_column(sa.Float)
    pass_mark: Mapped[int] = mapped_column(default=70)  # per cent, for each required quiz
    licence: Mapped[str] = mapped_column(sa.String(120))
    authors: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    topics: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    source_language: Mapped[str] = mapped_column(sa.String(5), default="en")
    open_enrolment: Mapped[bool] = mapped_column(default=True)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # None: only its authors see it
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    content_hash: Mapped[str] = mapped_column(sa.String(64), default="")

    translations: Mapped[list[CourseTranslation]] = relationship(
        back_populates="course", cascade="all, delete-orphan", lazy="raise"
    )
    modules: Mapped[list[Module]] = relationship(
        back_populates="course", cascade="all, delete-orphan", lazy="raise", order_by="Module.position"
    )


class CourseTranslation(Base):
    __tablename__ = "course_translation"

    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), primary_key=True)
    locale: Mapped[str] = mapped_column(sa.String(5), primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    summary: Mapped[str] = mapped_column(sa.Text)
    audience: Mapped[str] = mapped_column(sa.Text, default="")

    course: Mapped[Course] = relationship(back_populates="translations", lazy="raise")


class Module(Base):
    __tablename__ = "module"
    __table_args__ = (sa.UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(80))
    position: Mapped[int]
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    content_hash: Mapped[str] = mapped_column(sa.String(64), default="")

    course: Mapped[Course] = relationship(back_populates="modules", lazy="raise")
    translations: Mapped[list[ModuleTranslation]] = relationship(
        back_populates="module", cascade="all, delete-orphan", lazy="raise"
    )
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", lazy="raise", order_by="Lesson.position"
    )


class ModuleTranslation(Base):
    __tablename__ = "module_translation"

    module_id: Mapped[int] = mapped_column(sa.ForeignKey("module.id", ondelete="CASCADE"), primary_key=True)
    locale: Mapped[str] = mapped_column(sa.String(5), primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    summary: Mapped[str] = mapped_column(sa.Text)

    module: Mapped[Module] = relationship(back_populates="translations", lazy="raise")


class Lesson(Base):
    __tablename__ = "lesson"
    __table_args__ = (sa.UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("module.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(80))  # stable: progress finds its lesson by it
    kind: Mapped[str] = mapped_column(sa.String(20))  # reading, reflection, quiz, scenario
    position: Mapped[int]
    estimated_minutes: Mapped[int]
    required: Mapped[bool] = mapped_column(default=True)
    # Quiz: {"questions": [{"key", "kind", "options": [{"key", "correct"}]}]}
    # Scenario: {"start", "steps": [{"key", "ending", "choices": [{"key", "next"}]}]}
    # Any kind: {"media": {file name: {"sha256", "content_type", "size"}}}
    structure: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # None: a new lesson, draft only
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    content_hash: Mapped[str] = mapped_column(sa.String(64), default="")  # of what it holds now
    synced_hash: Mapped[str] = mapped_column(sa.String(64), default="")  # of what the files held at sync

    module: Mapped[Module] = relationship(back_populates="lessons", lazy="raise")
    translations: Mapped[list[LessonTranslation]] = relationship(
        back_populates="lesson", cascade="all, delete-orphan", lazy="raise"
    )


class LessonTranslation(Base):
    __tablename__ = "lesson_translation"

    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lesson.id", ondelete="CASCADE"), primary_key=True)
    locale: Mapped[str] = mapped_column(sa.String(5), primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    summary: Mapped[str] = mapped_column(sa.Text)
    body_md: Mapped[str] = mapped_column(sa.Text, default="")  # "" = not translated: show the fallback
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    prompt: Mapped[str] = mapped_column(sa.Text, default="")  # reflection
    # Quiz: {"intro", "questions": {key: {"prompt", "explanation", "options": {key: {"text", "feedback"}}}}}
    # Scenario: {"steps": {key: {"text", "choices": {key: label}}}}
    texts: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    texts_html: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)  # the same, rendered
    # The source language's content hash when this translation was last written: when the source
    # changes after that, the translation is out of date.
    source_hash: Mapped[str] = mapped_column(sa.String(64), default="")

    lesson: Mapped[Lesson] = relationship(back_populates="translations", lazy="raise")


class Media(Base):
    """An image or PDF used by lessons, stored in <data dir>/media under its SHA-256.

    `uploaded` marks a file that came through the browser (a file from courses/ is public in the
    repository already), and `uploaded_for_id` the course it came for: a file replaced in an unpublished
    course's library stays its staff's (app.authoring.service.media_is_public)."""

    __tablename__ = "media"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(60))
    size: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # No foreign key: a deleted course's uploads stay unreachable instead of becoming public.
    uploaded_for_id: Mapped[int | None] = mapped_column(nullable=True)


class MediaBlob(Base):
    """A media file's bytes, kept in the database when ACADEMY_MEDIA_STORE=database (several hosts): a
    host that lacks the file in its data_dir/media writes it there from here (app.courses.media_store)."""

    __tablename__ = "media_blob"

    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)


class Revision(Base):
    """A published state of a lesson: every publish from the browser and every sync that changed it.

    Revisions live with courses rather than with authoring because sync writes them too. `data` is the
    whole lesson (see content.snapshot), so any revision can be shown, compared and restored alone.
    """

    __tablename__ = "revision"
    __table_args__ = (sa.UniqueConstraint("lesson_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    author_label: Mapped[str] = mapped_column(sa.String(80))  # the display name then, or "files"
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


def live(model: type[Course] | type[Lesson] | type[Module]) -> sa.ColumnElement[bool]:
    """What learners may see: published (modules have no drafts of their own) and not archived."""
    if model is Module:
        return Module.archived_at.is_(None)
    return sa.and_(model.published_at.is_not(None), model.archived_at.is_(None))  # type: ignore[union-attr]


class GlossaryTerm(Base):
    """A term of the one glossary of all courses (courses/glossary.yaml), loaded by `courses sync`, so that
    the lesson editor can show translators the words a lesson needs."""

    __tablename__ = "glossary_term"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    en: Mapped[str] = mapped_column(sa.String(120))
    ru: Mapped[str] = mapped_column(sa.String(120))
    ky: Mapped[str] = mapped_column(sa.String(120))
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    avoid: Mapped[dict[str, list[str]]] = mapped_column(sa.JSON, default=dict)
