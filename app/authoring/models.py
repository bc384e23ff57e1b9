"""Who may edit which course, the drafts in progress, and each course's media library.

A draft is the whole lesson as JSON (the same shape as a revision, see courses.content.snapshot), one
per lesson, shared by its editors. `version` grows with every save: a save that was made against an
older version is refused instead of silently overwriting someone else's work.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class CourseStaff(Base):
    """A trainer who owns or edits a course (admins may edit any)."""

    __tablename__ = "course_staff"

    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(sa.String(20), default="editor")  # owner, editor
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LessonDraft(Base):
    __tablename__ = "lesson_draft"

    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lesson.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    version: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_by_label: Mapped[str] = mapped_column(sa.String(80), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CourseMedia(Base):
    """A file in a course's library, under the name lessons use for it."""

    __tablename__ = "course_media"
    __table_args__ = (sa.UniqueConstraint("course_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    media_id: Mapped[int] = mapped_column(sa.ForeignKey("media.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(sa.String(120))
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
