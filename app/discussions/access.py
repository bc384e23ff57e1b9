"""Who may read, post in and moderate which threads: one place, used by pages, the API and the digest.

A `Viewer` is what one person's access rests on, loaded in three small queries: the courses she is
enrolled in (and with which cohort), the cohorts she is on the staff of, the courses she edits. Every
rule below is then plain Python over those sets, and `readable()` is the same rule as SQL, for lists.

- A cohort's threads: its learners (active enrolment in it) and its staff.
- A lesson's, module's or course's threads: everyone actively enrolled in the course, the course's
  editors, and the staff of its cohorts.
- Admins read everything. Moderating needs the moderate capability and staff standing in the place:
  the cohort's staff for a cohort thread, the course's editors or its cohorts' staff for the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.authoring.models import CourseStaff
from app.discussions.models import Thread
from app.learning.models import Cohort, CohortMember, Enrolment
from app.permissions import Capability
from app.principal import Principal


class Located(Protocol):
    """A thread, or the place a thread is about to be started in."""

    @property
    def scope(self) -> str: ...
    @property
    def course_id(self) -> int | None: ...
    @property
    def cohort_id(self) -> int | None: ...


@dataclass(frozen=True)
class Viewer:
    user_id: int
    admin: bool
    moderator: bool  # holds the capability; where she may use it depends on her staff standing
    can_post: bool
    enrolments: dict[int, int | None]  # course id -> the cohort she takes it with (None: alone)
    staff_cohorts: dict[int, str]  # cohort id -> her role in it (trainer, coordinator)
    staff_courses: frozenset[int]  # courses she edits, or whose cohorts she is staff of

    @property
    def learner_cohorts(self) -> frozenset[int]:
        return frozenset(cohort for cohort in self.enrolments.values() if cohort is not None)

    @property
    def cohorts(self) -> frozenset[int]:
        return self.learner_cohorts | frozenset(self.staff_cohorts)

    @property
    def courses(self) -> frozenset[int]:
        return frozenset(self.enrolments) | self.staff_courses

    def can_read(self, thread: Located) -> bool:
        if self.admin:
            return True
        if thread.scope == "cohort":
            return thread.cohort_id in self.cohorts
        return thread.course_id in self.courses

    def moderates(self, thread: Located) -> bool:
        if self.admin:
            return True
        if not self.moderator:
            return False
        if thread.scope == "cohort":
            return thread.cohort_id in self.staff_cohorts
        return thread.course_id in self.staff_courses

    def moderates_cohort(self, cohort_id: int) -> bool:
        return self.admin or (self.moderator and cohort_id in self.staff_cohorts)

    def readable(self) -> sa.ColumnElement[bool]:
        """The threads she may read, as a WHERE clause."""
        if self.admin:
            return sa.true()
        return sa.or_(
            sa.and_(Thread.scope == "cohort", Thread.cohort_id.in_(sorted(self.cohorts))),
            sa.and_(Thread.scope != "cohort", Thread.course_id.in_(sorted(self.courses))),
        )

    def moderated(self) -> sa.ColumnElement[bool]:
        """The threads she moderates, as a WHERE clause."""
        if self.admin:
            return sa.true()
        if not self.moderator:
            return sa.false()
        return sa.or_(
            sa.and_(Thread.scope == "cohort", Thread.cohort_id.in_(sorted(self.staff_cohorts))),
            sa.and_(Thread.scope != "cohort", Thread.course_id.in_(sorted(self.staff_courses))),
        )


def viewer_for(session: Session, principal: Principal) -> Viewer:
    return load_viewer(
        session,
        user_id=principal.user_id,
        admin=principal.can(Capability.SEE_ALL_COHORTS),
        moderator=principal.can(Capability.MODERATE),
        can_post=principal.can(Capability.DISCUSS),
    )


def load_viewer(session: Session, *, user_id: int, admin: bool, moderator: bool, can_post: bool) -> Viewer:
    enrolments: dict[int, int | None] = {
        row.course_id: row.cohort_id
        for row in session.execute(
            sa.select(Enrolment.course_id, Enrolment.cohort_id).where(
                Enrolment.user_id == user_id, Enrolment.status == "active"
            )
        )
    }
    staff = session.execute(
        sa.select(CohortMember.cohort_id, CohortMember.role, Cohort.course_id)
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .where(CohortMember.user_id == user_id, Cohort.archived_at.is_(None))
    ).all()
    edited = session.scalars(sa.select(CourseStaff.course_id).where(CourseStaff.user_id == user_id)).all()
    return Viewer(
        user_id=user_id,
        admin=admin,
        moderator=moderator,
        can_post=can_post,
        enrolments=enrolments,
        staff_cohorts={cohort_id: role for cohort_id, role, _course in staff},
        staff_courses=frozenset(edited) | frozenset(course for _c, _r, course in staff),
    )
