"""The JSON API under /api/v1, for a future phone app and for offline sync.

Sign in with POST /api/v1/tokens (email and password) and send `Authorization: Bearer <token>`.
Progress is sent as events with the client's own ids: an event sent twice is stored once, and each
event in a batch is answered on its own (accepted, duplicate, or rejected and why).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlalchemy.orm import Session

from app.accounts import ratelimit
from app.accounts import service as accounts_service
from app.courses import service as courses_service
from app.courses.models import Course, live
from app.courses.service import CourseOutline
from app.db import get_session
from app.errors import DomainError
from app.forms import Invalid, clean_line
from app.i18n import N_, get_locale, gettext
from app.learning import service as learning_service
from app.learning.models import Cohort
from app.permissions import Capability
from app.principal import Principal
from app.routing import Route
from app.web.access import require
from app.web.pages import today

router = APIRouter(prefix="/api/v1", tags=["learning"], route_class=Route)

MAX_EVENTS = 500
EventId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{1,64}$")]


class BadCredentials(DomainError):
    status_code = 401
    message = N_("The email or the password is wrong.")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TokenRequest(Strict):
    email: Annotated[str, StringConstraints(max_length=254)]
    password: Annotated[str, StringConstraints(max_length=1024)]
    name: Annotated[str, StringConstraints(max_length=80)] = ""


class TokenOut(BaseModel):
    token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: dt.datetime


class LessonOut(BaseModel):
    id: str = Field(description="Stable: '<course slug>/<lesson slug>'.")
    kind: str
    title: str
    summary: str
    estimated_minutes: int
    required: bool


class ModuleOut(BaseModel):
    slug: str
    title: str
    summary: str
    lessons: list[LessonOut]


class CourseSummaryOut(BaseModel):
    slug: str
    title: str
    summary: str
    estimated_hours: float
    topics: list[str]
    languages: dict[str, str]
    open_enrolment: bool
    modules: int


class CourseOut(CourseSummaryOut):
    pass_mark: int
    outline: list[ModuleOut]


class EnrolmentRequest(Strict):
    course: Annotated[str, StringConstraints(max_length=80)] | None = None
    code: Annotated[str, StringConstraints(max_length=20)] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> EnrolmentRequest:
        if bool(self.course) == bool(self.code):
            raise ValueError("give either course (a slug) or code (a cohort's enrolment code)")
        return self


class ProgressOut(BaseModel):
    completed_lessons: int
    total_lessons: int
    percent: int


class EnrolmentOut(BaseModel):
    course: str
    title: str
    cohort: str | None
    status: str
    enrolled_at: dt.datetime
    completed_at: dt.datetime | None
    progress: ProgressOut


class EventIn(Strict):
    id: EventId
    lesson: Annotated[str, StringConstraints(max_length=170)]
    type: Literal["viewed", "completed"]
    at: dt.datetime | None = None


class ProgressRequest(Strict):
    events: list[EventIn] = Field(max_length=MAX_EVENTS)


class EventResult(BaseModel):
    id: str
    status: Literal["accepted", "duplicate", "rejected"]
    reason: str | None = None


class ProgressResponse(BaseModel):
    results: list[EventResult]


class LessonProgressOut(BaseModel):
    id: str
    status: str
    completed_at: dt.datetime | None
    best_score: int | None


class CourseProgressOut(ProgressOut):
    course: str
    lessons: list[LessonProgressOut]


def _summary(outline: CourseOutline) -> CourseSummaryOut:
    return CourseSummaryOut(
        slug=outline.slug, title=outline.title, summary=outline.summary, estimated_hours=outline.hours,
        topics=outline.topics, languages=outline.languages, open_enrolment=outline.open_enrolment,
        modules=len(outline.modules),
    )  # fmt: skip


def _progress(outline: CourseOutline, summary: learning_service.CourseProgress) -> ProgressOut:
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
    row, token = accounts_service.create_api_token(session, user=user, name=clean_line(body.name, 80))
    return TokenOut(token=token, expires_at=row.expires_at)


@router.get("/courses", response_model=list[CourseSummaryOut], summary="The catalogue")
def list_courses(session: Session = Depends(get_session)) -> list[CourseSummaryOut]:
    return [_summary(outline) for outline in courses_service.catalogue(session, locale=get_locale())]


@router.get("/courses/{slug}", response_model=CourseOut, summary="A course with its modules and lessons")
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
                )  # fmt: skip
                for lesson in module.lessons
            ],
        )
        for module in outline.modules
    ]
    return CourseOut(**_summary(outline).model_dump(), pass_mark=outline.pass_mark, outline=modules)


@router.post(
    "/enrolments", response_model=EnrolmentOut, status_code=201, summary="Enrol in a course or join a cohort"
)
def create_enrolment(
    body: EnrolmentRequest,
    principal: Principal = Depends(require(Capability.LEARN)),
    session: Session = Depends(get_session),
) -> EnrolmentOut:
    if body.code:
        enrolment = learning_service.join_with_code(session, user_id=principal.user_id, code=body.code)
    else:
        course = session.scalars(
            sa.select(Course).where(Course.slug == body.course, live(Course))
        ).one_or_none()
        if course is None:
            raise courses_service.CourseNotFound()
        enrolment = learning_service.enrol(session, user_id=principal.user_id, course=course)
    session.commit()
    return _enrolments(session, principal, only=enrolment.course_id)[0]


def _enrolments(session: Session, principal: Principal, only: int | None = None) -> list[EnrolmentOut]:
    enrolments = [
        row
        for row in learning_service.enrolments_of(session, user_id=principal.user_id)
        if only is None or row.course_id == only
    ]
    outlines = courses_service.outlines_by_id(
        session, [row.course_id for row in enrolments], locale=get_locale()
    )
    progress = learning_service.progress_by_course(session, user_id=principal.user_id)
    cohort_ids = [row.cohort_id for row in enrolments if row.cohort_id]
    cohorts = {c.id: c.name for c in session.scalars(sa.select(Cohort).where(Cohort.id.in_(cohort_ids)))}
    result = []
    for row in enrolments:
        outline = outlines.get(row.course_id)
        if outline is None:
            continue
        summary = learning_service.summarise(outline, progress.get(row.course_id, {}))
        result.append(
            EnrolmentOut(
                course=outline.slug,
                title=outline.title,
                cohort=cohorts.get(row.cohort_id or 0),
                status="completed" if row.completed_at else row.status,
                enrolled_at=row.enrolled_at,
                completed_at=row.completed_at,
                progress=_progress(outline, summary),
            )  # fmt: skip
        )
    return result


@router.get("/me/enrolments", response_model=list[EnrolmentOut], summary="My enrolments with progress")
def my_enrolments(
    principal: Principal = Depends(require(Capability.LEARN)), session: Session = Depends(get_session)
) -> list[EnrolmentOut]:
    return _enrolments(session, principal)


@router.get("/me/progress", response_model=CourseProgressOut, summary="My progress in one course")
def my_progress(
    course: str,
    principal: Principal = Depends(require(Capability.LEARN)),
    session: Session = Depends(get_session),
) -> CourseProgressOut:
    outline = courses_service.outline(session, slug=course, locale=get_locale())
    if learning_service.enrolment(session, user_id=principal.user_id, course_id=outline.id) is None:
        raise learning_service.NotEnrolled()
    progress = learning_service.progress_of(session, user_id=principal.user_id, course_id=outline.id)
    summary = learning_service.summarise(outline, progress)
    lessons = [
        LessonProgressOut(
            id=f"{outline.slug}/{lesson.slug}",
            status=progress[lesson.id].status if lesson.id in progress else "not_started",
            completed_at=progress[lesson.id].completed_at if lesson.id in progress else None,
            best_score=progress[lesson.id].best_score if lesson.id in progress else None,
        )
        for lesson in outline.lessons()
    ]
    return CourseProgressOut(course=outline.slug, **_progress(outline, summary).model_dump(), lessons=lessons)


@router.post(
    "/progress", response_model=ProgressResponse, summary="Send progress events (resent ones count once)"
)
def send_progress(
    request: Request,
    body: ProgressRequest,
    principal: Principal = Depends(require(Capability.LEARN)),
    session: Session = Depends(get_session),
) -> ProgressResponse | JSONResponse:
    course_slugs = sorted({event.lesson.partition("/")[0] for event in body.events})
    outlines = courses_service.outlines_by_slug(session, course_slugs, locale=get_locale())
    accesses: dict[int, learning_service.Access] = {}
    results = []
    for event in body.events:
        course_slug, _sep, lesson_slug = event.lesson.partition("/")
        outline = outlines.get(course_slug)
        lesson = (
            next((item for item in outline.lessons() if item.slug == lesson_slug), None) if outline else None
        )
        if outline is None or lesson is None:
            results.append(
                EventResult(id=event.id, status="rejected", reason=gettext(N_("There is no such lesson.")))
            )
            continue
        if outline.id not in accesses:
            accesses[outline.id] = learning_service.access(
                session, user_id=principal.user_id, course_id=outline.id, today=today(request)
            )
        access = accesses[outline.id]
        if not access.can_record:
            reason = access.problem.translated() if access.problem else gettext(N_("Not allowed."))
            results.append(EventResult(id=event.id, status="rejected", reason=reason))
            continue
        at = event.at if event.at is None or event.at.tzinfo else event.at.replace(tzinfo=dt.UTC)
        recorded = learning_service.record_event(
            session,
            user_id=principal.user_id,
            course_id=outline.id,
            pass_mark=outline.pass_mark,
            lesson=lesson,
            type=event.type,
            client_event_id=event.id,
            occurred_at=at,
        )
        why = gettext(recorded.reason) if recorded.reason else None
        results.append(EventResult(id=event.id, status=recorded.status, reason=why))
    session.commit()
    return ProgressResponse(results=results)
