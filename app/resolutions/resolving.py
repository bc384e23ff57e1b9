"""What members and coordinators do with a forum's resolution through the pages, their role in the forum
found first: read it and comment on the draft; edit the draft and see its history, open it for comments,
adopt and publish it; follow the adopted items (trackers, updates) and carry one into a later draft.

Each function takes the signed-in principal and the ids the page sends, and calls the rules in
drafting.py and monitoring.py. Reading the editor writes nothing: the draft is made by the first save
(or comment window, adoption, reaffirmed item) that needs it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.principal import Principal
from app.resolutions import drafting, monitoring
from app.resolutions.access import ForumRole, forum_for, manager_of
from app.resolutions.exceptions import ItemNotFound
from app.resolutions.models import (
    ImplementationUpdate,
    ItemComment,
    ItemTracker,
    Recommendation,
    Resolution,
    ResolutionItem,
    ResolutionRevision,
)


def _item(session: Session, resolution: Resolution, item_id: int) -> ResolutionItem:
    item = session.get(ResolutionItem, item_id)
    if item is None or item.resolution_id != resolution.id:
        raise ItemNotFound()
    return item


# Reading and commenting -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResolutionPage:
    role: ForumRole
    resolution: Resolution | None  # None: none yet, or a draft not open to her
    items: list[ResolutionItem]
    comments: dict[int, list[drafting.CommentRow]]
    comments_open: bool
    trackers: dict[int, ItemTracker]
    missing: list[str]  # what publishing still needs
    reaffirms: dict[int, monitoring.Reaffirmation]  # item id -> the earlier item it reaffirms
    reaffirmed_by: dict[int, list[monitoring.Reaffirmation]]  # item id -> later adopted items


def resolution_page(session: Session, principal: Principal, *, forum_id: int) -> ResolutionPage:
    """The resolution for the forum's members: a draft only while it is open for comments (staff always)."""
    role = forum_for(session, principal, forum_id)
    resolution = drafting.find_resolution(session, forum_id)
    visible = resolution is not None and (
        role.staff or resolution.status != "draft" or drafting.comments_open(resolution)
    )
    items = drafting.items_of(session, resolution) if resolution and visible else []
    return ResolutionPage(
        role=role,
        resolution=resolution if visible else None,
        items=items,
        comments=drafting.comments_of(session, items),
        comments_open=bool(resolution and drafting.comments_open(resolution)),
        trackers=monitoring.trackers_of(session, items),
        missing=drafting.missing_languages(resolution) if resolution else [],
        reaffirms=monitoring.reaffirms_of(session, items),
        reaffirmed_by=monitoring.reaffirmed_by(session, items, published_only=False),
    )


def comment(session: Session, principal: Principal, *, forum_id: int, item_id: int, body: str) -> ItemComment:
    role = forum_for(session, principal, forum_id)
    resolution = drafting.find_resolution(session, forum_id)
    if resolution is None:
        raise ItemNotFound()
    item = _item(session, resolution, item_id)
    return drafting.comment(session, role, resolution, item, body=body)


# The editor -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EditorPage:
    role: ForumRole
    resolution: Resolution  # an empty draft, not in the database, until the first save
    items: list[ResolutionItem]
    links: dict[int, list[int]]  # item id -> the recommendations it comes from
    accepted: list[Recommendation]  # what items can be built from
    reaffirmable: list[tuple[Resolution, ResolutionItem, ItemTracker]]
    missing: list[str]  # what adoption still needs
    comments_open: bool  # adoption waits until the window is closed


def editor_page(session: Session, principal: Principal, *, forum_id: int) -> EditorPage:
    role = manager_of(session, principal, forum_id)
    resolution = drafting.find_resolution(session, forum_id) or drafting.empty_draft(role.forum)
    items = drafting.items_of(session, resolution)
    accepted = session.scalars(
        sa.select(Recommendation)
        .where(Recommendation.forum_id == forum_id, Recommendation.status == "accepted")
        .order_by(Recommendation.endorsement_count.desc(), Recommendation.id)
    )
    return EditorPage(
        role=role,
        resolution=resolution,
        items=items,
        links=drafting.links_of(session, items),
        accepted=list(accepted),
        reaffirmable=monitoring.reaffirmable(session, role) if resolution.status == "draft" else [],
        missing=drafting.missing_languages(resolution, items),
        comments_open=drafting.comments_open(resolution),
    )


def save_draft(
    session: Session,
    principal: Principal,
    *,
    forum_id: int,
    preamble: dict[str, str],
    items: list[drafting.ItemDraft],
    note: str,
    base_revision: int,
) -> ResolutionRevision:
    """The editor's draft saved as a new revision (refused when made on an older one)."""
    role = manager_of(session, principal, forum_id)
    resolution = drafting.resolution_of(session, role.forum)
    author = accounts_service.user_of(session, principal)
    return drafting.save_draft(
        session,
        role,
        resolution,
        preamble=preamble,
        items=items,
        note=note,
        base_revision=base_revision,
        author=author,
    )


@dataclass(frozen=True)
class HistoryPage:
    role: ForumRole
    revisions: list[ResolutionRevision]  # the newest first
    chosen: ResolutionRevision | None
    changes: list[drafting.Change]  # from the revision before the chosen one


def history_page(session: Session, principal: Principal, *, forum_id: int, rev: int | None) -> HistoryPage:
    """The draft's revisions, and what one of them (the newest, unless `rev`) changed, word by word."""
    role = forum_for(session, principal, forum_id, staff=True)
    resolution = drafting.find_resolution(session, forum_id)
    revisions = drafting.revisions(session, resolution) if resolution else []
    by_number = {revision.number: revision for revision in revisions}
    chosen = by_number.get(rev) if rev is not None else (revisions[0] if revisions else None)
    previous = by_number.get(chosen.number - 1) if chosen else None
    changes = drafting.diff(previous.snapshot if previous else None, chosen.snapshot) if chosen else []
    return HistoryPage(role, revisions, chosen, changes)


def set_comment_window(
    session: Session, principal: Principal, *, forum_id: int, until: dt.date | None, zone: dt.tzinfo
) -> None:
    """Members may comment on the draft until the end of the day `until` in the organisation's time zone
    (`zone`): "until 20 December" takes comments until 23:59 in Bishkek (None: closed)."""
    role = manager_of(session, principal, forum_id)
    resolution = drafting.resolution_of(session, role.forum)
    end = drafting.window_end(until, zone) if until else None
    author = accounts_service.user_of(session, principal)
    drafting.set_comment_window(session, role, resolution, until=end, author=author)


def adopt(
    session: Session,
    principal: Principal,
    *,
    forum_id: int,
    adopted_on: dt.date | None,
    outcome: str,
    votes: tuple[int, int, int] | None,
    zone: dt.tzinfo,
) -> None:
    """The draft adopted (on the day the forum was held, unless `adopted_on`): frozen and numbered.
    Refused while it is open for comments, and with a date after today in the organisation's `zone`."""
    role = manager_of(session, principal, forum_id)
    resolution = drafting.resolution_of(session, role.forum)
    drafting.adopt(
        session,
        role,
        resolution,
        adopted_on=adopted_on or role.forum.held_on,
        outcome=outcome,
        votes=votes,
        author=accounts_service.user_of(session, principal),
        zone=zone,
    )


def publish(session: Session, principal: Principal, *, forum_id: int) -> str:
    """The adopted resolution published for everyone. Returns its number."""
    role = manager_of(session, principal, forum_id)
    resolution = drafting.resolution_of(session, role.forum)
    drafting.publish(session, role, resolution, author=accounts_service.user_of(session, principal))
    return resolution.number or ""


# Monitoring -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonitoringPage:
    role: ForumRole
    resolution: Resolution | None
    items: list[ResolutionItem]  # none before adoption
    trackers: dict[int, ItemTracker]
    updates: dict[int, list[ImplementationUpdate]]


def monitoring_page(session: Session, principal: Principal, *, forum_id: int) -> MonitoringPage:
    role = forum_for(session, principal, forum_id, staff=True)
    resolution = drafting.find_resolution(session, forum_id)
    items = drafting.items_of(session, resolution) if resolution and resolution.status != "draft" else []
    return MonitoringPage(
        role=role,
        resolution=resolution,
        items=items,
        trackers=monitoring.trackers_of(session, items),
        updates=monitoring.updates_of(session, items),
    )


def _adopted_item(session: Session, role: ForumRole, item_id: int) -> tuple[Resolution, ResolutionItem]:
    resolution = drafting.find_resolution(session, role.forum.id)
    if resolution is None or resolution.status == "draft":
        raise ItemNotFound()
    return resolution, _item(session, resolution, item_id)


def set_tracker(
    session: Session,
    principal: Principal,
    *,
    forum_id: int,
    item_id: int,
    responsible: str,
    target_on: dt.date | None,
    review_by: dt.date | None,
) -> None:
    role = manager_of(session, principal, forum_id)
    _resolution, item = _adopted_item(session, role, item_id)
    monitoring.set_tracker(
        session, role, item, responsible=responsible, target_on=target_on, review_by=review_by
    )


def add_update(
    session: Session,
    principal: Principal,
    *,
    forum_id: int,
    item_id: int,
    status: str,
    note: str,
    evidence: list[str],
    happened_on: dt.date,
    locale: str,
) -> ImplementationUpdate:
    role = manager_of(session, principal, forum_id)
    resolution, item = _adopted_item(session, role, item_id)
    return monitoring.add_update(
        session,
        role,
        resolution,
        item,
        status=status,
        note=note,
        evidence=evidence,
        happened_on=happened_on,
        locale=locale,
    )


def reaffirm(session: Session, principal: Principal, *, forum_id: int, item_id: int) -> ResolutionItem:
    """An item of an earlier resolution, not implemented, carried into this forum's draft."""
    role = manager_of(session, principal, forum_id)
    old = session.get(ResolutionItem, item_id)
    if old is None or not any(row[1].id == item_id for row in monitoring.reaffirmable(session, role)):
        raise ItemNotFound()
    return monitoring.reaffirm(session, role, old, author=accounts_service.user_of(session, principal))
