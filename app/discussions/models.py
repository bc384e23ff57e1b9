"""Discussions: threads and their posts, flags, who follows what, what each person has read, and
notifications.

A thread belongs to one place: a lesson, a module or a whole course (read by everyone enrolled in the
course), or a cohort (read by its members and staff only). Posts are never deleted by their authors,
only marked removed, so replies keep their context; moderators hide them instead. A post's author may
ask that only staff see her name (`anonymous`); everyone else reads "a participant".
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow

SCOPES = ("lesson", "module", "course", "cohort")
POST_STATES = ("visible", "pending", "hidden", "removed")  # pending: hidden by flags until reviewed


class Thread(Base):
    __tablename__ = "thread"
    __table_args__ = (
        sa.Index("ix_thread_course_id_last_post_at", "course_id", "last_post_at"),
        sa.Index("ix_thread_cohort_id_last_post_at", "cohort_id", "last_post_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(10))  # lesson, module, course, cohort
    # Lesson, module and course threads carry their course; cohort threads carry only their cohort.
    course_id: Mapped[int | None] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"))
    module_id: Mapped[int | None] = mapped_column(sa.ForeignKey("module.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cohort.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(sa.String(200))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    # The discussion a reflection lesson opens: "reflection:<lesson id>", one per lesson.
    system_key: Mapped[str | None] = mapped_column(sa.String(60), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_post_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    post_count: Mapped[int] = mapped_column(default=0)  # visible posts
    locked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    pinned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Post(Base):
    __tablename__ = "post"
    __table_args__ = (sa.Index("ix_post_thread_id_id", "thread_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("thread.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("post.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    anonymous: Mapped[bool] = mapped_column(default=False)  # her name is shown to staff only
    body_md: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)  # rendered and sanitised when written
    status: Mapped[str] = mapped_column(sa.String(10), default="visible", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    flag_count: Mapped[int] = mapped_column(default=0)  # open flags
    moderated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    moderated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    moderation_reason: Mapped[str] = mapped_column(sa.String(300), default="")


class Flag(Base):
    """A member's report that a post should not be there. Three open flags hide it until reviewed."""

    __tablename__ = "flag"

    post_id: Mapped[int] = mapped_column(sa.ForeignKey("post.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    reason: Mapped[str] = mapped_column(sa.String(20))  # see moderation.FLAG_REASONS
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Mute(Base):
    """A member who may not post in a cohort's discussions (and her course's) until a time."""

    __tablename__ = "mute"
    __table_args__ = (sa.Index("ix_mute_cohort_id_user_id", "cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    until: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(sa.String(300))
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lifted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Subscription(Base):
    """She follows the thread: new posts in it reach her notifications (automatic when she posts)."""

    __tablename__ = "subscription"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    thread_id: Mapped[int] = mapped_column(
        sa.ForeignKey("thread.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ThreadRead(Base):
    """How far she has read a thread: the newest post id she has seen. Unread = posts after it."""

    __tablename__ = "thread_read"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    thread_id: Mapped[int] = mapped_column(
        sa.ForeignKey("thread.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    last_post_id: Mapped[int] = mapped_column(default=0)
    read_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Notification(Base):
    """Something for her to look at. New posts in a thread she follows gather into one unread row per
    thread (`count` grows), so a busy thread does not bury everything else."""

    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    # posts, reply, hidden, restored, muted; from resolutions: see notifications.KINDS
    kind: Mapped[str] = mapped_column(sa.String(20))
    thread_id: Mapped[int | None] = mapped_column(sa.ForeignKey("thread.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int | None] = mapped_column(sa.ForeignKey("post.id", ondelete="SET NULL"))
    cohort_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cohort.id", ondelete="CASCADE"))
    count: Mapped[int] = mapped_column(default=1)
    detail: Mapped[str] = mapped_column(sa.String(300), default="")  # a moderator's reason
    link: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")  # where it points
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    emailed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class DigestSetting(Base):
    """How often she wants an email about her notifications (no row: weekly)."""

    __tablename__ = "digest_setting"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    frequency: Mapped[str] = mapped_column(sa.String(10), default="weekly")  # daily, weekly, never
    last_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
