"""From discussion to resolution: forums, recommendations and their endorsements, amendments and
history, the forum's resolution with its numbered items, and each item's monitoring.

A recommendation's history is append-only (`RecommendationEvent`: who, when, from, to, why), and so are
its versions. A resolution is drafted in revisions (each a whole snapshot with a changelog line); when it
is adopted its text is frozen in `adopted_text`, with a stable number and a SHA-256 fingerprint of that
text, and only then can it be published.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow

THEMES = ("risk_reduction", "peace_security", "labour_rights", "civic_space", "other")
ADDRESSEES = (
    "government",
    "parliament",
    "local_councils",
    "business",
    "international_partners",
    "civil_society",
)
# suggested: a trainer proposed it from someone's post, and she has not confirmed it yet
STATES = ("suggested", "open", "qualified", "accepted", "needs_work", "declined", "merged")
DECLINE_REASONS = ("duplicate", "out_of_scope", "already_in_resolution", "not_actionable")
ITEM_STATUSES = ("not_started", "in_progress", "partly_done", "implemented", "stalled", "dropped")


class Forum(Base):
    """A forum of the school: the cohorts that take part, and the rules for their recommendations."""

    __tablename__ = "forum"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[dict[str, str]] = mapped_column(sa.JSON)  # locale -> name
    place: Mapped[dict[str, str]] = mapped_column(sa.JSON)  # locale -> place
    held_on: Mapped[dt.date] = mapped_column(sa.Date)
    endorsement_cap: Mapped[int] = mapped_column(default=10)  # per participant
    qualify_endorsements: Mapped[int] = mapped_column(default=5)
    qualify_cohorts: Mapped[int] = mapped_column(default=2)
    accepting: Mapped[bool] = mapped_column(default=True)  # new recommendations and endorsements
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ForumCohort(Base):
    __tablename__ = "forum_cohort"

    forum_id: Mapped[int] = mapped_column(sa.ForeignKey("forum.id", ondelete="CASCADE"), primary_key=True)
    cohort_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Recommendation(Base):
    __tablename__ = "recommendation"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(sa.ForeignKey("forum.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    text: Mapped[str] = mapped_column(sa.Text)
    locale: Mapped[str] = mapped_column(sa.String(5))  # the language she wrote it in
    theme: Mapped[str] = mapped_column(sa.String(20))
    addressee: Mapped[str] = mapped_column(sa.String(30))
    status: Mapped[str] = mapped_column(sa.String(12), index=True)
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    suggested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    credit_public: Mapped[bool] = mapped_column(default=False)  # she agrees to be named on the resolution
    thread_id: Mapped[int | None] = mapped_column(sa.ForeignKey("thread.id", ondelete="SET NULL"))
    lesson_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lesson.id", ondelete="SET NULL"))
    cohort_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cohort.id", ondelete="SET NULL"))
    merged_into_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("recommendation.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(default=1)
    endorsement_count: Mapped[int] = mapped_column(default=0)  # endorsements of the current version
    cohort_count: Mapped[int] = mapped_column(default=0)  # distinct cohorts of those endorsers
    # endorsements given to an earlier version of the text, waiting for re-confirmation (not counted)
    earlier_count: Mapped[int] = mapped_column(default=0, server_default="0")
    review_note: Mapped[str] = mapped_column(sa.String(500), default="")  # the latest public answer
    decline_reason: Mapped[str] = mapped_column(sa.String(30), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RecommendationSource(Base):
    """A post it came from (several after a merge)."""

    __tablename__ = "recommendation_source"

    recommendation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True
    )
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("post.id", ondelete="CASCADE"), primary_key=True)


class RecommendationVersion(Base):
    __tablename__ = "recommendation_version"
    __table_args__ = (sa.UniqueConstraint("recommendation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(sa.ForeignKey("recommendation.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(120))
    text: Mapped[str] = mapped_column(sa.Text)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(sa.String(300), default="")  # e.g. "amendment 4 accepted"
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Endorsement(Base):
    __tablename__ = "endorsement"

    recommendation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    cohort_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cohort.id", ondelete="SET NULL"))
    # the version of the text she endorsed: one of an earlier version waits for her re-confirmation
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RecommendationEvent(Base):
    """One change of a recommendation: append-only."""

    __tablename__ = "recommendation_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(sa.String(20))  # created, confirmed, qualified, reviewed, merged, ...
    from_status: Mapped[str] = mapped_column(sa.String(12), default="")
    to_status: Mapped[str] = mapped_column(sa.String(12), default="")
    note: Mapped[str] = mapped_column(sa.String(500), default="")


class Amendment(Base):
    __tablename__ = "amendment"

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    proposer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(sa.String(120))
    text: Mapped[str] = mapped_column(sa.Text)
    note: Mapped[str] = mapped_column(sa.String(500), default="")  # why
    base_version: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(10), default="open")  # open, accepted, rejected
    decision_note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Resolution(Base):
    """The forum's resolution: a draft (revised), then adopted (frozen), then published."""

    __tablename__ = "resolution"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(sa.ForeignKey("forum.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="draft")  # draft, adopted, published
    preamble: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)  # locale -> text
    revision: Mapped[int] = mapped_column(default=0)  # the newest revision's number
    comments_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    number: Mapped[str | None] = mapped_column(sa.String(20), unique=True)  # given at adoption: "2026-1"
    adopted_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    outcome: Mapped[str] = mapped_column(sa.String(10), default="")  # consensus, vote
    votes_for: Mapped[int | None]
    votes_against: Mapped[int | None]
    votes_abstain: Mapped[int | None]
    adopted_text: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)  # the frozen text
    fingerprint: Mapped[str] = mapped_column(sa.String(64), default="")  # SHA-256 of the frozen text
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ResolutionItem(Base):
    __tablename__ = "resolution_item"
    __table_args__ = (sa.Index("ix_resolution_item_resolution_id_position", "resolution_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resolution_id: Mapped[int] = mapped_column(sa.ForeignKey("resolution.id", ondelete="CASCADE"))
    position: Mapped[int]  # its number in the resolution
    text: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)  # locale -> text
    theme: Mapped[str] = mapped_column(sa.String(20), default="other")
    addressee: Mapped[str] = mapped_column(sa.String(30), default="government")
    reaffirms_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("resolution_item.id", ondelete="SET NULL")
    )  # an item of an earlier resolution, not implemented, carried into this one
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ItemRecommendation(Base):
    __tablename__ = "item_recommendation"

    item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("resolution_item.id", ondelete="CASCADE"), primary_key=True
    )
    recommendation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ResolutionRevision(Base):
    """A saved state of the draft: the whole text, and a line saying what changed."""

    __tablename__ = "resolution_revision"
    __table_args__ = (sa.UniqueConstraint("resolution_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resolution_id: Mapped[int] = mapped_column(sa.ForeignKey("resolution.id", ondelete="CASCADE"))
    number: Mapped[int]
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    note: Mapped[str] = mapped_column(sa.String(300))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    author_label: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ItemComment(Base):
    __tablename__ = "item_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("resolution_item.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ItemTracker(Base):
    """Where an adopted item's implementation stands."""

    __tablename__ = "item_tracker"

    item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("resolution_item.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(sa.String(12), default="not_started")
    responsible: Mapped[str] = mapped_column(sa.String(200), default="")
    target_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    review_by: Mapped[dt.date | None] = mapped_column(sa.Date)
    reminded_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    last_verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class ImplementationUpdate(Base):
    __tablename__ = "implementation_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("resolution_item.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(sa.String(12))
    note: Mapped[str] = mapped_column(sa.Text)
    note_locale: Mapped[str] = mapped_column(sa.String(5))
    evidence: Mapped[list[str]] = mapped_column(sa.JSON, default=list)  # links
    happened_on: Mapped[dt.date] = mapped_column(sa.Date)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ForumEndorser(Base):
    """The cohort a participant's endorsements in a forum count for, when she learns in several of its
    cohorts: asked at her first endorsement, changeable; one person is one cohort of "from N cohorts"."""

    __tablename__ = "forum_endorser"

    forum_id: Mapped[int] = mapped_column(sa.ForeignKey("forum.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id", ondelete="CASCADE"))
    chosen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
