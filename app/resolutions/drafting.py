"""A forum's resolution: drafted in revisions, commented on, adopted (frozen, numbered, fingerprinted)
and published.

Every save of the draft is a revision: the whole text (preamble and items, in each language, with the
recommendations each item comes from) and a changelog line; any two can be compared word by word. A save
made on an older revision than the newest is refused, so two coordinators never overwrite each other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.accounts.models import User
from app.config import LOCALES
from app.db import utcnow
from app.discussions import notifications
from app.errors import Forbidden
from app.i18n import N_
from app.resolutions.access import ForumRole
from app.resolutions.exceptions import (
    AdoptedInFuture,
    CommentsClosed,
    CommentsStillOpen,
    DraftInvalid,
    ItemNotFound,
    NotAdopted,
    NotADraft,
    NotManager,
    NumberTaken,
    StaleDraft,
    TextsMissing,
)
from app.resolutions.models import (
    ADDRESSEES,
    THEMES,
    Endorsement,
    Forum,
    ItemComment,
    ItemRecommendation,
    ItemTracker,
    Recommendation,
    Resolution,
    ResolutionItem,
    ResolutionRevision,
)
from app.textdiff import word_diff

TEXT_MAX = 3000
PREAMBLE_MAX = 6000
NOTE_MIN, NOTE_MAX = 3, 300
COMMENT_MAX = 2000


def find_resolution(session: Session, forum_id: int) -> Resolution | None:
    return session.scalars(sa.select(Resolution).where(Resolution.forum_id == forum_id)).one_or_none()


def resolution_of(session: Session, forum: Forum) -> Resolution:
    """The forum's resolution, an empty draft made the first time a write needs it (never by a page
    view). Two first saves at once make one: the second finds the first's."""
    found = find_resolution(session, forum.id)
    if found is None:
        found = empty_draft(forum)
        try:
            with session.begin_nested():
                session.add(found)
        except IntegrityError:
            found = session.scalars(sa.select(Resolution).where(Resolution.forum_id == forum.id)).one()
    return found


def empty_draft(forum: Forum) -> Resolution:
    """What the editor shows before anything is saved: a draft that is not in the database."""
    return Resolution(forum_id=forum.id, status="draft", preamble={}, revision=0)


def items_of(session: Session, resolution: Resolution) -> list[ResolutionItem]:
    if resolution.id is None:  # an empty draft, not saved yet
        return []
    return list(
        session.scalars(
            sa.select(ResolutionItem)
            .where(ResolutionItem.resolution_id == resolution.id)
            .order_by(ResolutionItem.position, ResolutionItem.id)
        )
    )


def links_of(session: Session, items: list[ResolutionItem]) -> dict[int, list[int]]:
    """item id -> the recommendations it comes from."""
    links: dict[int, list[int]] = {item.id: [] for item in items}
    for item_id, rec_id in session.execute(
        sa.select(ItemRecommendation.item_id, ItemRecommendation.recommendation_id)
        .where(ItemRecommendation.item_id.in_(list(links)))
        .order_by(ItemRecommendation.recommendation_id)
    ):
        links[item_id].append(rec_id)
    return links


def snapshot(session: Session, resolution: Resolution) -> dict[str, Any]:
    items = items_of(session, resolution)
    links = links_of(session, items)
    return {
        "preamble": dict(resolution.preamble),
        "items": [
            {
                "id": item.id,
                "number": number,
                "text": dict(item.text),
                "theme": item.theme,
                "addressee": item.addressee,
                "recommendations": links[item.id],
                "reaffirms": item.reaffirms_id,
            }
            for number, item in enumerate(items, start=1)
        ],
    }


@dataclass
class ItemDraft:
    id: int | None  # None: a new item
    position: int
    text: dict[str, str]
    theme: str
    addressee: str
    recommendations: list[int] = field(default_factory=list)
    remove: bool = False


def _check_texts(texts: dict[str, str], limit: int, field_name: str) -> dict[str, str]:
    clean = {locale: texts.get(locale, "") for locale in LOCALES if texts.get(locale)}
    for locale, text in clean.items():
        if len(text) > limit:
            raise DraftInvalid(f"{field_name}-{locale}", N_("At most %(max)s characters."), max=limit)
    return clean


def save_draft(
    session: Session,
    role: ForumRole,
    resolution: Resolution,
    *,
    preamble: dict[str, str],
    items: list[ItemDraft],
    note: str,
    base_revision: int,
    author: User,
) -> ResolutionRevision:
    if not role.can_manage:
        raise NotManager()
    if resolution.status != "draft":
        raise NotADraft()
    if base_revision != resolution.revision:
        raise StaleDraft()
    if not NOTE_MIN <= len(note) <= NOTE_MAX:
        raise DraftInvalid("note", N_("Say in a few words what you changed (the changelog)."))
    resolution.preamble = _check_texts(preamble, PREAMBLE_MAX, "preamble")
    accepted = set(
        session.scalars(
            sa.select(Recommendation.id).where(
                Recommendation.forum_id == role.forum.id, Recommendation.status == "accepted"
            )
        )
    )
    existing = {item.id: item for item in items_of(session, resolution)}
    kept: list[tuple[int, int, ResolutionItem, list[int]]] = []
    for order, draft in enumerate(items):
        item = _save_item(session, resolution, draft, f"item-{order}", existing=existing, accepted=accepted)
        if item is not None:
            kept.append((draft.position, order, item, sorted(set(draft.recommendations))))
    session.flush()
    _number_and_link(session, kept)
    return add_revision(session, resolution, note=note, author=author)


def _save_item(
    session: Session,
    resolution: Resolution,
    draft: ItemDraft,
    field_name: str,
    *,
    existing: dict[int, ResolutionItem],
    accepted: set[int],
) -> ResolutionItem | None:
    """One row of the editor written to its item (None: removed, or an empty new row left out)."""
    if draft.theme not in THEMES or draft.addressee not in ADDRESSEES:
        raise DraftInvalid(field_name, N_("Choose a theme and an addressee from the lists."))
    texts = _check_texts(draft.text, TEXT_MAX, field_name)
    item = existing.get(draft.id) if draft.id is not None else None
    if draft.id is not None and item is None:
        raise ItemNotFound()
    if draft.remove:
        if item is not None:
            session.delete(item)
        return None
    if not texts:
        if item is None:
            return None  # an empty new row: nothing to add
        raise DraftInvalid(field_name, N_("An item needs its text in at least one language."))
    unknown = set(draft.recommendations) - accepted
    linked_before = set(links_of(session, [item])[item.id]) if item else set()
    if unknown - linked_before:
        raise DraftInvalid(field_name, N_("An item can only be built from accepted recommendations."))
    if item is None:
        item = ResolutionItem(resolution_id=resolution.id, position=0, text={})
        session.add(item)
    item.text, item.theme, item.addressee = texts, draft.theme, draft.addressee
    return item


def _number_and_link(session: Session, kept: list[tuple[int, int, ResolutionItem, list[int]]]) -> None:
    """Number the kept items 1, 2, ... in the order asked (position, then the editor's order), and link
    each to its recommendations."""
    for number, (_position, _order, item, recs) in enumerate(
        sorted(kept, key=lambda row: (row[0], row[1])), 1
    ):
        item.position = number
        session.execute(sa.delete(ItemRecommendation).where(ItemRecommendation.item_id == item.id))
        for rec_id in recs:
            session.add(ItemRecommendation(item_id=item.id, recommendation_id=rec_id))
    session.flush()


def add_revision(
    session: Session, resolution: Resolution, *, note: str, author: User | None
) -> ResolutionRevision:
    resolution.revision += 1
    revision = ResolutionRevision(
        resolution_id=resolution.id,
        number=resolution.revision,
        snapshot=snapshot(session, resolution),
        note=note[:NOTE_MAX],
        author_id=author.id if author else None,
        author_label=author.display_name if author else "",
    )
    session.add(revision)
    session.flush()
    return revision


def revisions(session: Session, resolution: Resolution) -> list[ResolutionRevision]:
    return list(
        session.scalars(
            sa.select(ResolutionRevision)
            .where(ResolutionRevision.resolution_id == resolution.id)
            .order_by(ResolutionRevision.number.desc())
        )
    )


@dataclass(frozen=True)
class Change:
    where: str  # "preamble", or the item's number
    locale: str
    html: str  # word-level diff


def diff(old: dict[str, Any] | None, new: dict[str, Any]) -> list[Change]:
    """What changed from one revision to the next, word by word: the preamble, then each item by its
    id (an item moved keeps its identity; a new one is all insertion, a removed one all deletion)."""
    old = old or {"preamble": {}, "items": []}
    changes = []
    for locale in LOCALES:
        before, after = old["preamble"].get(locale, ""), new["preamble"].get(locale, "")
        if before != after:
            changes.append(Change("preamble", locale, word_diff(before, after)))
    old_items = {item["id"]: item for item in old["items"]}
    new_ids = {item["id"] for item in new["items"]}
    for item in new["items"]:
        previous = old_items.get(item["id"], {"text": {}, "number": None})
        label = (
            str(item["number"])
            if previous["number"] in (None, item["number"])
            else f"{previous['number']}→{item['number']}"
        )
        for locale in LOCALES:
            before, after = previous["text"].get(locale, ""), item["text"].get(locale, "")
            if before != after or (previous["number"] not in (None, item["number"]) and locale == LOCALES[0]):
                changes.append(Change(label, locale, word_diff(before, after)))
    for item_id, item in old_items.items():
        if item_id not in new_ids:
            for locale, text in item["text"].items():
                changes.append(Change(f"{item['number']}×", locale, word_diff(text, "")))
    return changes


# Comments ---------------------------------------------------------------------------------------------------
#
# A window "until 20 December" is the whole of that day where the organisation is (ACADEMY_TIMEZONE,
# Asia/Bishkek): it ends at 23:59:59 there, which is 17:59:59 UTC. The end is kept as that instant (UTC),
# so a comment is taken or refused by comparing instants, whatever zone the server runs in.


def window_end(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    """The last instant of `day` in the organisation's time zone, in UTC."""
    return dt.datetime.combine(day, dt.time.max, tzinfo=zone).astimezone(dt.UTC)


def comments_open(resolution: Resolution, now: dt.datetime | None = None) -> bool:
    return (
        resolution.status == "draft"
        and resolution.comments_until is not None
        and (now or utcnow()) <= resolution.comments_until
    )


def set_comment_window(
    session: Session,
    role: ForumRole,
    resolution: Resolution,
    *,
    until: dt.datetime | None,
    author: User | None = None,
) -> None:
    """Open the draft for comments until `until` (an instant: see `window_end`), or close it (None). Both
    are recorded in the audit log: adoption is refused while the window is open, so closing it early is a
    decision someone answers for."""
    if not role.can_manage:
        raise NotManager()
    if resolution.status != "draft":
        raise NotADraft()
    if until != resolution.comments_until:
        detail = f"forum {role.forum.id}: " + (
            f"open until {until.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC" if until else "closed"
        )
        accounts_service.record(session, actor=author, action="resolution.comments", detail=detail)
    resolution.comments_until = until
    session.flush()


def comment(
    session: Session,
    role: ForumRole,
    resolution: Resolution,
    item: ResolutionItem,
    *,
    body: str,
    now: dt.datetime | None = None,
) -> ItemComment:
    if not role.member or item.resolution_id != resolution.id:
        raise Forbidden()
    if not comments_open(resolution, now):
        raise CommentsClosed()
    if not body.strip() or len(body) > COMMENT_MAX:
        raise DraftInvalid("body", N_("Write a comment of at most %(max)s characters."), max=COMMENT_MAX)
    entry = ItemComment(item_id=item.id, user_id=role.user_id, body=body)
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class CommentRow:
    comment: ItemComment
    name: str


def comments_of(session: Session, items: list[ResolutionItem]) -> dict[int, list[CommentRow]]:
    rows: dict[int, list[CommentRow]] = {item.id: [] for item in items}
    for entry, name in session.execute(
        sa.select(ItemComment, User.display_name)
        .outerjoin(User, User.id == ItemComment.user_id)
        .where(ItemComment.item_id.in_(list(rows)))
        .order_by(ItemComment.id)
    ):
        rows[entry.item_id].append(CommentRow(entry, name or ""))
    return rows


# Adoption and publication -----------------------------------------------------------------------------------


OUTCOMES = ("consensus", "vote")


def canonical(text: dict[str, Any]) -> bytes:
    """The bytes the fingerprint is taken of: the frozen text as JSON, keys sorted, no spaces, UTF-8."""
    return json.dumps(text, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def adopt(
    session: Session,
    role: ForumRole,
    resolution: Resolution,
    *,
    adopted_on: dt.date,
    outcome: str,
    votes: tuple[int, int, int] | None,
    author: User,
    zone: dt.tzinfo,
    now: dt.datetime | None = None,
) -> None:
    """Freeze the text, number it, fingerprint it; start monitoring each item; tell the people behind it.

    Refused while the draft is open for comments, and with a date after today where the organisation is
    (`zone`, ACADEMY_TIMEZONE)."""
    items = items_of(session, resolution)
    _check_adoption(role, resolution, items, outcome=outcome, votes=votes)
    now = now or utcnow()
    if comments_open(resolution, now):
        assert resolution.comments_until is not None
        raise CommentsStillOpen(date=resolution.comments_until.astimezone(zone).date())
    today = now.astimezone(zone).date()
    if adopted_on > today:
        raise AdoptedInFuture(today=today)
    counted = votes if outcome == "vote" else None
    number = _next_number(session, adopted_on.year)
    text = _frozen_text(
        role.forum, resolution, items, number=number, adopted_on=adopted_on, outcome=outcome, votes=counted
    )
    resolution.number, resolution.adopted_on, resolution.outcome = number, adopted_on, outcome
    if counted:
        resolution.votes_for, resolution.votes_against, resolution.votes_abstain = counted
    resolution.adopted_text = text
    resolution.fingerprint = hashlib.sha256(canonical(text)).hexdigest()
    resolution.status, resolution.comments_until = "adopted", None
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise NumberTaken() from None
    for item in items:
        session.add(ItemTracker(item_id=item.id, status="not_started"))
    add_revision(session, resolution, note=f"adopted as {number}", author=author)
    accounts_service.record(session, actor=author, action="resolution.adopt", detail=f"{number} ({outcome})")
    for position, item in enumerate(items, start=1):
        for user_id, (title, mine) in supporters(session, item.id).items():
            notifications.notify(
                session,
                user_id=user_id,
                kind="item_adopted",
                link=f"/forums/{role.forum.id}/resolution#item-{item.id}",
                detail=notifications.with_params(title=title, item=position, number=number, mine=mine),
            )


def _check_adoption(
    role: ForumRole,
    resolution: Resolution,
    items: list[ResolutionItem],
    *,
    outcome: str,
    votes: tuple[int, int, int] | None,
) -> None:
    if not role.can_manage:
        raise NotManager()
    if resolution.status != "draft":
        raise NotADraft()
    if outcome not in OUTCOMES:
        raise DraftInvalid("outcome", N_("Say how it was adopted: by consensus or by a vote."))
    if outcome == "vote" and (votes is None or votes[0] <= votes[1]):
        raise DraftInvalid("votes", N_("Give the votes for, against and abstaining; more for than against."))
    if not items:
        raise DraftInvalid("items", N_("A resolution needs at least one item."))
    if missing_languages(resolution, items):  # the frozen text could never be published
        raise DraftInvalid(
            "items", N_("Write the preamble and every item in Kyrgyz, Russian and English before adopting.")
        )


def _next_number(session: Session, year: int) -> str:
    taken = session.scalars(sa.select(Resolution.number).where(Resolution.number.like(f"{year}-%"))).all()
    return f"{year}-{1 + max((int(n.split('-')[1]) for n in taken if n), default=0)}"


def _frozen_text(
    forum: Forum,
    resolution: Resolution,
    items: list[ResolutionItem],
    *,
    number: str,
    adopted_on: dt.date,
    outcome: str,
    votes: tuple[int, int, int] | None,
) -> dict[str, Any]:
    """The adopted text, as it is kept and fingerprinted (`canonical`)."""
    return {
        "number": number,
        "forum": dict(forum.name),
        "place": dict(forum.place),
        "adopted_on": adopted_on.isoformat(),
        "outcome": outcome,
        "votes": {"for": votes[0], "against": votes[1], "abstain": votes[2]} if votes else None,
        "preamble": dict(resolution.preamble),
        "items": [
            {"number": n, "text": dict(item.text), "theme": item.theme, "addressee": item.addressee}
            for n, item in enumerate(items, start=1)
        ],
    }


def missing_languages(resolution: Resolution, items: list[ResolutionItem] | None = None) -> list[str]:
    """What adoption and publishing still need: "preamble:ky", "3:en" (item 3 in English), ..."""
    if resolution.adopted_text:
        preamble, texts = (
            resolution.adopted_text["preamble"],
            [i["text"] for i in resolution.adopted_text["items"]],
        )
    else:
        preamble = resolution.preamble
        texts = [item.text for item in (items if items is not None else _items_in_session(resolution))]
    missing = [f"preamble:{locale}" for locale in LOCALES if not preamble.get(locale)]
    for number, text in enumerate(texts, start=1):
        missing += [f"{number}:{locale}" for locale in LOCALES if not text.get(locale)]
    return missing


def _items_in_session(resolution: Resolution) -> list[ResolutionItem]:
    session = Session.object_session(resolution)
    return items_of(session, resolution) if session is not None else []


def publish(session: Session, role: ForumRole, resolution: Resolution, *, author: User) -> None:
    if not role.can_manage:
        raise NotManager()
    if resolution.status != "adopted":
        raise NotAdopted()
    if missing_languages(resolution):
        raise TextsMissing()
    resolution.status, resolution.published_at = "published", utcnow()
    accounts_service.record(
        session, actor=author, action="resolution.publish", detail=resolution.number or ""
    )
    session.flush()


def people_behind(session: Session, item_ids: list[int]) -> list[int]:
    """Authors and endorsers of the recommendations the items come from (and of those merged into them)."""
    recs = _recommendations_behind(session, item_ids)
    if not recs:
        return []
    authors = session.scalars(
        sa.select(Recommendation.author_id).where(
            Recommendation.id.in_(recs), Recommendation.author_id.is_not(None)
        )
    ).all()
    endorsers = session.scalars(
        sa.select(Endorsement.user_id).where(Endorsement.recommendation_id.in_(recs))
    ).all()
    return sorted({int(u) for u in [*authors, *endorsers] if u is not None})


def supporters(session: Session, item_id: int) -> dict[int, tuple[str, bool]]:
    """The people behind one item, each with the title of her recommendation behind it (or of one she
    endorsed) and whether she wrote it: what her notification of its adoption names."""
    recs = _recommendations_behind(session, [item_id])
    found: dict[int, tuple[str, bool]] = {}
    if not recs:
        return found
    rows = session.execute(
        sa.select(Recommendation.id, Recommendation.title, Recommendation.author_id)
        .where(Recommendation.id.in_(recs))
        .order_by(Recommendation.id)
    ).all()
    titles = {rec_id: title for rec_id, title, _author in rows}
    for _rec_id, title, author_id in rows:
        if author_id is not None:
            found[int(author_id)] = (title, True)
    for rec_id, user_id in session.execute(
        sa.select(Endorsement.recommendation_id, Endorsement.user_id)
        .where(Endorsement.recommendation_id.in_(recs))
        .order_by(Endorsement.recommendation_id, Endorsement.user_id)
    ):
        found.setdefault(int(user_id), (titles[rec_id], False))
    return found


def _recommendations_behind(session: Session, item_ids: list[int]) -> list[int]:
    linked = set(
        session.scalars(
            sa.select(ItemRecommendation.recommendation_id).where(ItemRecommendation.item_id.in_(item_ids))
        )
    )
    merged = (
        set(session.scalars(sa.select(Recommendation.id).where(Recommendation.merged_into_id.in_(linked))))
        if linked
        else set()
    )
    return sorted(linked | merged)


@dataclass(frozen=True)
class Contributors:
    people: int
    cohorts: int
    credited: list[str]  # names of authors who agreed to be named


def contributors(session: Session, resolution: Resolution) -> Contributors:
    items = items_of(session, resolution)
    recs = _recommendations_behind(session, [item.id for item in items])
    if not recs:
        return Contributors(0, 0, [])
    people = people_behind(session, [item.id for item in items])
    cohorts = set(
        session.scalars(sa.select(Recommendation.cohort_id).where(Recommendation.id.in_(recs)))
    ) | set(session.scalars(sa.select(Endorsement.cohort_id).where(Endorsement.recommendation_id.in_(recs))))
    credited = session.scalars(
        sa.select(User.display_name)
        .join(Recommendation, Recommendation.author_id == User.id)
        .where(Recommendation.id.in_(recs), Recommendation.credit_public.is_(True))
        .distinct()
        .order_by(User.display_name)
    ).all()
    return Contributors(len(people), len({c for c in cohorts if c is not None}), list(credited))
