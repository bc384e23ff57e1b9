"""Notifications in the app, and the email digest.

New posts in a thread she follows gather into one unread notification per thread, whose count grows;
a reply to her own post, and a moderator's decision about it, are notifications of their own. The
menu shows how many are unread from a counter on her account (`User.unread_notifications`), which
every change here recounts in the same statement, so it never drifts.

The digest is an email, daily, weekly (the default) or never, listing her unread notifications that
no earlier digest has listed. It says where something happened and links there; it never quotes what
anyone wrote (see docs/discussions.md: an email leaves the platform's access rules behind).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import dialect_insert, utcnow
from app.discussions.models import DigestSetting, Notification, Subscription, Thread
from app.i18n import N_, gettext

FREQUENCIES = {"daily": N_("Daily"), "weekly": N_("Weekly"), "never": N_("Never")}
DEFAULT_FREQUENCY = "weekly"
# A digest is due this long after the last one (a little under a day or a week, so that a daily job
# that runs a few minutes early or late still sends one a day).
PERIODS = {"daily": dt.timedelta(hours=20), "weekly": dt.timedelta(days=6, hours=20)}
KINDS = ("posts", "reply", "hidden", "restored", "muted")
# Kinds that point elsewhere with `link` (sent by the resolutions domain): a trainer suggested her post
# as a recommendation; someone proposed an amendment to hers; hers was reviewed; one she supported was
# merged (confirm your endorsement there); the text of one she endorsed changed (confirm it again); an
# item from one she supported was adopted, or its status changed; an item is due for review (to its
# forum's coordinators).
LINK_TEXTS = {
    "suggested": N_("A trainer suggests your post as a recommendation. Confirm it, or say no."),
    "amendment": N_("Someone proposed an amendment to your recommendation."),
    "reviewed": N_("Your recommendation has an answer from a trainer."),
    "endorse_merged": N_(
        "A recommendation you supported was merged into another. Endorse that one if you agree."
    ),
    "text_changed": N_(
        "A recommendation you endorsed has a new text. See what changed, and confirm your endorsement if you"
        " still agree."
    ),
    "item_adopted": N_("A resolution item built from a recommendation you supported was adopted."),
    "item_status": N_("The implementation of a resolution item you supported has a new status."),
    "review_due": N_("An item of your forum's resolution is due for review."),
}
# What happened, said exactly, where the notification keeps its facts (`with_params`, in `detail`): the
# sentence is put together when she reads it, in her language. In the app it names her recommendation; an
# email names only the resolution's number and the item's (published facts), never a title she or anyone
# else wrote (docs/resolutions.md).
ADOPTED_MINE = N_("Your recommendation “%(title)s” was adopted as item %(item)s of resolution %(number)s.")
ADOPTED_ENDORSED = N_(
    "A recommendation you endorsed, “%(title)s”, was adopted as item %(item)s of resolution %(number)s."
)
ADOPTED_MINE_EMAIL = N_("Your recommendation was adopted as item %(item)s of resolution %(number)s.")
ADOPTED_ENDORSED_EMAIL = N_(
    "A recommendation you endorsed was adopted as item %(item)s of resolution %(number)s."
)
STATUS_CHANGED = N_("The status of item %(item)s of resolution %(number)s changed to “%(status)s”.")
TITLE_KEPT = 120  # characters of a title a notification keeps (`detail` holds 300)


def with_params(**params: str | int | bool) -> str:
    """What a notification keeps of what happened (a title, numbers, a status's label as its msgid), as
    JSON for its `detail`; `describe` makes the sentence from it when it is shown."""
    if isinstance(params.get("title"), str):
        params["title"] = str(params["title"])[:TITLE_KEPT]
    return json.dumps(params, ensure_ascii=False, separators=(",", ":"))


def _params(notification: Notification) -> dict[str, str | int | bool]:
    if notification.kind not in LINK_TEXTS or not notification.detail.startswith("{"):
        return {}
    try:
        params = json.loads(notification.detail)
    except ValueError:
        return {}
    return params if isinstance(params, dict) else {}


def describe(notification: Notification, *, in_email: bool = False) -> str:
    """A notification sent with a link (LINK_TEXTS), in the current language: what happened, from the
    facts it keeps, or (kept without them) the general sentence of its kind."""
    params = _params(notification)
    if notification.kind == "item_adopted" and {"item", "number", "title"} <= params.keys():
        if in_email:
            message = ADOPTED_MINE_EMAIL if params.get("mine") else ADOPTED_ENDORSED_EMAIL
        else:
            message = ADOPTED_MINE if params.get("mine") else ADOPTED_ENDORSED
        return gettext(message) % {
            "title": params["title"],
            "item": params["item"],
            "number": params["number"],
        }
    if notification.kind == "item_status" and {"item", "number", "status"} <= params.keys():
        status = gettext(str(params["status"]))
        return gettext(STATUS_CHANGED) % {
            "item": params["item"],
            "number": params["number"],
            "status": status,
        }
    return gettext(LINK_TEXTS.get(notification.kind, ""))


def has_reason(notification: Notification) -> bool:
    """Whether `detail` is a moderator's reason (to show as one), rather than the facts of a link."""
    return bool(notification.detail) and notification.kind not in LINK_TEXTS


def _recount(session: Session, user_ids: sa.ColumnElement[bool]) -> None:
    unread = (
        sa.select(sa.func.count(Notification.id))
        .where(Notification.user_id == User.id, Notification.read_at.is_(None))
        .scalar_subquery()
    )
    session.execute(sa.update(User).where(user_ids).values(unread_notifications=unread))


def notify(
    session: Session,
    *,
    user_id: int,
    kind: str,
    thread_id: int | None = None,
    post_id: int | None = None,
    cohort_id: int | None = None,
    detail: str = "",
    link: str = "",
) -> None:
    """One notification for one person; replies in one thread gather into one unread row, and so do
    unread notifications of one kind that point to the same place (`link`)."""
    now = utcnow()
    gathered = 0
    if (kind == "reply" and thread_id is not None) or link:
        same_place = Notification.link == link if link else Notification.thread_id == thread_id
        result = session.execute(
            sa.update(Notification)
            .where(
                Notification.user_id == user_id, Notification.kind == kind, same_place,
                Notification.read_at.is_(None),
            )
            .values(
                count=Notification.count + 1, created_at=now, post_id=post_id, emailed_at=None,
                **({"detail": detail[:300]} if detail else {}),  # the latest facts (a status changed again)
            )
        )  # fmt: skip
        gathered = int(getattr(result, "rowcount", 0) or 0)
    if not gathered:
        session.add(
            Notification(
                user_id=user_id, kind=kind, thread_id=thread_id, post_id=post_id, cohort_id=cohort_id,
                detail=detail[:300], link=link[:300], created_at=now,
            )
        )  # fmt: skip
        session.flush()
    _recount(session, User.id == user_id)


def notify_followers(session: Session, *, thread_id: int, post_id: int, exclude: Iterable[int]) -> None:
    """A new post: every follower but `exclude` gets (or sees grow) her notification for the thread.
    Three statements, whatever the number of followers."""
    now = utcnow()
    skipped = sorted(set(exclude))
    followers = sa.select(Subscription.user_id).where(
        Subscription.thread_id == thread_id, Subscription.user_id.not_in(skipped)
    )
    open_row = sa.and_(
        Notification.kind == "posts", Notification.thread_id == thread_id, Notification.read_at.is_(None)
    )
    session.execute(
        sa.update(Notification)
        .where(open_row, Notification.user_id.in_(followers))
        .values(count=Notification.count + 1, created_at=now, post_id=post_id, emailed_at=None)
    )
    waiting = sa.exists().where(open_row, Notification.user_id == Subscription.user_id)
    session.execute(
        sa.insert(Notification).from_select(
            ["user_id", "kind", "thread_id", "post_id", "count", "detail", "created_at"],
            sa.select(
                Subscription.user_id, sa.literal("posts"), sa.literal(thread_id), sa.literal(post_id),
                sa.literal(1), sa.literal(""), sa.literal(now, type_=Notification.created_at.type),
            ).where(Subscription.thread_id == thread_id, Subscription.user_id.not_in(skipped), ~waiting),
        )
    )  # fmt: skip
    _recount(session, User.id.in_(followers))


def mark_thread_read(session: Session, *, user_id: int, thread_id: int) -> None:
    result = session.execute(
        sa.update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.thread_id == thread_id,
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow())
    )
    if getattr(result, "rowcount", 0):
        _recount(session, User.id == user_id)


def mark_all_read(session: Session, *, user_id: int) -> None:
    session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    _recount(session, User.id == user_id)


def recent(session: Session, *, user_id: int, limit: int = 50) -> list[tuple[Notification, Thread | None]]:
    """Her notifications, unread first, then the newest."""
    return [
        (notification, thread)
        for notification, thread in session.execute(
            sa.select(Notification, Thread)
            .outerjoin(Thread, Thread.id == Notification.thread_id)
            .where(Notification.user_id == user_id)
            .order_by(
                Notification.read_at.is_not(None), Notification.created_at.desc(), Notification.id.desc()
            )
            .limit(limit)
        )
    ]


def frequency_of(session: Session, *, user_id: int) -> str:
    setting = session.get(DigestSetting, user_id)
    return setting.frequency if setting else DEFAULT_FREQUENCY


def set_frequency(session: Session, *, user_id: int, frequency: str) -> None:
    if frequency not in FREQUENCIES:
        raise ValueError(frequency)
    insert = dialect_insert(session)
    statement = insert(DigestSetting.__table__).values(user_id=user_id, frequency=frequency)
    session.execute(
        statement.on_conflict_do_update(index_elements=["user_id"], set_={"frequency": frequency})
    )


# The digest ------------------------------------------------------------------------------------------------


def due_users(session: Session, *, now: dt.datetime) -> list[int]:
    """Who has unread notifications that no digest has listed, and a digest due."""
    setting = DigestSetting
    frequency = sa.func.coalesce(setting.frequency, DEFAULT_FREQUENCY)
    due = sa.or_(
        setting.last_sent_at.is_(None),
        sa.and_(frequency == "daily", setting.last_sent_at <= now - PERIODS["daily"]),
        sa.and_(frequency == "weekly", setting.last_sent_at <= now - PERIODS["weekly"]),
    )
    pending = (
        sa.select(Notification.user_id)
        .where(Notification.read_at.is_(None), Notification.emailed_at.is_(None))
        .distinct()
        .subquery()
    )
    return list(
        session.scalars(
            sa.select(pending.c.user_id)
            .join(User, User.id == pending.c.user_id)
            .outerjoin(setting, setting.user_id == pending.c.user_id)
            .where(User.is_active.is_(True), frequency != "never", due)
            .order_by(pending.c.user_id)
        )
    )


def claim(session: Session, *, user_id: int, now: dt.datetime) -> bool:
    """Take her digest for this run: True once per period, even with several runs at the same time."""
    setting = DigestSetting.__table__
    frequency = sa.func.coalesce(setting.c.frequency, DEFAULT_FREQUENCY)
    insert = dialect_insert(session)
    statement = (
        insert(setting)
        .values(user_id=user_id, frequency=DEFAULT_FREQUENCY, last_sent_at=now)
        .on_conflict_do_update(
            index_elements=[setting.c.user_id],
            set_={"last_sent_at": now},
            where=sa.and_(
                frequency != "never",
                sa.or_(
                    setting.c.last_sent_at.is_(None),
                    sa.and_(frequency == "daily", setting.c.last_sent_at <= now - PERIODS["daily"]),
                    sa.and_(frequency == "weekly", setting.c.last_sent_at <= now - PERIODS["weekly"]),
                ),
            ),
        )
        .returning(setting.c.user_id)
    )
    return session.execute(statement).scalar_one_or_none() is not None


@dataclass(frozen=True)
class DigestItem:
    kind: str
    count: int
    thread_id: int | None
    place: str  # where, in words (course, module or lesson titles; never what anyone wrote)


def pending_for_digest(session: Session, *, user_id: int) -> list[tuple[Notification, Thread | None]]:
    return [
        (notification, thread)
        for notification, thread in session.execute(
            sa.select(Notification, Thread)
            .outerjoin(Thread, Thread.id == Notification.thread_id)
            .where(
                Notification.user_id == user_id,
                Notification.read_at.is_(None),
                Notification.emailed_at.is_(None),
            )
            .order_by(Notification.created_at)
        )
    ]


def mark_emailed(session: Session, ids: list[int], *, now: dt.datetime) -> None:
    if ids:
        session.execute(sa.update(Notification).where(Notification.id.in_(ids)).values(emailed_at=now))


def mark_link_read(session: Session, *, user_id: int, link: str) -> bool:
    """She opened the page a notification points to; True when that changed anything."""
    result = session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user_id, Notification.link == link, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    if not getattr(result, "rowcount", 0):
        return False
    _recount(session, User.id == user_id)
    return True
