"""A learner's own use of the academy, page by page and for the API: the catalogue with her enrolments,
a course and her place in it, "my learning", enrolling and leaving, joining a cohort by its code or an
invitation link, and her progress as the phone app reads it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.courses import service as courses_service
from app.courses.models import Course
from app.courses.service import CourseOutline
from app.learning import certificates, service
from app.learning.exceptions import InvalidCode, InvalidInvite, NotEnrolled, UnknownCode
from app.learning.models import Certificate, Cohort, Enrolment, Invite, LessonProgress
from app.learning.service import Access, CourseProgress

# Catalogue and course -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    courses: list[CourseOutline]
    enrolled: set[int]  # the ids of the courses she is enrolled in


def catalogue(
    session: Session, *, user_id: int | None, locale: str, topic: str | None, language: str | None
) -> Catalogue:
    courses = courses_service.catalogue(session, locale=locale, topic=topic, language=language)
    enrolled = (
        {row.course_id for row in service.enrolments_of(session, user_id=user_id)} if user_id else set()
    )
    return Catalogue(courses, enrolled)


@dataclass(frozen=True)
class CoursePage:
    course: CourseOutline
    access: Access
    progress: dict[int, LessonProgress]
    summary: CourseProgress
    completed: bool


def course_page(
    session: Session, *, user_id: int | None, slug: str, locale: str, today: dt.date
) -> CoursePage:
    outline = courses_service.outline(session, slug=slug, locale=locale)
    access = service.access(session, user_id=user_id, course_id=outline.id, today=today)
    progress = (
        service.progress_of(session, user_id=user_id, course_id=outline.id)
        if user_id and access.enrolment
        else {}
    )
    completed = bool(access.enrolment and access.enrolment.completed_at)
    return CoursePage(outline, access, progress, service.summarise(outline, progress), completed)


# Enrolling, leaving, joining ------------------------------------------------------------------------------


def enrol_by_slug(session: Session, *, user_id: int, slug: str) -> Enrolment:
    """Enrol in an open course (EnrolmentClosed for a course open only to cohorts)."""
    return service.enrol(session, user_id=user_id, course=service.live_course(session, slug))


def withdraw_by_slug(session: Session, *, user_id: int, slug: str) -> None:
    service.withdraw(session, user_id=user_id, course_id=service.live_course(session, slug).id)


def _slug_of(session: Session, course_id: int) -> str | None:
    course = session.get(Course, course_id)
    return course.slug if course else None


def join_by_code(session: Session, *, user_id: int, code: str) -> str | None:
    """Join the cohort whose code she typed; the slug of its course. A code that names no cohort is
    refused beside the field she typed it in (UnknownCode)."""
    try:
        joined = service.join_with_code(session, user_id=user_id, code=code)
    except InvalidCode:
        raise UnknownCode() from None
    return _slug_of(session, joined.course_id)


def join_by_invite(session: Session, *, user_id: int, token: str) -> str | None:
    """Join the cohort an invitation link is for; the slug of its course."""
    joined = service.join_with_invite(session, user_id=user_id, token=token)
    return _slug_of(session, joined.course_id)


@dataclass(frozen=True)
class Invitation:
    invite: Invite
    cohort: Cohort
    course: CourseOutline
    full: bool = False  # every place of the cohort is taken: the link cannot be used now


def invitation(session: Session, *, token: str, locale: str) -> Invitation:
    """What an invitation link offers (InvalidInvite when it has expired or been used up)."""
    invite = service.invite_by_token(session, token=token)
    cohort = session.get(Cohort, invite.cohort_id)
    if cohort is None:
        raise InvalidInvite()
    course = courses_service.outlines_by_id(session, [cohort.course_id], locale=locale).get(cohort.course_id)
    if course is None:
        raise InvalidInvite()
    return Invitation(invite, cohort, course, service.places_left(session, cohort) == 0)


# My learning ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MyCourse:
    enrolment: Enrolment
    course: CourseOutline
    cohort: Cohort | None
    summary: CourseProgress


def my_courses(session: Session, *, user_id: int, locale: str, only: int | None = None) -> list[MyCourse]:
    """Her active enrolments (or only the one in course `only`), newest first, with her progress."""
    enrolments = [
        (row, cohort)
        for row, cohort in service.enrolments_with_cohorts(session, user_id=user_id)
        if only is None or row.course_id == only
    ]
    outlines = courses_service.outlines_by_id(
        session, [row.course_id for row, _cohort in enrolments], locale=locale
    )
    progress = service.statuses_by_course(session, user_id=user_id)
    return [
        MyCourse(
            enrolment=row,
            course=outlines[row.course_id],
            cohort=cohort,
            summary=service.summarise(outlines[row.course_id], progress.get(row.course_id, {})),
        )
        for row, cohort in enrolments
        if row.course_id in outlines
    ]


@dataclass(frozen=True)
class MyLearning:
    courses: list[MyCourse]
    certificates: list[Certificate]

    @property
    def issued(self) -> dict[int, Certificate]:
        """Course id -> her certificate of it (revoked ones are not)."""
        return {row.course_id: row for row in self.certificates if not row.revoked_at}


@dataclass(frozen=True)
class Home:
    """The home page: the courses, and for a learner her own with where she stopped."""

    courses: list[CourseOutline]
    mine: list[MyCourse]
    issued: dict[int, Certificate]  # course id -> her certificate of it


def home(session: Session, *, user_id: int | None, locale: str) -> Home:
    courses = courses_service.catalogue(session, locale=locale)
    if user_id is None:
        return Home(courses, [], {})
    mine = my_learning(session, user_id=user_id, locale=locale)
    return Home(courses, mine.courses, mine.issued)


def my_learning(session: Session, *, user_id: int, locale: str) -> MyLearning:
    return MyLearning(
        my_courses(session, user_id=user_id, locale=locale), certificates.of_user(session, user_id=user_id)
    )


@dataclass(frozen=True)
class CourseStanding:
    """Her progress in one course, lesson by lesson (the API's /me/progress)."""

    course: CourseOutline
    progress: dict[int, LessonProgress]
    summary: CourseProgress


def standing(session: Session, *, user_id: int, slug: str, locale: str) -> CourseStanding:
    outline = courses_service.outline(session, slug=slug, locale=locale)
    if service.enrolment(session, user_id=user_id, course_id=outline.id) is None:
        raise NotEnrolled()
    progress = service.progress_of(session, user_id=user_id, course_id=outline.id)
    return CourseStanding(outline, progress, service.summarise(outline, progress))
