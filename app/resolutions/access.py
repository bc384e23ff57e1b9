"""Who takes part in which forum, and as what.

A forum is made of cohorts. Their learners are its participants: they write and endorse
recommendations (an endorsement counts for the cohort she takes part with). The cohorts' trainers and
coordinators, the forum's creator and admins are its staff: they see endorsers' names, and, with the
capability for it, review and merge recommendations (trainers, coordinators) and draft, adopt and monitor
the resolution (coordinators). Nobody else sees a forum's recommendations; the published resolution is
public.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.learning.models import Cohort, CohortMember, Enrolment
from app.permissions import Capability
from app.principal import Principal
from app.resolutions.exceptions import ForumNotFound, NotForumStaff, NotManager
from app.resolutions.models import Forum, ForumCohort, ForumEndorser


@dataclass(frozen=True)
class ForumRole:
    forum: Forum
    user_id: int
    cohort_id: int | None  # the forum cohort her endorsements count for (one of `cohorts`)
    staff: bool
    can_review: bool
    can_manage: bool
    cohorts: tuple[int, ...] = ()  # every forum cohort she is an active learner in, first enrolled first
    chosen: bool = False  # she chose `cohort_id` (ForumEndorser); with one cohort, there is nothing to choose

    @property
    def participant(self) -> bool:
        return self.cohort_id is not None

    @property
    def must_choose(self) -> bool:
        """She learns in several of the forum's cohorts and has not said which her endorsements count for."""
        return len(self.cohorts) > 1 and not self.chosen

    @property
    def member(self) -> bool:
        return self.participant or self.staff


def cohorts_of(session: Session, forum_id: int) -> list[int]:
    return list(session.scalars(sa.select(ForumCohort.cohort_id).where(ForumCohort.forum_id == forum_id)))


def cohort_names(session: Session, role: ForumRole) -> list[tuple[int, str]]:
    """Her cohorts in the forum, as she may choose between them (empty with only one)."""
    if len(role.cohorts) < 2:
        return []
    names = dict(session.execute(sa.select(Cohort.id, Cohort.name).where(Cohort.id.in_(role.cohorts))).all())
    return [(cohort_id, names.get(cohort_id, "")) for cohort_id in role.cohorts]


def role_in(session: Session, principal: Principal, forum: Forum) -> ForumRole:
    cohorts = cohorts_of(session, forum.id)
    learner_in = tuple(
        cohort_id
        for cohort_id in session.scalars(
            sa.select(Enrolment.cohort_id)
            .where(
                Enrolment.user_id == principal.user_id,
                Enrolment.status == "active",
                Enrolment.cohort_id.in_(cohorts),
            )
            .order_by(Enrolment.enrolled_at, Enrolment.id)
        )
        if cohort_id is not None
    )
    choice = (
        session.scalar(
            sa.select(ForumEndorser.cohort_id).where(
                ForumEndorser.forum_id == forum.id, ForumEndorser.user_id == principal.user_id
            )
        )
        if len(learner_in) > 1
        else None
    )
    chosen = choice in learner_in
    admin = principal.can(Capability.SEE_ALL_COHORTS)
    staff = (
        admin
        or forum.created_by_id == principal.user_id
        or bool(
            session.scalar(
                sa.select(sa.func.count())
                .select_from(CohortMember)
                .where(CohortMember.user_id == principal.user_id, CohortMember.cohort_id.in_(cohorts))
            )
        )
    )
    return ForumRole(
        forum=forum,
        user_id=principal.user_id,
        cohort_id=choice if chosen else (learner_in[0] if learner_in else None),
        staff=staff,
        can_review=staff and principal.can(Capability.REVIEW_RECOMMENDATIONS),
        can_manage=staff and principal.can(Capability.MANAGE_FORUMS),
        cohorts=learner_in,
        chosen=chosen,
    )


def forum_for(session: Session, principal: Principal, forum_id: int, *, staff: bool = False) -> ForumRole:
    """The forum and her role in it; a forum she does not take part in is as if it did not exist."""
    forum = session.get(Forum, forum_id)
    if forum is None:
        raise ForumNotFound()
    role = role_in(session, principal, forum)
    if not role.member:
        raise ForumNotFound()
    if staff and not role.staff:
        raise NotForumStaff()
    return role


def manager_of(session: Session, principal: Principal, forum_id: int) -> ForumRole:
    """Her role in the forum, if she may draft, adopt and monitor its resolution."""
    role = forum_for(session, principal, forum_id, staff=True)
    if not role.can_manage:
        raise NotManager()
    return role


def forums_for(session: Session, principal: Principal) -> list[Forum]:
    """The forums she takes part in (as a learner of one of their cohorts, or as staff)."""
    statement = sa.select(Forum).order_by(Forum.held_on.desc(), Forum.id.desc())
    if not principal.can(Capability.SEE_ALL_COHORTS):
        learning = sa.select(Enrolment.cohort_id).where(
            Enrolment.user_id == principal.user_id, Enrolment.status == "active"
        )
        staffing = sa.select(CohortMember.cohort_id).where(CohortMember.user_id == principal.user_id)
        mine = sa.select(ForumCohort.forum_id).where(
            sa.or_(ForumCohort.cohort_id.in_(learning), ForumCohort.cohort_id.in_(staffing))
        )
        statement = statement.where(sa.or_(Forum.id.in_(mine), Forum.created_by_id == principal.user_id))
    return list(session.scalars(statement))


def text_in(texts: dict[str, str], locale: str) -> str:
    """A text in her language, else Russian, else English, else any."""
    for code in (locale, "ru", "en", "ky"):
        if texts.get(code):
            return texts[code]
    return next(iter(texts.values()), "")
