"""Recommendations: written directly or sparked from a post, checked for look-alikes, endorsed,
amended, merged and reviewed. Every change of state is an append-only event.

States: suggested (a trainer proposed it from someone's post; she confirms) → open → qualified (enough
endorsements from enough cohorts; back to open if they fall below) → accepted, needs work, or declined by
a trainer's public answer; merged (into another) at any time before acceptance. Needs work goes back to
open when its author revises it.

Consent follows the text: an endorsement is given to one version of it (`Endorsement.version`). When the
text changes (her revision, an amendment she accepts), the endorsements of the earlier version stay, shown
apart and not counted towards review, until each endorser, told what changed, confirms hers with one
click (or withdraws it); the recommendation may fall back from qualified to open meanwhile. A merge
changes no text: the merged one's endorsers are asked to endorse the other. Answered recommendations
(accepted, declined) cannot change at all. docs/resolutions.md says why this and not Decidim's or
CONSUL's rule.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.accounts.models import User
from app.db import dialect_insert, utcnow
from app.discussions import notifications
from app.discussions.models import Post, Thread
from app.errors import Forbidden
from app.i18n import N_
from app.learning.models import Enrolment
from app.resolutions.access import ForumRole, cohorts_of
from app.resolutions.exceptions import (
    AuthorNotInForum,
    ConflictOfInterest,
    EndorsementRefused,
    ForumClosed,
    NotNow,
    RecommendationInvalid,
    RecommendationNotFound,
)
from app.resolutions.models import (
    ADDRESSEES,
    DECLINE_REASONS,
    THEMES,
    Amendment,
    Endorsement,
    Forum,
    ForumEndorser,
    Recommendation,
    RecommendationEvent,
    RecommendationSource,
    RecommendationVersion,
)
from app.resolutions.similarity import similarity

TITLE_MIN, TITLE_MAX = 5, 120
TEXT_MIN, TEXT_MAX = 10, 1000
NOTE_MAX = 500
SIMILAR_AT = 0.3
LIVE = ("open", "qualified", "needs_work", "accepted")  # what a look-alike check compares with
CHANGEABLE = ("open", "qualified", "needs_work")  # what its author may still revise, others amend


@dataclass
class Draft:
    """What a form sends: checked by `check`."""

    title: str
    text: str
    theme: str
    addressee: str


def check(draft: Draft) -> None:
    if not TITLE_MIN <= len(draft.title) <= TITLE_MAX:
        raise RecommendationInvalid(
            "title", N_("Give a title of %(min)s to %(max)s characters."), min=TITLE_MIN, max=TITLE_MAX
        )
    if not TEXT_MIN <= len(draft.text) <= TEXT_MAX:
        raise RecommendationInvalid(
            "text",
            N_("Write the recommendation in %(min)s to %(max)s characters."),
            min=TEXT_MIN,
            max=TEXT_MAX,
        )
    if draft.theme not in THEMES:
        raise RecommendationInvalid("theme", N_("Choose a theme from the list."))
    if draft.addressee not in ADDRESSEES:
        raise RecommendationInvalid("addressee", N_("Choose to whom it is addressed from the list."))


def event(
    session: Session,
    rec: Recommendation,
    *,
    actor_id: int | None,
    kind: str,
    to: str | None = None,
    note: str = "",
) -> None:
    """Record a change (and make it, when `to` is a new state)."""
    before = rec.status
    if to is not None:
        rec.status = to
    rec.updated_at = utcnow()
    session.add(
        RecommendationEvent(
            recommendation_id=rec.id,
            actor_id=actor_id,
            kind=kind,
            from_status=before,
            to_status=rec.status,
            note=note[:NOTE_MAX],
        )
    )
    session.flush()


def get(session: Session, role: ForumRole, rec_id: int) -> Recommendation:
    """A recommendation of her forum; a suggestion only for its author and the staff."""
    rec = session.get(Recommendation, rec_id)
    if rec is None or rec.forum_id != role.forum.id:
        raise RecommendationNotFound()
    if rec.status == "suggested" and not (role.staff or rec.author_id == role.user_id):
        raise RecommendationNotFound()
    return rec


def forum_of(session: Session, rec_id: int) -> int:
    forum_id = session.scalar(sa.select(Recommendation.forum_id).where(Recommendation.id == rec_id))
    if forum_id is None:
        raise RecommendationNotFound()
    return int(forum_id)


# Writing ----------------------------------------------------------------------------------------------------


def similar(
    session: Session, forum_id: int, *, title: str, text: str, exclude: int | None = None, limit: int = 5
) -> list[Recommendation]:
    """Live recommendations of the forum that look like this one, the most alike first."""
    candidates = session.scalars(
        sa.select(Recommendation).where(Recommendation.forum_id == forum_id, Recommendation.status.in_(LIVE))
    ).all()
    scored = []
    for rec in candidates:
        if rec.id == exclude:
            continue
        score = max(similarity(title, rec.title), similarity(f"{title} {text}", f"{rec.title} {rec.text}"))
        if score >= SIMILAR_AT:
            scored.append((score, rec.id, rec))
    return [rec for _score, _id, rec in sorted(scored, key=lambda row: (-row[0], row[1]))[:limit]]


def _require_open(forum: Forum) -> None:
    if not forum.accepting:
        raise ForumClosed()


def create(
    session: Session,
    role: ForumRole,
    draft: Draft,
    *,
    locale: str,
    credit_public: bool = False,
    post: Post | None = None,
    thread: Thread | None = None,
) -> Recommendation:
    """Her own recommendation, written directly or from her post."""
    _require_open(role.forum)
    check(draft)
    if post is not None and post.author_id != role.user_id:
        raise Forbidden()
    rec = Recommendation(
        forum_id=role.forum.id,
        title=draft.title,
        text=draft.text,
        locale=locale,
        theme=draft.theme,
        addressee=draft.addressee,
        status="open",
        author_id=role.user_id,
        credit_public=credit_public,
        thread_id=thread.id if thread else None,
        lesson_id=thread.lesson_id if thread else None,
        cohort_id=(thread.cohort_id if thread and thread.cohort_id else role.cohort_id),
    )
    session.add(rec)
    session.flush()
    _first_version(session, rec, author_id=role.user_id)
    if post is not None:
        session.add(RecommendationSource(recommendation_id=rec.id, post_id=post.id))
    event(session, rec, actor_id=role.user_id, kind="created")
    return rec


def suggest(
    session: Session, role: ForumRole, draft: Draft, *, post: Post, thread: Thread, author: User
) -> Recommendation:
    """A trainer proposes someone's post as a recommendation; it waits for the author to confirm."""
    if not role.can_review:
        raise Forbidden()
    _require_open(role.forum)
    check(draft)
    if post.author_id != author.id or author.id == role.user_id:
        raise Forbidden()
    author_cohort = session.scalar(
        sa.select(Enrolment.cohort_id)
        .where(
            Enrolment.user_id == author.id,
            Enrolment.status == "active",
            Enrolment.cohort_id.in_(cohorts_of(session, role.forum.id)),
        )
        .limit(1)
    )
    if author_cohort is None:
        raise AuthorNotInForum()
    rec = Recommendation(
        forum_id=role.forum.id,
        title=draft.title,
        text=draft.text,
        locale=author.locale,
        theme=draft.theme,
        addressee=draft.addressee,
        status="suggested",
        author_id=author.id,
        suggested_by_id=role.user_id,
        thread_id=thread.id,
        lesson_id=thread.lesson_id,
        cohort_id=thread.cohort_id or author_cohort,
    )
    session.add(rec)
    session.flush()
    _first_version(session, rec, author_id=role.user_id)
    session.add(RecommendationSource(recommendation_id=rec.id, post_id=post.id))
    event(session, rec, actor_id=role.user_id, kind="suggested")
    notifications.notify(session, user_id=author.id, kind="suggested", link=f"/recommendations/{rec.id}")
    return rec


def _first_version(session: Session, rec: Recommendation, *, author_id: int | None) -> None:
    session.add(
        RecommendationVersion(
            recommendation_id=rec.id, number=1, title=rec.title, text=rec.text, author_id=author_id
        )
    )


def confirm(session: Session, role: ForumRole, rec: Recommendation, *, credit_public: bool = False) -> None:
    if rec.author_id != role.user_id or rec.status != "suggested":
        raise NotNow()
    rec.credit_public = credit_public
    event(session, rec, actor_id=role.user_id, kind="confirmed", to="open")


def dismiss(session: Session, role: ForumRole, rec: Recommendation) -> None:
    """She does not want her post to become a recommendation: the suggestion is gone."""
    if rec.author_id != role.user_id or rec.status != "suggested":
        raise NotNow()
    session.delete(rec)
    session.flush()


def revise(session: Session, role: ForumRole, rec: Recommendation, draft: Draft, *, note: str = "") -> None:
    """Her own revision: a new version (after "needs work", it is open again)."""
    if rec.author_id != role.user_id or rec.status not in CHANGEABLE:
        raise NotNow()
    check(draft)
    _new_version(session, rec, draft, author_id=role.user_id, note=note)
    rec.theme, rec.addressee = draft.theme, draft.addressee
    reopened = "open" if rec.status == "needs_work" else None
    event(session, rec, actor_id=role.user_id, kind="revised", to=reopened, note=note)
    requalify(session, rec, role.forum)


def _new_version(
    session: Session, rec: Recommendation, draft: Draft, *, author_id: int | None, note: str
) -> None:
    rec.version += 1
    rec.title, rec.text = draft.title, draft.text
    session.add(
        RecommendationVersion(
            recommendation_id=rec.id,
            number=rec.version,
            title=rec.title,
            text=rec.text,
            author_id=author_id,
            note=note[:300],
        )
    )
    session.flush()
    _text_changed(session, rec)


def _text_changed(session: Session, rec: Recommendation) -> None:
    """A new version: the endorsements given to earlier ones no longer count until re-confirmed, and each
    endorser is told (the page shows her what changed since the version she endorsed)."""
    endorsers = session.scalars(
        sa.select(Endorsement.user_id)
        .where(Endorsement.recommendation_id == rec.id, Endorsement.version < rec.version)
        .order_by(Endorsement.user_id)
    ).all()
    for user_id in endorsers:
        notifications.notify(session, user_id=user_id, kind="text_changed", link=f"/recommendations/{rec.id}")
    recount(session, rec)


# Endorsing --------------------------------------------------------------------------------------------------


def used_endorsements(session: Session, *, forum_id: int, user_id: int) -> int:
    """Her endorsements that count against the forum's cap (those on merged ones no longer do)."""
    return int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Endorsement)
            .join(Recommendation, Recommendation.id == Endorsement.recommendation_id)
            .where(
                Endorsement.user_id == user_id,
                Recommendation.forum_id == forum_id,
                Recommendation.status != "merged",
            )
        )
        or 0
    )


def has_endorsed(session: Session, rec: Recommendation, user_id: int) -> bool:
    """Whether she endorsed it, whichever version."""
    return endorsed_version(session, rec, user_id) is not None


def endorsed_version(session: Session, rec: Recommendation, user_id: int) -> int | None:
    """The version of its text she endorsed (None: she did not)."""
    endorsement = session.get(Endorsement, (rec.id, user_id))
    return endorsement.version if endorsement is not None else None


def has_interest(session: Session, rec: Recommendation, user_id: int) -> bool:
    """Whether she wrote, suggested or endorsed it: then she does not review it (a conflict of interest)."""
    return user_id in (rec.author_id, rec.suggested_by_id) or has_endorsed(session, rec, user_id)


def _lock(session: Session, rec: Recommendation) -> None:
    """Take the recommendation's row, so that endorsements of it are counted one after another."""
    session.execute(sa.select(Recommendation.id).where(Recommendation.id == rec.id).with_for_update())
    session.refresh(rec)


def endorse(session: Session, role: ForumRole, rec: Recommendation, *, cohort_id: int | None = None) -> None:
    """Her endorsement, counted for the cohort she chose (asked once when she learns in several of the
    forum's cohorts: `cohort_id`, then remembered)."""
    forum = role.forum
    _require_open(forum)
    if not role.participant:
        raise EndorsementRefused(N_("Only participants of the forum's cohorts can endorse."))
    if role.must_choose:
        if cohort_id not in role.cohorts:
            raise EndorsementRefused(N_("Choose the cohort your endorsements in this forum count for."))
        role = choose_cohort(session, role, cohort_id=cohort_id)
    if rec.status not in ("open", "qualified", "needs_work", "accepted"):
        raise EndorsementRefused(N_("This recommendation cannot be endorsed now."))
    if rec.author_id == role.user_id:
        raise EndorsementRefused(N_("You wrote it: your support is already counted in it."))
    _lock(session, rec)
    given = session.get(Endorsement, (rec.id, role.user_id))
    if given is not None:
        if given.version != rec.version:  # re-confirmed for the current text: it counts again
            given.version, given.cohort_id = rec.version, role.cohort_id
            session.flush()
            recount(session, rec)
            requalify(session, rec, forum)
        return  # otherwise a second click: nothing changes
    session.execute(
        sa.select(User.id).where(User.id == role.user_id).with_for_update()
    )  # her cap, one at a time
    if used_endorsements(session, forum_id=forum.id, user_id=role.user_id) >= forum.endorsement_cap:
        raise EndorsementRefused(
            N_("You have used all your %(cap)s endorsements in this forum. Withdraw one to endorse this."),
            cap=forum.endorsement_cap,
        )
    session.add(
        Endorsement(
            recommendation_id=rec.id, user_id=role.user_id, cohort_id=role.cohort_id, version=rec.version
        )
    )
    session.flush()
    recount(session, rec)
    requalify(session, rec, forum)


def choose_cohort(session: Session, role: ForumRole, *, cohort_id: int | None) -> ForumRole:
    """The cohort her endorsements in this forum count for, from now on and for those she gave: each
    moves, and its recommendation is counted again. One person is always one cohort of "from N"."""
    if cohort_id is None or cohort_id not in role.cohorts:
        raise EndorsementRefused(N_("Choose one of your cohorts in this forum."))
    insert = dialect_insert(session)
    session.execute(
        insert(ForumEndorser)
        .values(forum_id=role.forum.id, user_id=role.user_id, cohort_id=cohort_id, chosen_at=utcnow())
        .on_conflict_do_update(
            index_elements=["forum_id", "user_id"], set_={"cohort_id": cohort_id, "chosen_at": utcnow()}
        )
    )
    given = sa.select(Recommendation.id).where(Recommendation.forum_id == role.forum.id)
    moved = list(
        session.scalars(
            sa.select(Recommendation)
            .join(Endorsement, Endorsement.recommendation_id == Recommendation.id)
            .where(
                Endorsement.user_id == role.user_id,
                Endorsement.recommendation_id.in_(given),
                Endorsement.cohort_id.is_distinct_from(cohort_id),
            )
        )
    )
    session.execute(
        sa.update(Endorsement)
        .where(Endorsement.user_id == role.user_id, Endorsement.recommendation_id.in_([r.id for r in moved]))
        .values(cohort_id=cohort_id)
        .execution_options(synchronize_session=False)
    )
    for rec in moved:
        recount(session, rec)
        requalify(session, rec, role.forum)
    return dataclasses.replace(role, cohort_id=cohort_id, chosen=True)


def withdraw(session: Session, role: ForumRole, rec: Recommendation) -> None:
    _lock(session, rec)
    session.execute(
        sa.delete(Endorsement).where(
            Endorsement.recommendation_id == rec.id, Endorsement.user_id == role.user_id
        )
    )
    recount(session, rec)
    requalify(session, rec, role.forum)


def recount(session: Session, rec: Recommendation) -> None:
    """Its counts: endorsements of the current version and their cohorts; those of earlier versions."""
    current = Endorsement.version == rec.version
    count, cohorts, earlier = session.execute(
        sa.select(
            sa.func.count(sa.case((current, 1))),
            sa.func.count(sa.distinct(sa.case((current, Endorsement.cohort_id)))),
            sa.func.count(sa.case((~current, 1))),
        ).where(Endorsement.recommendation_id == rec.id)
    ).one()
    rec.endorsement_count, rec.cohort_count, rec.earlier_count = int(count), int(cohorts), int(earlier)
    session.flush()


def qualifies(rec: Recommendation, forum: Forum) -> bool:
    return rec.endorsement_count >= forum.qualify_endorsements and rec.cohort_count >= forum.qualify_cohorts


def requalify(session: Session, rec: Recommendation, forum: Forum) -> None:
    if rec.status == "open" and qualifies(rec, forum):
        event(
            session,
            rec,
            actor_id=None,
            kind="qualified",
            to="qualified",
            note=f"{rec.endorsement_count}/{rec.cohort_count}",
        )
    elif rec.status == "qualified" and not qualifies(rec, forum):
        event(
            session,
            rec,
            actor_id=None,
            kind="unqualified",
            to="open",
            note=f"{rec.endorsement_count}/{rec.cohort_count}",
        )


def endorser_names(session: Session, rec: Recommendation) -> list[tuple[str, bool]]:
    """For the staff only: each endorser's name, and whether she endorsed the current version."""
    return [
        (name, version == rec.version)
        for name, version in session.execute(
            sa.select(User.display_name, Endorsement.version)
            .join(Endorsement, Endorsement.user_id == User.id)
            .where(Endorsement.recommendation_id == rec.id)
            .order_by(Endorsement.created_at)
        )
    ]


# Amendments -------------------------------------------------------------------------------------------------


def propose(session: Session, role: ForumRole, rec: Recommendation, draft: Draft, *, note: str) -> Amendment:
    if not role.member or rec.author_id == role.user_id:
        raise Forbidden()
    if rec.status not in CHANGEABLE:
        raise NotNow()
    check(draft)
    amendment = Amendment(
        recommendation_id=rec.id,
        proposer_id=role.user_id,
        title=draft.title,
        text=draft.text,
        note=note[:NOTE_MAX],
        base_version=rec.version,
    )
    session.add(amendment)
    session.flush()
    event(session, rec, actor_id=role.user_id, kind="amendment", note=f"#{amendment.id}")
    if rec.author_id:
        notifications.notify(
            session, user_id=rec.author_id, kind="amendment", link=f"/recommendations/{rec.id}"
        )
    return amendment


def decide(session: Session, role: ForumRole, amendment: Amendment, *, accept: bool, note: str = "") -> None:
    rec = session.get(Recommendation, amendment.recommendation_id)
    if rec is None or rec.author_id != role.user_id or amendment.status != "open":
        raise NotNow()
    if accept and rec.status not in CHANGEABLE:
        raise NotNow()
    amendment.status, amendment.decided_at, amendment.decision_note = (
        "accepted" if accept else "rejected",
        utcnow(),
        note[:NOTE_MAX],
    )
    if accept:
        draft = Draft(amendment.title, amendment.text, rec.theme, rec.addressee)
        _new_version(session, rec, draft, author_id=amendment.proposer_id, note=f"amendment #{amendment.id}")
    event(
        session,
        rec,
        actor_id=role.user_id,
        kind="amendment_accepted" if accept else "amendment_rejected",
        note=f"#{amendment.id} {note}".strip(),
    )
    requalify(session, rec, role.forum)


# Merging and review -----------------------------------------------------------------------------------------


def merge(
    session: Session,
    role: ForumRole,
    originals: list[Recommendation],
    target: Recommendation,
    *,
    note: str = "",
) -> int:
    """Merge duplicates into `target`. The originals keep their pages, marked merged with a link; their
    sources join the target; their endorsers who have not endorsed the target are asked to (their
    endorsements are never moved for them). Returns how many people were asked."""
    if not role.can_review:
        raise Forbidden()
    if target.status not in LIVE or any(o.id == target.id for o in originals):
        raise NotNow()
    actor = session.get(User, role.user_id)
    asked: set[int] = set()
    for original in originals:
        _merge_one(session, role, original, target, note=note)
        asked |= _to_ask(session, original, target)
        accounts_service.record(
            session, actor=actor, action="recommendation.merge", detail=f"#{original.id} into #{target.id}"
        )
    for user_id in sorted(asked):
        notifications.notify(
            session, user_id=user_id, kind="endorse_merged", link=f"/recommendations/{target.id}"
        )
    session.flush()
    return len(asked)


def _merge_one(
    session: Session, role: ForumRole, original: Recommendation, target: Recommendation, *, note: str
) -> None:
    """`original` marked merged into `target`, in both histories; its sources become the target's too."""
    if original.forum_id != target.forum_id or original.status not in ("open", "qualified", "needs_work"):
        raise NotNow()
    original.merged_into_id = target.id
    merged_note = f"→ #{target.id} {note}".strip()
    event(session, original, actor_id=role.user_id, kind="merged", to="merged", note=merged_note)
    event(session, target, actor_id=role.user_id, kind="merged_in", note=f"← #{original.id}")
    for post_id in session.scalars(
        sa.select(RecommendationSource.post_id).where(RecommendationSource.recommendation_id == original.id)
    ):
        if session.get(RecommendationSource, (target.id, post_id)) is None:
            session.add(RecommendationSource(recommendation_id=target.id, post_id=post_id))


def _to_ask(session: Session, original: Recommendation, target: Recommendation) -> set[int]:
    """Who supported `original` (its endorsers and author) and does not support `target` yet."""
    endorsers = list(
        session.scalars(sa.select(Endorsement.user_id).where(Endorsement.recommendation_id == original.id))
    )
    if original.author_id:
        endorsers.append(original.author_id)
    return {
        user_id
        for user_id in endorsers
        if user_id != target.author_id and not has_endorsed(session, target, user_id)
    }


DECISIONS = ("accepted", "needs_work", "declined")


def review(
    session: Session, role: ForumRole, rec: Recommendation, *, decision: str, reason: str = "", note: str = ""
) -> None:
    """A trainer's public answer to a qualified recommendation (never to one of her own making or support)."""
    if not role.can_review:
        raise Forbidden()
    if rec.status != "qualified":
        raise NotNow()
    if has_interest(session, rec, role.user_id):
        raise ConflictOfInterest()
    if decision not in DECISIONS:
        raise RecommendationInvalid("decision", N_("Choose a decision."))
    if decision == "needs_work" and not note:
        raise RecommendationInvalid("note", N_("Say what needs work: the author will read it."))
    if decision == "declined" and reason not in DECLINE_REASONS:
        raise RecommendationInvalid("reason", N_("Choose why it is declined."))
    rec.review_note, rec.decline_reason = note[:NOTE_MAX], reason if decision == "declined" else ""
    event(
        session,
        rec,
        actor_id=role.user_id,
        kind="reviewed",
        to=decision,
        note=(f"{reason}: {note}" if decision == "declined" else note).strip(": "),
    )
    if rec.author_id:
        notifications.notify(
            session, user_id=rec.author_id, kind="reviewed", link=f"/recommendations/{rec.id}"
        )
