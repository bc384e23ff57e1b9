"""Flags and what moderators do: hide or restore a post (the author is told why), lock and pin
threads, and pause a member's posting in a cohort. Every moderator's action goes to the audit log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.accounts.models import User
from app.db import utcnow
from app.discussions import notifications
from app.discussions import service as discussions
from app.discussions.access import Viewer, viewer_for
from app.discussions.exceptions import AlreadyFlagged as AlreadyFlagged
from app.discussions.exceptions import MuteInvalid as MuteInvalid
from app.discussions.exceptions import NotModerator as NotModerator
from app.discussions.exceptions import PostInvalid, PostNotFound
from app.discussions.models import Flag, Mute, Post, Thread
from app.errors import Forbidden
from app.i18n import N_
from app.learning.models import Cohort, CohortMember, Enrolment
from app.principal import Principal

FLAG_THRESHOLD = 3  # open flags from different members that hide a post until a moderator decides
FLAG_REASONS = {
    "safety": N_("It puts someone at risk (a real name, a place, a photo)"),
    "abuse": N_("Harassment, hate or threats"),
    "spam": N_("Spam or advertising"),
    "off_topic": N_("Off topic"),
    "other": N_("Something else"),
}
REASON_MAX = 300
MUTE_DAYS_MAX = 90


def _actor(session: Session, viewer: Viewer) -> User | None:
    return session.get(User, viewer.user_id)


def _audit(session: Session, viewer: Viewer, action: str, target_id: int | None, detail: str) -> None:
    target = session.get(User, target_id) if target_id else None
    accounts_service.record(
        session, actor=_actor(session, viewer), action=action, target=target, detail=detail
    )


def _reason(text: str) -> str:
    if not text:
        raise PostInvalid(N_("Give a reason: the author will read it."), field="reason")
    return text[:REASON_MAX]


# Flags -----------------------------------------------------------------------------------------------------


def flag(
    session: Session, viewer: Viewer, post: Post, thread: Thread, *, reason: str, note: str = ""
) -> bool:
    """Her flag on someone else's post; True when it was the one that hid the post."""
    if not viewer.can_post or post.author_id == viewer.user_id or post.status != "visible":
        raise Forbidden()
    if reason not in FLAG_REASONS:
        raise PostInvalid(N_("Choose a reason from the list."), field="reason")
    if session.get(Flag, (post.id, viewer.user_id)) is not None:
        raise AlreadyFlagged()
    session.add(Flag(post_id=post.id, user_id=viewer.user_id, reason=reason, note=note[:REASON_MAX]))
    session.flush()
    # One statement that counts and decides, so that two flags at once cannot both miss the threshold.
    hides = sa.and_(Post.status == "visible", Post.flag_count + 1 >= FLAG_THRESHOLD)
    count, status = session.execute(
        sa.update(Post)
        .where(Post.id == post.id)
        .values(flag_count=Post.flag_count + 1, status=sa.case((hides, "pending"), else_=Post.status))
        .returning(Post.flag_count, Post.status)
    ).one()
    session.refresh(post)
    if status == "pending" and count == FLAG_THRESHOLD:
        session.execute(
            sa.update(Thread).where(Thread.id == thread.id).values(post_count=Thread.post_count - 1)
        )
        return True
    return False


def _resolve_flags(session: Session, post: Post) -> None:
    session.execute(
        sa.update(Flag)
        .where(Flag.post_id == post.id, Flag.resolved_at.is_(None))
        .values(resolved_at=utcnow())
    )
    post.flag_count = 0


# Decisions on posts ------------------------------------------------------------------------------------


def hide(session: Session, viewer: Viewer, post: Post, thread: Thread, *, reason: str) -> None:
    if not viewer.moderates(thread):
        raise NotModerator()
    if post.status == "removed":
        raise PostNotFound()
    reason = _reason(reason)
    was_visible = post.status == "visible"
    post.status, post.moderated_at, post.moderated_by_id = "hidden", utcnow(), viewer.user_id
    post.moderation_reason = reason
    _resolve_flags(session, post)
    if was_visible:
        session.execute(
            sa.update(Thread).where(Thread.id == thread.id).values(post_count=Thread.post_count - 1)
        )
    if post.author_id and post.author_id != viewer.user_id:
        notifications.notify(
            session,
            user_id=post.author_id,
            kind="hidden",
            thread_id=thread.id,
            post_id=post.id,
            detail=reason,
        )
    _audit(session, viewer, "post.hide", post.author_id, f"post {post.id} in thread {thread.id}: {reason}")
    session.flush()


def restore(session: Session, viewer: Viewer, post: Post, thread: Thread, *, reason: str) -> None:
    """Show a hidden post again, or keep a flagged one (its flags are dismissed)."""
    if not viewer.moderates(thread):
        raise NotModerator()
    if post.status == "removed":
        raise PostNotFound()
    reason = _reason(reason)
    was_hidden = post.status in ("pending", "hidden")
    post.status, post.moderated_at, post.moderated_by_id = "visible", utcnow(), viewer.user_id
    post.moderation_reason = reason
    _resolve_flags(session, post)
    if was_hidden:
        session.execute(
            sa.update(Thread).where(Thread.id == thread.id).values(post_count=Thread.post_count + 1)
        )
        if post.author_id and post.author_id != viewer.user_id:
            notifications.notify(
                session, user_id=post.author_id, kind="restored", thread_id=thread.id, post_id=post.id,
                detail=reason,
            )  # fmt: skip
    action = "post.restore" if was_hidden else "post.keep"
    _audit(session, viewer, action, post.author_id, f"post {post.id} in thread {thread.id}: {reason}")
    session.flush()


# Threads ---------------------------------------------------------------------------------------------------


def set_locked(session: Session, viewer: Viewer, thread: Thread, *, locked: bool) -> None:
    if not viewer.moderates(thread):
        raise NotModerator()
    thread.locked_at = utcnow() if locked else None
    _audit(session, viewer, "thread.lock" if locked else "thread.unlock", None, f"thread {thread.id}")
    session.flush()


def set_pinned(session: Session, viewer: Viewer, thread: Thread, *, pinned: bool) -> None:
    if not viewer.moderates(thread):
        raise NotModerator()
    thread.pinned_at = utcnow() if pinned else None
    _audit(session, viewer, "thread.pin" if pinned else "thread.unpin", None, f"thread {thread.id}")
    session.flush()


# Muting ----------------------------------------------------------------------------------------------------


def cohort_members(session: Session, cohort: Cohort) -> list[User]:
    """Those whose posting a moderator may pause: the cohort's learners (not its staff)."""
    return list(
        session.scalars(
            sa.select(User)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(Enrolment.cohort_id == cohort.id, Enrolment.status == "active")
            .where(~sa.exists().where(CohortMember.cohort_id == cohort.id, CohortMember.user_id == User.id))
            .order_by(User.display_name, User.id)
        )
    )


def mute(session: Session, viewer: Viewer, cohort: Cohort, *, user_id: int, days: int, reason: str) -> Mute:
    if not viewer.moderates_cohort(cohort.id):
        raise NotModerator()
    if user_id not in {member.id for member in cohort_members(session, cohort)}:
        raise MuteInvalid(N_("Choose a learner of this cohort."), field="user")
    if not 1 <= days <= MUTE_DAYS_MAX:
        raise MuteInvalid(N_("Choose between 1 and %(max)s days."), field="days", max=MUTE_DAYS_MAX)
    if not reason:
        raise MuteInvalid(N_("Give a reason: the member will read it."), field="reason")
    reason = _reason(reason)
    until = utcnow() + dt.timedelta(days=days)
    entry = Mute(cohort_id=cohort.id, user_id=user_id, until=until, reason=reason, by_id=viewer.user_id)
    session.add(entry)
    session.flush()
    notifications.notify(session, user_id=user_id, kind="muted", cohort_id=cohort.id, detail=reason)
    _audit(session, viewer, "member.mute", user_id, f"cohort {cohort.id} for {days} days: {reason}")
    return entry


def unmute(session: Session, viewer: Viewer, cohort: Cohort, *, mute_id: int) -> None:
    if not viewer.moderates_cohort(cohort.id):
        raise NotModerator()
    entry = session.get(Mute, mute_id)
    if entry is None or entry.cohort_id != cohort.id or entry.lifted_at is not None:
        raise PostNotFound()
    entry.lifted_at = utcnow()
    _audit(session, viewer, "member.unmute", entry.user_id, f"cohort {cohort.id}")
    session.flush()


@dataclass(frozen=True)
class MuteRow:
    mute: Mute
    name: str


def active_mutes(session: Session, cohort: Cohort) -> list[MuteRow]:
    rows = session.execute(
        sa.select(Mute, User.display_name)
        .join(User, User.id == Mute.user_id)
        .where(Mute.cohort_id == cohort.id, Mute.lifted_at.is_(None), Mute.until > utcnow())
        .order_by(Mute.until)
    ).all()
    return [MuteRow(mute, name) for mute, name in rows]


# The queue -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    post: Post
    thread: Thread
    author: str
    reasons: dict[str, int]  # reason -> how many flagged it so
    notes: list[str]


def queue(session: Session, viewer: Viewer, *, limit: int = 100) -> list[QueueItem]:
    """Posts waiting for a decision in the threads she moderates: hidden by flags first, then flagged."""
    rows = session.execute(
        sa.select(Post, Thread, User.display_name)
        .join(Thread, Thread.id == Post.thread_id)
        .outerjoin(User, User.id == Post.author_id)
        .where(
            viewer.moderated(),
            sa.or_(Post.status == "pending", sa.and_(Post.status == "visible", Post.flag_count > 0)),
        )
        .order_by(Post.status != "pending", Post.flag_count.desc(), Post.id)
        .limit(limit)
    ).all()
    flags = session.execute(
        sa.select(Flag.post_id, Flag.reason, Flag.note).where(
            Flag.post_id.in_([post.id for post, _t, _n in rows]), Flag.resolved_at.is_(None)
        )
    ).all()
    reasons: dict[int, dict[str, int]] = {}
    notes: dict[int, list[str]] = {}
    for post_id, reason, note in flags:
        reasons.setdefault(post_id, {}).setdefault(reason, 0)
        reasons[post_id][reason] += 1
        if note:
            notes.setdefault(post_id, []).append(note)
    return [
        QueueItem(post, thread, name or "", reasons.get(post.id, {}), notes.get(post.id, []))
        for post, thread, name in rows
    ]


def queue_size(session: Session, viewer: Viewer) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count(Post.id))
            .join(Thread, Thread.id == Post.thread_id)
            .where(
                viewer.moderated(),
                sa.or_(Post.status == "pending", sa.and_(Post.status == "visible", Post.flag_count > 0)),
            )
        )
        or 0
    )


# What the moderators' pages do, each a use case of its own -------------------------------------------------


def flag_post(session: Session, *, principal: Principal, post_id: int, reason: str, note: str) -> Post:
    """Her flag on a post she may read (someone else's, still visible)."""
    viewer = viewer_for(session, principal)
    post, thread = discussions.get_post(session, viewer, post_id)
    flag(session, viewer, post, thread, reason=reason, note=note)
    return post


def decide(
    session: Session, *, principal: Principal, post_id: int, hiding: bool, reason: str
) -> tuple[Post, bool]:
    """A moderator hides a post, or shows it (again), with her reason; and whether it was hidden before."""
    viewer = viewer_for(session, principal)
    post, thread = discussions.get_post(session, viewer, post_id)
    was_hidden = post.status in ("pending", "hidden")
    if hiding:
        hide(session, viewer, post, thread, reason=reason)
    else:
        restore(session, viewer, post, thread, reason=reason)
    return post, was_hidden


def lock_thread(session: Session, *, principal: Principal, thread_id: int, locked: bool) -> Thread:
    viewer = viewer_for(session, principal)
    thread = discussions.get_thread(session, viewer, thread_id)
    set_locked(session, viewer, thread, locked=locked)
    return thread


def pin_thread(session: Session, *, principal: Principal, thread_id: int, pinned: bool) -> Thread:
    viewer = viewer_for(session, principal)
    thread = discussions.get_thread(session, viewer, thread_id)
    set_pinned(session, viewer, thread, pinned=pinned)
    return thread


def moderated_cohort(session: Session, *, principal: Principal, cohort_id: int) -> tuple[Cohort, Viewer]:
    """A cohort she moderates (not archived), with her as a viewer; else NotModerator."""
    viewer = viewer_for(session, principal)
    cohort = session.get(Cohort, cohort_id)
    if cohort is None or cohort.archived_at is not None or not viewer.moderates_cohort(cohort_id):
        raise NotModerator()
    return cohort, viewer


def mute_member(
    session: Session, *, principal: Principal, cohort_id: int, user_id: int, days: int, reason: str
) -> Mute:
    cohort, viewer = moderated_cohort(session, principal=principal, cohort_id=cohort_id)
    return mute(session, viewer, cohort, user_id=user_id, days=days, reason=reason)


def lift_mute(session: Session, *, principal: Principal, cohort_id: int, mute_id: int) -> Cohort:
    cohort, viewer = moderated_cohort(session, principal=principal, cohort_id=cohort_id)
    unmute(session, viewer, cohort, mute_id=mute_id)
    return cohort
