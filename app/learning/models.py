"""What learners do: join cohorts, enrol in courses, make progress, earn certificates.

Progress has two shapes (as in Kolibri's logger): `ProgressEvent` is append-only, one row per thing a
learner did, each with the client's own event id so that a resent event (a double click, a retry, an
offline phone syncing later) is stored once; `LessonProgress` is one row per learner and lesson, kept up
to date in the same transaction, so that pages and reports read one small row instead of every event.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow


class Cohort(Base):
    """A group taking one course together, from a start date to an end date."""

    __tablename__ = "cohort"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    starts_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    ends_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    enrolment_code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    # At most this many active learners (None: no limit). Joining by the code, by an invitation or by a
    # roster stops there; the row is locked while the places are counted (service.make_room).
    max_learners: Mapped[int | None] = mapped_column(sa.Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class CohortMember(Base):
    """Staff of a cohort (trainers, coordinators). Learners belong through their enrolment."""

    __tablename__ = "cohort_member"

    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(sa.String(20))  # trainer, coordinator
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Invite(Base):
    """A link that lets people join a cohort: it expires, and may be used a limited number of times."""

    __tablename__ = "invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    max_uses: Mapped[int] = mapped_column(default=1)
    uses: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Enrolment(Base):
    """A learner in a course: alone (cohort_id is None) or with a cohort. One per learner and course."""

    __tablename__ = "enrolment"
    __table_args__ = (sa.UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cohort.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default="active")  # active, withdrawn
    enrolled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    cohort: Mapped[Cohort | None] = relationship(lazy="raise")


class ProgressEvent(Base):
    """One thing a learner did, as the client reported it. Append-only."""

    __tablename__ = "progress_event"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "client_event_id"),
        sa.Index("ix_progress_event_course_user", "course_id", "user_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lesson.id", ondelete="CASCADE"))
    client_event_id: Mapped[str] = mapped_column(sa.String(64))
    type: Mapped[str] = mapped_column(sa.String(30))  # viewed, completed, quiz_submitted
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # when it happened (client clock)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)  # quiz answers and score


class LessonProgress(Base):
    """Where a learner stands in one lesson, kept up to date with every event."""

    __tablename__ = "lesson_progress"
    __table_args__ = (sa.Index("ix_lesson_progress_course_user", "course_id", "user_id"),)

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lesson.id", ondelete="CASCADE"), primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(sa.String(20), default="in_progress")  # in_progress, completed
    first_viewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0)  # quiz submissions
    failed_attempts: Mapped[int] = mapped_column(default=0)
    best_score: Mapped[int | None]  # per cent
    last_activity_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReflectionNote(Base):
    """A learner's private answer to a reflection prompt (she may also post it to the discussion)."""

    __tablename__ = "reflection_note"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lesson.id", ondelete="CASCADE"), primary_key=True)
    text: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Certificate(Base):
    """Proof of completion. The code is unguessable; /verify/{code} shows only what it states."""

    __tablename__ = "certificate"
    __table_args__ = (sa.UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(sa.String(120))  # the name she chose to print
    course_title: Mapped[str] = mapped_column(sa.String(300))  # as it was at issue, in her language
    hours: Mapped[float] = mapped_column(sa.Float)
    locale: Mapped[str] = mapped_column(sa.String(5))
    issued_on: Mapped[dt.date] = mapped_column(sa.Date)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str] = mapped_column(sa.String(300), default="")


class RosterCheck(Base):
    """A roster file as its dry run read it, kept on the server for the import that confirms it (never
    sent back through the page, where a browser changes its line ends). Hers and the cohort's only; gone
    after an hour or at the import."""

    __tablename__ = "roster_check"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(sa.Text)
    encoding: Mapped[str] = mapped_column(sa.String(10), default="")
    delimiter: Mapped[str] = mapped_column(sa.String(2), default="")
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
