"""Following each adopted item until it is implemented: its tracker (status, who is responsible, target
date, when to review it next), dated updates with evidence, reminders to the coordinators when a review
falls due, and carrying an item that is not implemented into the next forum's draft."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import utcnow
from app.discussions import notifications
from app.i18n import N_
from app.learning.models import CohortMember
from app.permissions import Capability, capabilities_of
from app.resolutions.access import ForumRole, cohorts_of
from app.resolutions.drafting import add_revision, people_behind, resolution_of
from app.resolutions.exceptions import (
    AlreadyAdopted,
    AlreadyImplemented,
    AlreadyInDraft,
    DraftInvalid,
    ItemNotFound,
    NotManager,
)
from app.resolutions.models import (
    ITEM_STATUSES,
    Forum,
    ForumCohort,
    ImplementationUpdate,
    ItemTracker,
    Resolution,
    ResolutionItem,
)
from app.resolutions.words import ITEM_STATUS_LABELS

NOTE_MAX = 2000
RESPONSIBLE_MAX = 200
EVIDENCE_MAX = 5


def tracker_of(session: Session, item: ResolutionItem) -> ItemTracker:
    tracker = session.get(ItemTracker, item.id)
    if tracker is None:
        raise ItemNotFound()
    return tracker


def _link(resolution: Resolution, item: ResolutionItem) -> str:
    """Where the item is shown: its published page (by number), or its forum's (by id)."""
    return (
        f"/resolutions/{resolution.number}#item-{item.position}"
        if resolution.status == "published"
        else f"/forums/{resolution.forum_id}/resolution#item-{item.id}"
    )


def set_tracker(
    session: Session,
    role: ForumRole,
    item: ResolutionItem,
    *,
    responsible: str,
    target_on: dt.date | None,
    review_by: dt.date | None,
) -> None:
    if not role.can_manage:
        raise NotManager()
    tracker = tracker_of(session, item)
    if len(responsible) > RESPONSIBLE_MAX:
        raise DraftInvalid("responsible", N_("At most %(max)s characters."), max=RESPONSIBLE_MAX)
    if review_by != tracker.review_by:
        tracker.reminded_on = None  # a new review date gets its own reminder
    tracker.responsible, tracker.target_on, tracker.review_by = responsible, target_on, review_by
    session.flush()


def add_update(
    session: Session,
    role: ForumRole,
    resolution: Resolution,
    item: ResolutionItem,
    *,
    status: str,
    note: str,
    evidence: list[str],
    happened_on: dt.date,
    locale: str,
) -> ImplementationUpdate:
    """A dated update; its status becomes the item's. When the status changes, the people behind the
    item are told."""
    if not role.can_manage:
        raise NotManager()
    if status not in ITEM_STATUSES:
        raise DraftInvalid("status", N_("Choose a status from the list."))
    if not note.strip() or len(note) > NOTE_MAX:
        raise DraftInvalid("note", N_("Write what happened (at most %(max)s characters)."), max=NOTE_MAX)
    if len(evidence) > EVIDENCE_MAX or any(
        not link.startswith(("https://", "http://")) or len(link) > 500 for link in evidence
    ):
        raise DraftInvalid(
            "evidence", N_("Give up to %(max)s links, each starting with https://."), max=EVIDENCE_MAX
        )
    if happened_on > utcnow().date() + dt.timedelta(days=1):
        raise DraftInvalid("happened_on", N_("The date cannot be in the future."))
    tracker = tracker_of(session, item)
    update = ImplementationUpdate(
        item_id=item.id,
        status=status,
        note=note,
        note_locale=locale,
        evidence=evidence,
        happened_on=happened_on,
        author_id=role.user_id,
    )
    session.add(update)
    changed = tracker.status != status
    tracker.status, tracker.last_verified_at = status, utcnow()
    session.flush()
    if changed:
        facts = notifications.with_params(
            item=item.position, number=resolution.number or "", status=ITEM_STATUS_LABELS[status]
        )
        for user_id in people_behind(session, [item.id]):
            notifications.notify(
                session, user_id=user_id, kind="item_status", link=_link(resolution, item), detail=facts
            )
    return update


def updates_of(session: Session, items: list[ResolutionItem]) -> dict[int, list[ImplementationUpdate]]:
    rows: dict[int, list[ImplementationUpdate]] = {item.id: [] for item in items}
    for update in session.scalars(
        sa.select(ImplementationUpdate)
        .where(ImplementationUpdate.item_id.in_(list(rows)))
        .order_by(ImplementationUpdate.happened_on.desc(), ImplementationUpdate.id.desc())
    ):
        rows[update.item_id].append(update)
    return rows


def trackers_of(session: Session, items: list[ResolutionItem]) -> dict[int, ItemTracker]:
    return {
        tracker.item_id: tracker
        for tracker in session.scalars(
            sa.select(ItemTracker).where(ItemTracker.item_id.in_([i.id for i in items]))
        )
    }


def public_state(session: Session, items: list[ResolutionItem]) -> list[dict[str, Any]]:
    """Each item's monitoring as plain data (for the JSON file)."""
    trackers, updates = trackers_of(session, items), updates_of(session, items)
    state = []
    for item in items:
        tracker = trackers.get(item.id)
        verified = tracker.last_verified_at if tracker else None
        state.append(
            {
                "number": item.position,
                "status": tracker.status if tracker else None,
                "responsible": tracker.responsible if tracker else "",
                "target_on": tracker.target_on.isoformat() if tracker and tracker.target_on else None,
                "last_verified_at": verified.isoformat() if verified else None,
                "updates": [
                    {
                        "on": u.happened_on.isoformat(),
                        "status": u.status,
                        "note": u.note,
                        "evidence": u.evidence,
                    }
                    for u in updates[item.id]
                ],
            }
        )
    return state


# Reminders --------------------------------------------------------------------------------------------------


def managers_of(session: Session, forum: Forum) -> list[int]:
    """Who is reminded: the forum's creator and the coordinators of its cohorts."""
    candidates = set(
        session.scalars(
            sa.select(CohortMember.user_id).where(
                CohortMember.cohort_id.in_(cohorts_of(session, forum.id)), CohortMember.role == "coordinator"
            )
        )
    )
    if forum.created_by_id:
        candidates.add(forum.created_by_id)
    users = session.scalars(sa.select(User).where(User.id.in_(sorted(candidates)), User.is_active.is_(True)))
    return sorted(user.id for user in users if Capability.MANAGE_FORUMS in capabilities_of(user.role_names))


@dataclass(frozen=True)
class Reminded:
    items: int
    people: int


def remind(session: Session, *, today: dt.date) -> Reminded:
    """Tell the coordinators of each item whose review has fallen due (once per review date)."""
    due = session.execute(
        sa.select(ItemTracker, ResolutionItem, Resolution)
        .join(ResolutionItem, ResolutionItem.id == ItemTracker.item_id)
        .join(Resolution, Resolution.id == ResolutionItem.resolution_id)
        .where(
            ItemTracker.review_by.is_not(None),
            ItemTracker.review_by <= today,
            sa.or_(ItemTracker.reminded_on.is_(None), ItemTracker.reminded_on < ItemTracker.review_by),
            ItemTracker.status.not_in(("implemented", "dropped")),
        )
    ).all()
    people: set[int] = set()
    claimed = 0
    for tracker, _item, resolution in due:
        if not _claim(session, tracker, today):
            continue  # another run (on another host, say) reminds of this one
        claimed += 1
        forum = session.get(Forum, resolution.forum_id)
        assert forum is not None
        for user_id in managers_of(session, forum):
            notifications.notify(
                session, user_id=user_id, kind="review_due", link=f"/forums/{forum.id}/monitoring"
            )
            people.add(user_id)
    session.flush()
    return Reminded(claimed, len(people))


def _claim(session: Session, tracker: ItemTracker, today: dt.date) -> bool:
    """This run's claim on reminding of the tracker's review date: a conditional UPDATE, which a second
    run at the same time (on another host) waits for and then finds already done. A database lock, not a
    timetable: every host may run the daily job."""
    result = session.execute(
        sa.update(ItemTracker)
        .where(
            ItemTracker.item_id == tracker.item_id,
            sa.or_(ItemTracker.reminded_on.is_(None), ItemTracker.reminded_on < ItemTracker.review_by),
        )
        .values(reminded_on=today)
        .execution_options(synchronize_session=False)
    )
    session.refresh(tracker)
    return bool(getattr(result, "rowcount", 0))


# Reaffirming ------------------------------------------------------------------------------------------------


def reaffirm(session: Session, role: ForumRole, old_item: ResolutionItem, *, author: User) -> ResolutionItem:
    """Carry an item that is not implemented into this (later) forum's draft, linked to the old one."""
    if not role.can_manage:
        raise NotManager()
    old_resolution = session.get(Resolution, old_item.resolution_id)
    if old_resolution is None or old_resolution.status == "draft" or old_resolution.forum_id == role.forum.id:
        raise ItemNotFound()
    tracker = session.get(ItemTracker, old_item.id)
    if tracker is not None and tracker.status == "implemented":
        raise AlreadyImplemented()
    resolution = resolution_of(session, role.forum)
    if resolution.status != "draft":
        raise AlreadyAdopted()
    if session.scalar(
        sa.select(ResolutionItem.id).where(
            ResolutionItem.resolution_id == resolution.id, ResolutionItem.reaffirms_id == old_item.id
        )
    ):
        raise AlreadyInDraft()
    position = 1 + int(
        session.scalar(
            sa.select(sa.func.max(ResolutionItem.position)).where(
                ResolutionItem.resolution_id == resolution.id
            )
        )
        or 0
    )
    item = ResolutionItem(
        resolution_id=resolution.id,
        position=position,
        text=dict(old_item.text),
        theme=old_item.theme,
        addressee=old_item.addressee,
        reaffirms_id=old_item.id,
    )
    session.add(item)
    session.flush()
    add_revision(
        session,
        resolution,
        note=f"reaffirmed item {old_item.position} of {old_resolution.number}",
        author=author,
    )
    return item


@dataclass(frozen=True)
class Reaffirmation:
    """One end of a reaffirmation: an item and its resolution (the earlier one, or the later one)."""

    resolution: Resolution
    item: ResolutionItem


def reaffirms_of(session: Session, items: list[ResolutionItem]) -> dict[int, Reaffirmation]:
    """item id -> the item of an earlier resolution it reaffirms (the item and its resolution)."""
    earlier = [item.reaffirms_id for item in items if item.reaffirms_id is not None]
    if not earlier:
        return {}
    rows = session.execute(
        sa.select(ResolutionItem, Resolution)
        .join(Resolution, Resolution.id == ResolutionItem.resolution_id)
        .where(ResolutionItem.id.in_(earlier))
    ).all()
    found = {old.id: Reaffirmation(resolution, old) for old, resolution in rows}
    return {
        item.id: found[item.reaffirms_id]
        for item in items
        if item.reaffirms_id is not None and item.reaffirms_id in found
    }


def reaffirmed_by(
    session: Session, items: list[ResolutionItem], *, published_only: bool
) -> dict[int, list[Reaffirmation]]:
    """item id -> the items of later resolutions, adopted (or, `published_only`, published), that reaffirm
    it: what the earlier resolution's page links to ("reaffirmed as item 4 of 2027-1")."""
    ids = [item.id for item in items]
    if not ids:
        return {}
    statuses = ("published",) if published_only else ("adopted", "published")
    rows = session.execute(
        sa.select(ResolutionItem, Resolution)
        .join(Resolution, Resolution.id == ResolutionItem.resolution_id)
        .where(ResolutionItem.reaffirms_id.in_(ids), Resolution.status.in_(statuses))
        .order_by(Resolution.adopted_on, Resolution.id, ResolutionItem.position)
    ).all()
    found: dict[int, list[Reaffirmation]] = {}
    for later, resolution in rows:
        assert later.reaffirms_id is not None
        found.setdefault(later.reaffirms_id, []).append(Reaffirmation(resolution, later))
    return found


def reaffirmable(session: Session, role: ForumRole) -> list[tuple[Resolution, ResolutionItem, ItemTracker]]:
    """Items of earlier adopted resolutions, not implemented, that this forum's draft could carry on
    (from forums that share a cohort with this one, or any, for an admin)."""
    shared = cohorts_of(session, role.forum.id)
    forums = sa.select(ForumCohort.forum_id).where(ForumCohort.cohort_id.in_(shared))
    rows = session.execute(
        sa.select(Resolution, ResolutionItem, ItemTracker)
        .join(ResolutionItem, ResolutionItem.resolution_id == Resolution.id)
        .join(ItemTracker, ItemTracker.item_id == ResolutionItem.id)
        .where(
            Resolution.status != "draft",
            Resolution.forum_id != role.forum.id,
            Resolution.forum_id.in_(forums),
            ItemTracker.status != "implemented",
        )
        .order_by(Resolution.adopted_on.desc(), ResolutionItem.position)
    ).all()
    return [(resolution, item, tracker) for resolution, item, tracker in rows]
