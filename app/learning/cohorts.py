"""Running cohorts: who may see and manage which, creating and editing them, invitation links, staff,
and moving or withdrawing learners. Every change a coordinator makes to a learner is audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.accounts.models import User
from app.config import LOCALES
from app.courses.models import Course, CourseTranslation, live
from app.db import utcnow
from app.errors import NotFound
from app.i18n import N_
from app.learning.exceptions import CohortInvalid, NotYourCohort
from app.learning.models import Cohort, CohortMember, Enrolment, Invite
from app.learning.service import CODE_ALPHABET, active_learners, enrol, make_room, new_code
from app.permissions import Capability
from app.principal import Principal
from app.security import hash_token, random_token

STAFF_ROLES = ("coordinator", "trainer")
CODE_LENGTHS = (6, 16)  # a code she chooses: long enough not to be guessed, short enough to dictate
CONFUSABLE = frozenset("O0I1L")  # read aloud or typed on a phone, these are taken for one another
MAX_PLACES = 10_000
CODE_TAKEN = N_("Another cohort has this code already. Choose another one.")

# Re-exported: callers name them as cohorts.X.
__all__ = ["CohortInvalid", "NotYourCohort"]


def cohorts_for(session: Session, principal: Principal) -> list[Cohort]:
    statement = sa.select(Cohort).where(Cohort.archived_at.is_(None)).order_by(Cohort.created_at.desc())
    if not principal.can(Capability.SEE_ALL_COHORTS):
        statement = statement.join(CohortMember, CohortMember.cohort_id == Cohort.id).where(
            CohortMember.user_id == principal.user_id
        )
    return list(session.scalars(statement))


def role_in(session: Session, principal: Principal, cohort: Cohort) -> str | None:
    """ "admin", "coordinator", "trainer", or None for someone outside the cohort's staff."""
    if principal.can(Capability.SEE_ALL_COHORTS):
        return "admin"
    member = session.get(CohortMember, (cohort.id, principal.user_id))
    return member.role if member else None


def cohort_for(
    session: Session, principal: Principal, cohort_id: int, *, manage: bool = False
) -> tuple[Cohort, str]:
    """The cohort and her role in it, if she is on its staff (and, to manage it, its coordinator)."""
    cohort = session.get(Cohort, cohort_id)
    if cohort is None or cohort.archived_at is not None:
        raise NotFound()
    role = role_in(session, principal, cohort)
    if role is None or (manage and role not in ("admin", "coordinator")):
        raise NotYourCohort()
    return cohort, role


def sees_emails(role: str) -> bool:
    return role in ("admin", "coordinator")


@dataclass
class CohortFields:
    name: str
    course_id: int
    starts_on: dt.date | None
    ends_on: dt.date | None
    max_learners: int | None = None  # None: no limit
    code: str = ""  # the enrolment code she chose, as she typed it ("": a generated one, or the same)


def create_cohort(session: Session, *, user: User, fields: CohortFields) -> Cohort:
    _check(session, fields)
    code = chosen_code(session, fields.code, cohort=None) if tidy_code(fields.code) else _unique_code(session)
    cohort = Cohort(
        course_id=fields.course_id, name=fields.name, starts_on=fields.starts_on, ends_on=fields.ends_on,
        max_learners=fields.max_learners, enrolment_code=code,
    )  # fmt: skip
    session.add(cohort)
    _flush_code(session)
    session.add(CohortMember(cohort_id=cohort.id, user_id=user.id, role="coordinator"))
    session.flush()
    accounts_service.record(
        session, actor=user, action="cohort.create", detail=f"cohort {cohort.id}: {cohort.name}"
    )
    return cohort


def update_cohort(session: Session, cohort: Cohort, *, fields: CohortFields) -> None:
    _check(session, fields)
    if fields.course_id != cohort.course_id and session.scalar(
        sa.select(sa.func.count()).select_from(Enrolment).where(Enrolment.cohort_id == cohort.id)
    ):
        raise CohortInvalid(N_("The course of a cohort that has learners cannot change."), field="course_id")
    code = tidy_code(fields.code)
    if code and code != cohort.enrolment_code.upper():  # the same code (even an old, unreadable one) stays
        cohort.enrolment_code = chosen_code(session, code, cohort=cohort)
    cohort.name, cohort.course_id = fields.name, fields.course_id
    cohort.starts_on, cohort.ends_on = fields.starts_on, fields.ends_on
    # A limit below the learners already in is kept (nobody is removed): nobody new joins until a place
    # frees up, as in Moodle.
    cohort.max_learners = fields.max_learners
    _flush_code(session)


def _check(session: Session, fields: CohortFields) -> None:
    if session.get(Course, fields.course_id) is None:
        raise CohortInvalid(N_("Choose a course from the list."), field="course_id")
    if fields.starts_on and fields.ends_on and fields.ends_on < fields.starts_on:
        raise CohortInvalid(N_("The end date comes before the start date."), field="ends_on")
    if fields.max_learners is not None and not 1 <= fields.max_learners <= MAX_PLACES:
        raise CohortInvalid(
            N_("Write how many learners may join, from 1 to 10,000, or leave it empty for no limit."),
            field="max_learners",
        )


def _flush_code(session: Session) -> None:
    """Write the cohort; a code another cohort took a moment ago is refused beside its field."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise CohortInvalid(CODE_TAKEN, field="code") from None


def tidy_code(raw: str) -> str:
    """A code as she typed it, without spaces or hyphens, in capitals ("batken 26" -> "BATKEN26")."""
    return "".join(raw.split()).replace("-", "").upper()


def chosen_code(session: Session, raw: str, *, cohort: Cohort | None) -> str:
    """The code she chose, tidied, if it is easy to read and to type and no other cohort has it (in any
    case); else CohortInvalid beside the field. Letters and digits of the generated codes' alphabet only:
    no O, 0, I, 1 or L, which are taken for one another."""
    code = tidy_code(raw)
    low, high = CODE_LENGTHS
    if not low <= len(code) <= high:
        raise CohortInvalid(
            N_("An enrolment code has %(min)s to %(max)s letters and digits."),
            field="code",
            min=low,
            max=high,
        )
    if CONFUSABLE & set(code):
        raise CohortInvalid(
            N_("Leave out the letters O, I and L and the digits 0 and 1: they are easily confused."),
            field="code",
        )
    if any(char not in CODE_ALPHABET for char in code):
        raise CohortInvalid(N_("Use only Latin letters and the digits 2 to 9."), field="code")
    others = sa.select(Cohort.id).where(sa.func.upper(Cohort.enrolment_code) == code)
    if cohort is not None:
        others = others.where(Cohort.id != cohort.id)
    if session.scalar(others.limit(1)) is not None:
        raise CohortInvalid(CODE_TAKEN, field="code")
    return code


def _unique_code(session: Session) -> str:
    while True:
        code = new_code()
        if session.scalar(sa.select(Cohort.id).where(Cohort.enrolment_code == code)) is None:
            return code


def new_enrolment_code(session: Session, cohort: Cohort) -> str:
    """A fresh code (the old one stops working at once, e.g. after it was shared too widely)."""
    cohort.enrolment_code = _unique_code(session)
    session.flush()
    return cohort.enrolment_code


def create_invite(session: Session, cohort: Cohort, *, days: int, max_uses: int) -> str:
    if not 1 <= days <= 365 or not 1 <= max_uses <= 10_000:
        raise CohortInvalid(
            N_("An invitation lasts 1 to 365 days and may be used 1 to 10,000 times."),
            field="days" if not 1 <= days <= 365 else "max_uses",
        )
    token = random_token()
    session.add(
        Invite(
            cohort_id=cohort.id,
            token_hash=hash_token(token),
            expires_at=utcnow() + dt.timedelta(days=days),
            max_uses=max_uses,
        )
    )
    session.flush()
    return token


def invites_of(session: Session, cohort: Cohort) -> list[Invite]:
    return list(
        session.scalars(
            sa.select(Invite)
            .where(Invite.cohort_id == cohort.id, Invite.revoked_at.is_(None))
            .order_by(Invite.created_at.desc())
        )
    )


def revoke_invite(session: Session, cohort: Cohort, invite_id: int) -> None:
    invite = session.get(Invite, invite_id)
    if invite is None or invite.cohort_id != cohort.id:
        raise NotFound()
    invite.revoked_at = utcnow()
    session.flush()


def staff_of(session: Session, cohort: Cohort) -> list[tuple[CohortMember, User]]:
    return [
        (member, user)
        for member, user in session.execute(
            sa.select(CohortMember, User)
            .join(User, User.id == CohortMember.user_id)
            .where(CohortMember.cohort_id == cohort.id)
            .order_by(CohortMember.added_at)
        )
    ]


def add_staff(session: Session, cohort: Cohort, *, actor: User, email: str, role: str) -> User:
    user = accounts_service.get_user_by_email(session, email)
    needed = {"trainer": "trainer", "coordinator": "coordinator"}.get(role)
    if needed is None:
        raise CohortInvalid(N_("Choose trainer or coordinator."), field="role")
    if user is None or not ({needed, "admin"} & user.role_names):
        raise CohortInvalid(
            N_("No one with this email has that role. An administrator can grant it first."), field="email"
        )
    member = session.get(CohortMember, (cohort.id, user.id))
    if member is None:
        session.add(CohortMember(cohort_id=cohort.id, user_id=user.id, role=role))
    else:
        member.role = role
    session.flush()
    accounts_service.record(
        session, actor=actor, action="cohort.staff_add", target=user, detail=f"{cohort.id}:{role}"
    )
    return user


def learner_enrolment(session: Session, cohort: Cohort, user_id: int) -> Enrolment:
    found = session.scalars(
        sa.select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.user_id == user_id)
    ).one_or_none()
    if found is None:
        raise NotFound()
    return found


def withdraw_learner(session: Session, cohort: Cohort, *, actor: User, user_id: int) -> None:
    enrolment = learner_enrolment(session, cohort, user_id)
    enrolment.status, enrolment.withdrawn_at = "withdrawn", utcnow()
    session.flush()
    accounts_service.record(
        session,
        actor=actor,
        action="cohort.withdraw",
        target=session.get(User, user_id),
        detail=str(cohort.id),
    )


def move_learner(session: Session, cohort: Cohort, target: Cohort, *, actor: User, user_id: int) -> None:
    if target.course_id != cohort.course_id:
        raise CohortInvalid(N_("A learner can move only to a cohort of the same course."), field="target")
    enrolment = learner_enrolment(session, cohort, user_id)
    if target.id != cohort.id:
        make_room(session, target)  # a cohort full for those who join is full for those moved in too
    enrolment.cohort_id = target.id
    enrolment.status, enrolment.withdrawn_at = "active", None
    session.flush()
    accounts_service.record(
        session,
        actor=actor,
        action="cohort.move",
        target=session.get(User, user_id),
        detail=f"{cohort.id}->{target.id}",
    )


def enrol_learner(
    session: Session, cohort: Cohort, user: User, *, counted: bool = False
) -> tuple[Enrolment, bool]:
    """Put an account in the cohort; (enrolment, whether she was already in it). `counted`: the caller
    has made room for her already (service.make_room)."""
    course = session.get(Course, cohort.course_id)
    assert course is not None
    existing = session.scalars(
        sa.select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    ).one_or_none()
    already = existing is not None and existing.cohort_id == cohort.id and existing.status == "active"
    return enrol(session, user_id=user.id, course=course, cohort=cohort, counted=counted), already


# What the coordinators' pages do ----------------------------------------------------------------------------


def course_choices(session: Session, *, locale: str) -> list[tuple[int, str]]:
    """Every live course as (id, title in her language, else Russian, else any), for a cohort's form."""
    return [(course_id, _title(names, locale)) for course_id, names in _course_titles(session).items()]


def _course_titles(session: Session) -> dict[int, dict[str, str]]:
    rows = session.execute(
        sa.select(Course.id, CourseTranslation.locale, CourseTranslation.title)
        .join(CourseTranslation, CourseTranslation.course_id == Course.id)
        .where(live(Course))
        .order_by(Course.id)
    ).all()
    titles: dict[int, dict[str, str]] = {}
    for course_id, row_locale, title in rows:
        titles.setdefault(course_id, {})[row_locale] = title
    return titles


def _title(names: dict[str, str], locale: str) -> str:
    return names.get(locale) or names.get("ru") or next(iter(names.values()))


def course_titles(session: Session, *, course_id: int) -> dict[str, str]:
    """The course's title in each of our languages (for mail to learners in theirs)."""
    names = _course_titles(session).get(course_id)
    return {locale: _title(names, locale) if names else "" for locale in LOCALES}


def managed(session: Session, principal: Principal, cohort_id: int) -> Cohort:
    """A cohort she coordinates (or any, for an administrator)."""
    cohort, _role = cohort_for(session, principal, cohort_id, manage=True)
    return cohort


@dataclass(frozen=True)
class CohortSettings:
    cohort: Cohort
    courses: list[tuple[int, str]]
    invites: list[Invite]
    staff: list[tuple[CohortMember, User]]
    learners: int  # active now: the places taken


def settings_of(session: Session, *, principal: Principal, cohort_id: int, locale: str) -> CohortSettings:
    """What the cohort's settings page shows: its fields, its invitation links, its staff."""
    cohort = managed(session, principal, cohort_id)
    return CohortSettings(
        cohort,
        course_choices(session, locale=locale),
        invites_of(session, cohort),
        staff_of(session, cohort),
        active_learners(session, cohort),
    )


def create(session: Session, *, principal: Principal, fields: CohortFields) -> Cohort:
    """A new cohort, with her as its coordinator."""
    return create_cohort(session, user=accounts_service.user_of(session, principal), fields=fields)


def update(session: Session, *, principal: Principal, cohort_id: int, fields: CohortFields) -> Cohort:
    cohort = managed(session, principal, cohort_id)
    update_cohort(session, cohort, fields=fields)
    return cohort


def renew_code(session: Session, *, principal: Principal, cohort_id: int) -> str:
    return new_enrolment_code(session, managed(session, principal, cohort_id))


def invite(session: Session, *, principal: Principal, cohort_id: int, days: int, max_uses: int) -> str:
    """A new invitation link's token (shown once: only its hash is kept)."""
    return create_invite(session, managed(session, principal, cohort_id), days=days, max_uses=max_uses)


def stop_invite(session: Session, *, principal: Principal, cohort_id: int, invite_id: int) -> None:
    revoke_invite(session, managed(session, principal, cohort_id), invite_id)


def add_to_staff(session: Session, *, principal: Principal, cohort_id: int, email: str, role: str) -> User:
    cohort = managed(session, principal, cohort_id)
    return add_staff(
        session, cohort, actor=accounts_service.user_of(session, principal), email=email, role=role
    )


def withdraw(session: Session, *, principal: Principal, cohort_id: int, user_id: int) -> None:
    cohort = managed(session, principal, cohort_id)
    withdraw_learner(session, cohort, actor=accounts_service.user_of(session, principal), user_id=user_id)


def move(session: Session, *, principal: Principal, cohort_id: int, user_id: int, target_id: int) -> Cohort:
    """Move a learner to another cohort of the same course that she also coordinates; that cohort."""
    cohort = managed(session, principal, cohort_id)
    target = managed(session, principal, target_id)
    move_learner(session, cohort, target, actor=accounts_service.user_of(session, principal), user_id=user_id)
    return target
