"""The JSON API under /api/v1, for a future phone app and for offline sync.

Sign in with POST /api/v1/tokens (email and password) and send `Authorization: Bearer <token>`.
Progress is sent as events with the client's own ids: an event sent twice is stored once, and each
event in a batch is answered on its own (accepted, duplicate, or rejected and why).
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from app.accounts import ratelimit, twofactor
from app.accounts import service as accounts_service
from app.courses import service as courses_service
from app.courses.service import CourseOutline
from app.db import get_session, read
from app.forms import Invalid, clean_line
from app.i18n import get_locale
from app.learning import learner, progress
from app.learning import service as learning_service
from app.learning.exceptions import BadCredentials
from app.learning.progress import ProgressIn
from app.learning.schemas import (
    CourseOut,
    CourseProgressOut,
    CourseSummaryOut,
    EnrolmentOut,
    EnrolmentRequest,
    EventResult,
    LessonOut,
    LessonProgressOut,
    ModuleOut,
    ProgressOut,
    ProgressRequest,
    ProgressResponse,
    TokenOut,
    TokenRequest,
)
from app.routing import Router
from app.web.access import Learner
from app.web.openapi import errors_documented
from app.web.pages import today

router = Router(prefix="/api/v1", tags=["learning"])


def _summary(outline: CourseOutline) -> CourseSummaryOut:
    return CourseSummaryOut(
        slug=outline.slug,
        title=outline.title,
        summary=outline.summary,
        estimated_hours=outline.hours,
        topics=outline.topics,
        languages=outline.languages,
        open_enrolment=outline.open_enrolment,
        modules=len(outline.modules),
    )


def _progress(summary: learning_service.CourseProgress) -> ProgressOut:
    return ProgressOut(
        completed_lessons=summary.completed, total_lessons=summary.total, percent=summary.percent
    )


async def token_request(body: TokenRequest) -> TokenRequest:
    """The token request's body, as a dependency too: its rate limit (per account) reads the email."""
    return body


def _requested_email(_request: Request, values: dict[str, Any]) -> str:
    return clean_line(values.get("email"), 254).lower()


@router.post(
    "/tokens",
    response_model=TokenOut,
    status_code=201,
    summary="Exchange email and password for a token",
    responses=errors_documented(401),
)
def create_token(
    request: Request,
    body: TokenRequest = Depends(token_request),
    _address: Invalid | None = ratelimit.limited(ratelimit.LOGIN_PER_ADDRESS, by=ratelimit.address_of),
    _account: Invalid | None = ratelimit.limited(
        ratelimit.LOGIN_PER_ACCOUNT, by=_requested_email, form=Depends(token_request)
    ),
    session: Session = Depends(get_session),
) -> TokenOut:
    email = clean_line(body.email, 254).lower()
    settings = request.app.state.settings
    user = accounts_service.authenticate(session, settings=settings, email=email, password=body.password)
    if user is None:
        raise BadCredentials()
    if twofactor.enabled(session, user.id) and not twofactor.verify(
        session, settings=settings, user_id=user.id, code=body.code
    ):
        raise BadCredentials()  # the same answer as a wrong password: nothing to learn from it
    row, token = accounts_service.create_api_token(session, user=user, name=clean_line(body.name, 80))
    return TokenOut(token=token, expires_at=row.expires_at)


@router.get("/courses", response_model=list[CourseSummaryOut], summary="The catalogue")
def list_courses(session: Session = Depends(get_session)) -> list[CourseSummaryOut]:
    return [_summary(outline) for outline in courses_service.catalogue(session, locale=get_locale())]


@router.get(
    "/courses/{slug}",
    response_model=CourseOut,
    summary="A course with its modules and lessons",
    responses=errors_documented(404),
)
def get_course(slug: str, session: Session = Depends(get_session)) -> CourseOut:
    outline = courses_service.outline(session, slug=slug, locale=get_locale())
    modules = [
        ModuleOut(
            slug=module.slug,
            title=module.title,
            summary=module.summary,
            lessons=[
                LessonOut(
                    id=f"{outline.slug}/{lesson.slug}",
                    kind=lesson.kind,
                    title=lesson.title,
                    summary=lesson.summary,
                    estimated_minutes=lesson.minutes,
                    required=lesson.required,
                )
                for lesson in module.lessons
            ],
        )
        for module in outline.modules
    ]
    return CourseOut(**_summary(outline).model_dump(), pass_mark=outline.pass_mark, outline=modules)


@router.post(
    "/enrolments",
    response_model=EnrolmentOut,
    status_code=201,
    summary="Enrol in a course or join a cohort",
    responses=errors_documented(404, 409),
)
def create_enrolment(
    body: EnrolmentRequest, principal: Learner, session: Session = Depends(get_session)
) -> EnrolmentOut:
    if body.code:
        enrolment = learning_service.join_with_code(session, user_id=principal.user_id, code=body.code)
    else:
        enrolment = learner.enrol_by_slug(session, user_id=principal.user_id, slug=body.course or "")
    return _enrolments(session, principal.user_id, only=enrolment.course_id)[0]


def _enrolments(session: Session, user_id: int, only: int | None = None) -> list[EnrolmentOut]:
    return [
        EnrolmentOut(
            course=mine.course.slug,
            title=mine.course.title,
            cohort=mine.cohort.name if mine.cohort else None,
            status="completed" if mine.enrolment.completed_at else mine.enrolment.status,
            enrolled_at=mine.enrolment.enrolled_at,
            completed_at=mine.enrolment.completed_at,
            progress=_progress(mine.summary),
        )
        for mine in learner.my_courses(session, user_id=user_id, locale=get_locale(), only=only)
    ]


# The phone's two reads: like the lesson page, through app.db.read (on the event loop for SQLite, saving
# the trip to a worker thread and back; in a turn of the worker threads for PostgreSQL), each statement
# its own snapshot (snapshot=False: no BEGIN or COMMIT).


@router.get("/me/enrolments", response_model=list[EnrolmentOut], summary="My enrolments with progress")
async def my_enrolments(request: Request, principal: Learner) -> list[EnrolmentOut]:
    return await read(request, lambda session: _enrolments(session, principal.user_id), snapshot=False)


@router.get(
    "/me/progress",
    response_model=CourseProgressOut,
    summary="My progress in one course",
    responses=errors_documented(404),
)
async def my_progress(request: Request, course: str, principal: Learner) -> CourseProgressOut:
    locale = get_locale()
    return await read(
        request, lambda session: _progress_out(session, principal.user_id, course, locale), snapshot=False
    )


def _progress_out(session: Session, user_id: int, course: str, locale: str) -> CourseProgressOut:
    found = learner.standing(session, user_id=user_id, slug=course, locale=locale)
    outline, rows = found.course, found.progress
    lessons = [
        LessonProgressOut(
            id=f"{outline.slug}/{lesson.slug}",
            status=rows[lesson.id].status if lesson.id in rows else "not_started",
            completed_at=rows[lesson.id].completed_at if lesson.id in rows else None,
            best_score=rows[lesson.id].best_score if lesson.id in rows else None,
        )
        for lesson in outline.lessons()
    ]
    return CourseProgressOut(course=outline.slug, **_progress(found.summary).model_dump(), lessons=lessons)


@router.post(
    "/progress", response_model=ProgressResponse, summary="Send progress events (resent ones count once)"
)
def send_progress(
    request: Request, body: ProgressRequest, principal: Learner, session: Session = Depends(get_session)
) -> ProgressResponse | JSONResponse:
    # Each event is answered on its own; the lesson page and its forms record through the same function.
    answers = progress.record_progress(
        session,
        user_id=principal.user_id,
        events=[
            ProgressIn(
                event.id,
                event.lesson,
                event.type,
                event.at,
                answers=event.answers,
                attempt=event.attempt,
                note=event.note,
            )
            for event in body.events
        ],
        today=today(request),
        locale=get_locale(),
    )
    return ProgressResponse(
        results=[
            EventResult(
                id=answer.id,
                status=answer.status,
                reason=answer.reason,
                score=answer.score,
                passed=answer.passed,
            )
            for answer in answers
        ]
    )
