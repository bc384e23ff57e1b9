"""What a person does with recommendations through the pages, her role in the forum found first: write one
(after a look at similar ones), directly or from a post; read one with its history; endorse it, confirm
a suggestion, revise, amend, answer an amendment; and, for trainers, review and merge.

Each function takes the signed-in principal and the ids the page sends, and calls the rules in
recommendations.py; a forum she does not take part in is as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.discussions import notifications
from app.discussions import service as discussions
from app.discussions.access import viewer_for
from app.discussions.exceptions import PostNotFound
from app.discussions.models import Post, Thread
from app.errors import NotFound
from app.learning.models import Enrolment
from app.principal import Principal
from app.resolutions import recommendations as recs
from app.resolutions.access import ForumRole, cohort_names, forum_for, role_in
from app.resolutions.exceptions import RecommendationNotFound
from app.resolutions.models import (
    Amendment,
    Forum,
    ForumCohort,
    Recommendation,
    RecommendationEvent,
    RecommendationSource,
    RecommendationVersion,
)
from app.resolutions.recommendations import Draft
from app.textdiff import word_diff

SIMILAR_FROM = 5  # characters of a title before the look-alikes are looked for while she types


def open_as(session: Session, principal: Principal, rec_id: int) -> tuple[ForumRole, Recommendation]:
    """The recommendation and her role in its forum (404 when it is not open to her)."""
    role = forum_for(session, principal, recs.forum_of(session, rec_id))
    return role, recs.get(session, role, rec_id)


# Writing ----------------------------------------------------------------------------------------------------


@dataclass
class WritePage:
    """The form to write a recommendation, as the page shows it."""

    role: ForumRole  # in the forum it goes to
    draft: Draft
    forums: list[Forum] = field(default_factory=list)  # from a post: the forums it may go to
    post: Post | None = None
    author_name: str = ""  # from someone else's post: hers (a trainer suggests it)
    similar: list[Recommendation] = field(default_factory=list)
    checked: bool = False  # the look-alikes were shown
    credit_public: bool = False


@dataclass(frozen=True)
class NoForum:
    """No forum open for new recommendations takes this post."""

    thread: Thread


@dataclass(frozen=True)
class Written:
    rec: Recommendation | None  # None: not saved yet, the look-alikes first (`page`)
    suggested: bool = False  # a trainer's suggestion, waiting for its author
    page: WritePage | None = None


def write_page(session: Session, principal: Principal, *, forum_id: int) -> WritePage:
    role = forum_for(session, principal, forum_id)
    return WritePage(role, Draft("", "", "other", "government"))


def _look_alikes(session: Session, page: WritePage, *, checked: bool) -> WritePage | None:
    """The form again with the look-alikes to consider, unless she has seen them or there are none."""
    recs.check(page.draft)
    if checked:
        return None
    similar = recs.similar(session, page.role.forum.id, title=page.draft.title, text=page.draft.text)
    if not similar:
        return None
    page.similar, page.checked = similar, True
    return page


def write(
    session: Session,
    principal: Principal,
    *,
    forum_id: int,
    draft: Draft,
    credit_public: bool,
    checked: bool,
    locale: str,
) -> Written:
    """Her recommendation, saved; or, the first time, the look-alikes to consider before saving."""
    page = write_page(session, principal, forum_id=forum_id)
    page.draft, page.credit_public = draft, credit_public
    again = _look_alikes(session, page, checked=checked)
    if again is not None:
        return Written(None, page=again)
    return Written(recs.create(session, page.role, draft, locale=locale, credit_public=credit_public))


def similar_to(
    session: Session, principal: Principal, *, forum_id: int, title: str, text: str
) -> list[Recommendation]:
    """While she types: the look-alikes of what she has written so far."""
    role = forum_for(session, principal, forum_id)
    if len(title) < SIMILAR_FROM:
        return []
    return recs.similar(session, role.forum.id, title=title, text=text)


def _post_forums(session: Session, principal: Principal, post: Post, thread: Thread) -> list[ForumRole]:
    """Accepting forums this post can go to: those of the post's cohort (for a cohort thread) or of its
    author's cohort in the thread's course, where she (the author) or a reviewer (a trainer) may act."""
    if thread.cohort_id is not None:
        cohort_ids = [thread.cohort_id]
    else:
        cohort_ids = list(
            session.scalars(
                sa.select(Enrolment.cohort_id).where(
                    Enrolment.user_id == post.author_id,
                    Enrolment.course_id == thread.course_id,
                    Enrolment.status == "active",
                    Enrolment.cohort_id.is_not(None),
                )
            )
        )
    in_cohorts = sa.select(ForumCohort.forum_id).where(ForumCohort.cohort_id.in_(cohort_ids))
    forums = session.scalars(
        sa.select(Forum)
        .where(Forum.id.in_(in_cohorts), Forum.accepting.is_(True))
        .order_by(Forum.held_on.desc(), Forum.id)
    ).all()
    roles = [role_in(session, principal, forum) for forum in forums]
    if post.author_id == principal.user_id:
        return [role for role in roles if role.participant or role.staff]
    return [role for role in roles if role.can_review]


@dataclass(frozen=True)
class _Spark:
    post: Post
    thread: Thread
    author: User
    roles: list[ForumRole]


def _spark(session: Session, principal: Principal, post_id: int) -> _Spark:
    viewer = viewer_for(session, principal)
    post, thread = discussions.get_post(session, viewer, post_id)
    author = session.get(User, post.author_id) if post.author_id is not None else None
    if post.status != "visible" or author is None:
        raise PostNotFound()
    return _Spark(post, thread, author, _post_forums(session, principal, post, thread))


def _from_post(spark: _Spark, principal: Principal, role: ForumRole, draft: Draft) -> WritePage:
    theirs = spark.author.id != principal.user_id
    return WritePage(
        role,
        draft,
        forums=[r.forum for r in spark.roles],
        post=spark.post,
        author_name=spark.author.display_name if theirs else "",
    )


def post_page(
    session: Session, principal: Principal, *, post_id: int, forum: str = ""
) -> WritePage | NoForum:
    """The form to make a post a recommendation (hers, or, for a trainer, someone's), in the forum
    chosen (`forum`, an id as the form sends it) or the first it may go to."""
    spark = _spark(session, principal, post_id)
    if not spark.roles:
        return NoForum(spark.thread)
    role = next((r for r in spark.roles if str(r.forum.id) == forum), spark.roles[0])
    draft = Draft(
        spark.thread.title[: recs.TITLE_MAX], spark.post.body_md[: recs.TEXT_MAX], "other", "government"
    )
    return _from_post(spark, principal, role, draft)


def write_from_post(
    session: Session,
    principal: Principal,
    *,
    post_id: int,
    forum: str,
    draft: Draft,
    credit_public: bool,
    checked: bool,
    locale: str,
) -> Written:
    """Her post as her recommendation; someone else's, for a trainer, as a suggestion to its author."""
    spark = _spark(session, principal, post_id)
    chosen = [r for r in spark.roles if str(r.forum.id) == forum]
    role = chosen[0] if chosen else spark.roles[0] if len(spark.roles) == 1 else None
    if role is None:
        raise NotFound()
    page = _from_post(spark, principal, role, draft)
    page.credit_public = credit_public
    again = _look_alikes(session, page, checked=checked)
    if again is not None:
        return Written(None, page=again)
    if spark.author.id == principal.user_id:
        rec = recs.create(
            session,
            role,
            draft,
            locale=locale,
            credit_public=credit_public,
            post=spark.post,
            thread=spark.thread,
        )
        return Written(rec)
    rec = recs.suggest(session, role, draft, post=spark.post, thread=spark.thread, author=spark.author)
    return Written(rec, suggested=True)


# A recommendation's page ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SinceEndorsed:
    """She endorsed an earlier version: which, and what changed since (word diffs, escaped HTML)."""

    number: int
    title_html: str
    text_html: str


@dataclass(frozen=True)
class RecommendationPage:
    role: ForumRole
    rec: Recommendation
    names: dict[int, str]  # the people in its history, by id
    sources: list[tuple[Post, Thread]]  # the posts it comes from that she may read
    merged_into: Recommendation | None
    merged_from: list[Recommendation]
    merge_targets: list[Recommendation]  # for a reviewer: the live ones it could be merged into
    endorsed: bool  # she endorses the current version
    since_endorsed: SinceEndorsed | None  # she endorsed an earlier one: her endorsement waits for her
    my_cohorts: list[tuple[int, str]]  # learning in several of the forum's cohorts: hers, to choose from
    conflicted: bool  # a reviewer who wrote, suggested or endorsed it: another trainer answers it
    used: int  # her endorsements counted against the cap
    endorsers: list[tuple[str, bool]]  # for the staff only: name, and whether of the current version
    events: list[RecommendationEvent]
    versions: list[RecommendationVersion]
    amendments: list[Amendment]


def _sources(session: Session, principal: Principal, rec: Recommendation) -> list[tuple[Post, Thread]]:
    viewer = viewer_for(session, principal)
    rows = session.execute(
        sa.select(Post, Thread)
        .join(RecommendationSource, RecommendationSource.post_id == Post.id)
        .join(Thread, Thread.id == Post.thread_id)
        .where(RecommendationSource.recommendation_id == rec.id)
        .order_by(Post.id)
    )
    return [(post, thread) for post, thread in rows if viewer.can_read(thread)]


def _names(session: Session, rec: Recommendation) -> dict[int, str]:
    people = {rec.author_id} | set(
        session.scalars(
            sa.select(RecommendationEvent.actor_id).where(RecommendationEvent.recommendation_id == rec.id)
        )
    )
    people |= set(
        session.scalars(sa.select(Amendment.proposer_id).where(Amendment.recommendation_id == rec.id))
    )
    return {
        row.id: row.display_name
        for row in session.execute(
            sa.select(User.id, User.display_name).where(User.id.in_([p for p in people if p is not None]))
        )
    }


def _merge_targets(session: Session, role: ForumRole, rec: Recommendation) -> list[Recommendation]:
    if not role.can_review:
        return []
    return list(
        session.scalars(
            sa.select(Recommendation)
            .where(
                Recommendation.forum_id == rec.forum_id,
                Recommendation.status.in_(recs.LIVE),
                Recommendation.id != rec.id,
            )
            .order_by(Recommendation.title)
        )
    )


def _since_endorsed(session: Session, rec: Recommendation, version: int | None) -> SinceEndorsed | None:
    if version is None or version == rec.version:
        return None
    then = session.scalars(
        sa.select(RecommendationVersion).where(
            RecommendationVersion.recommendation_id == rec.id, RecommendationVersion.number == version
        )
    ).one_or_none()
    if then is None:
        return SinceEndorsed(version, word_diff("", rec.title), word_diff("", rec.text))
    return SinceEndorsed(version, word_diff(then.title, rec.title), word_diff(then.text, rec.text))


def recommendation_page(session: Session, principal: Principal, *, rec_id: int) -> RecommendationPage:
    role, rec = open_as(session, principal, rec_id)
    version = recs.endorsed_version(session, rec, principal.user_id)
    return RecommendationPage(
        role=role,
        rec=rec,
        names=_names(session, rec),
        sources=_sources(session, principal, rec),
        merged_into=session.get(Recommendation, rec.merged_into_id) if rec.merged_into_id else None,
        merged_from=list(
            session.scalars(
                sa.select(Recommendation)
                .where(Recommendation.merged_into_id == rec.id)
                .order_by(Recommendation.id)
            )
        ),
        merge_targets=_merge_targets(session, role, rec),
        endorsed=version == rec.version,
        since_endorsed=_since_endorsed(session, rec, version),
        my_cohorts=cohort_names(session, role),
        conflicted=role.can_review and recs.has_interest(session, rec, principal.user_id),
        used=recs.used_endorsements(session, forum_id=rec.forum_id, user_id=principal.user_id),
        endorsers=recs.endorser_names(session, rec) if role.staff else [],
        events=list(
            session.scalars(
                sa.select(RecommendationEvent)
                .where(RecommendationEvent.recommendation_id == rec.id)
                .order_by(RecommendationEvent.id)
            )
        ),
        versions=list(
            session.scalars(
                sa.select(RecommendationVersion)
                .where(RecommendationVersion.recommendation_id == rec.id)
                .order_by(RecommendationVersion.number.desc())
            )
        ),
        amendments=list(
            session.scalars(
                sa.select(Amendment)
                .where(Amendment.recommendation_id == rec.id)
                .order_by(Amendment.id.desc())
            )
        ),
    )


def amendment_page(session: Session, principal: Principal, *, amendment_id: int) -> RecommendationPage:
    """The page of the recommendation an amendment is to."""
    amendment = session.get(Amendment, amendment_id)
    if amendment is None:
        raise RecommendationNotFound()
    return recommendation_page(session, principal, rec_id=amendment.recommendation_id)


def mark_read(session: Session, *, user_id: int, rec_id: int) -> None:
    """She opened the recommendation: the notifications that point to it are read (the page view's one
    write, on the side: state.database(request).write_aside)."""
    notifications.mark_link_read(session, user_id=user_id, link=f"/recommendations/{rec_id}")


# What she does on it ----------------------------------------------------------------------------------------


def endorse(
    session: Session, principal: Principal, *, rec_id: int, endorse: bool, cohort_id: int | None = None
) -> None:
    """Her endorsement given (within the forum's cap; counted for the cohort she chose), or withdrawn."""
    role, rec = open_as(session, principal, rec_id)
    if endorse:
        recs.endorse(session, role, rec, cohort_id=cohort_id)
    else:
        recs.withdraw(session, role, rec)


def choose_cohort(session: Session, principal: Principal, *, forum_id: int, cohort_id: int | None) -> None:
    """The cohort her endorsements in the forum count for, changed: those she gave move with it."""
    recs.choose_cohort(session, forum_for(session, principal, forum_id), cohort_id=cohort_id)


def answer_suggestion(
    session: Session, principal: Principal, *, rec_id: int, confirm: bool, credit_public: bool
) -> int:
    """The author confirms a trainer's suggestion (it opens for endorsement) or dismisses it (it is gone).
    Returns the forum's id."""
    role, rec = open_as(session, principal, rec_id)
    forum_id = rec.forum_id
    if confirm:
        recs.confirm(session, role, rec, credit_public=credit_public)
    else:
        recs.dismiss(session, role, rec)
    return forum_id


def revise(session: Session, principal: Principal, *, rec_id: int, draft: Draft, note: str) -> None:
    role, rec = open_as(session, principal, rec_id)
    recs.revise(session, role, rec, draft, note=note)


def propose(
    session: Session, principal: Principal, *, rec_id: int, title: str, text: str, note: str
) -> Amendment:
    """An amendment to someone else's recommendation, for its author to accept or reject."""
    role, rec = open_as(session, principal, rec_id)
    return recs.propose(session, role, rec, Draft(title, text, rec.theme, rec.addressee), note=note)


def decide(session: Session, principal: Principal, *, amendment_id: int, accept: bool, note: str) -> int:
    """The author's answer to an amendment. Returns the recommendation's id."""
    amendment = session.get(Amendment, amendment_id)
    if amendment is None:
        raise RecommendationNotFound()
    role, rec = open_as(session, principal, amendment.recommendation_id)
    recs.decide(session, role, amendment, accept=accept, note=note)
    return rec.id


def review(
    session: Session, principal: Principal, *, rec_id: int, decision: str, reason: str, note: str
) -> None:
    role, rec = open_as(session, principal, rec_id)
    recs.review(session, role, rec, decision=decision, reason=reason, note=note)


def merge(session: Session, principal: Principal, *, rec_id: int, into: int, note: str) -> int:
    """Merge the recommendation into another of its forum (by number). Returns the other's id."""
    role, rec = open_as(session, principal, rec_id)
    target = recs.get(session, role, into)
    recs.merge(session, role, [rec], target, note=note)
    return target.id
