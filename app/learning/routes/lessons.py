"""The learner's pages: catalogue, course, lesson (reading, quiz, scenario, reflection), my learning,
joining a cohort, and certificates with their public check."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.courses import service as courses_service
from app.courses.models import Course, live
from app.courses.service import LOCALES, TOPIC_LABELS, CourseOutline, LessonItem
from app.db import get_session, read
from app.errors import Busy, Forbidden, NotFound
from app.forms import FormErrors, clean_line, clean_text, form_fields, form_lists
from app.i18n import N_, get_locale
from app.learning import certificates, quiz
from app.learning import service as learning_service
from app.learning.models import Cohort, ProgressEvent
from app.permissions import Capability
from app.principal import Principal
from app.routing import Route
from app.web import flash
from app.web.access import current_principal, require, require_user
from app.web.htmx import is_partial, redirect
from app.web.pages import render, today

router = APIRouter(include_in_schema=False, route_class=Route)

ENROLLED = flash.register("enrolled", N_("You are enrolled. Welcome to the course!"))
WITHDRAWN = flash.register(
    "withdrawn", N_("You have left the course. Your progress is kept if you come back."), "info"
)
ENROL_FIRST = flash.register("enrol-first", N_("Enrol in the course to open its lessons."), "info")
LESSON_DONE = flash.register("lesson-done", N_("Lesson complete."))
COURSE_DONE = flash.register("course-done", N_("You have completed the course! Your certificate is ready."))
NOTE_SAVED = flash.register("note-saved", N_("Your reflection is saved. Only you can see it."))
CERTIFICATE_REVOKED = flash.register("certificate-revoked", N_("The certificate is revoked."), "info")
NOTE_MAX = 5000


def course_row(session: Session, slug: str) -> Course:
    course = session.scalars(sa.select(Course).where(Course.slug == slug, live(Course))).one_or_none()
    if course is None:
        raise courses_service.CourseNotFound()
    return course


def new_event_id() -> str:
    return str(uuid.uuid4())


# Catalogue and course -------------------------------------------------------------------------------------


@router.get("/courses", name="catalogue")
def catalogue(
    request: Request, topic: str = "", language: str = "", session: Session = Depends(get_session)
) -> Response:
    topic = topic if topic in TOPIC_LABELS else ""
    language = language if language in LOCALES else ""
    courses = courses_service.catalogue(
        session, locale=get_locale(), topic=topic or None, language=language or None
    )
    principal = current_principal(request)
    enrolled = (
        {row.course_id for row in learning_service.enrolments_of(session, user_id=principal.user_id)}
        if principal
        else set()
    )
    return render(
        request,
        "learning/catalogue.html",
        {
            "courses": courses,
            "topic": topic,
            "language": language,
            "topics": TOPIC_LABELS,
            "enrolled": enrolled,
        },
        block="course_list",
    )


@router.get("/courses/{slug}", name="course")
def course_page(request: Request, slug: str, session: Session = Depends(get_session)) -> Response:
    outline = courses_service.outline(session, slug=slug, locale=get_locale())
    principal = current_principal(request)
    access = learning_service.access(
        session, user_id=principal.user_id if principal else None, course_id=outline.id, today=today(request)
    )
    progress = (
        learning_service.progress_of(session, user_id=principal.user_id, course_id=outline.id)
        if principal and access.enrolment
        else {}
    )
    summary = learning_service.summarise(outline, progress)
    completed = bool(access.enrolment and access.enrolment.completed_at)
    return render(
        request,
        "learning/course.html",
        {
            "course": outline,
            "access": access,
            "progress": progress,
            "summary": summary,
            "completed": completed,
            "topics": TOPIC_LABELS,
        },  # fmt: skip
    )


@router.post("/courses/{slug}/enrol", name="enrol")
def enrol(
    request: Request,
    slug: str,
    principal: Principal = Depends(require(Capability.LEARN)),
    session: Session = Depends(get_session),
) -> Response:
    learning_service.enrol(session, user_id=principal.user_id, course=course_row(session, slug))
    session.commit()
    return flash.flash(redirect(request, f"/courses/{slug}"), ENROLLED)


@router.post("/courses/{slug}/withdraw", name="withdraw")
def withdraw(
    request: Request,
    slug: str,
    principal: Principal = Depends(require_user),
    session: Session = Depends(get_session),
) -> Response:
    learning_service.withdraw(session, user_id=principal.user_id, course_id=course_row(session, slug).id)
    session.commit()
    return flash.flash(redirect(request, f"/courses/{slug}"), WITHDRAWN)


# Lessons ------------------------------------------------------------------------------------------------


def _lesson_context(
    request: Request, session: Session, principal: Principal, slug: str, lesson_slug: str
) -> dict[str, Any]:
    """Everything a lesson page shows; raises (or redirects) when she may not read it."""
    outline = courses_service.outline(session, slug=slug, locale=get_locale())
    item = outline.lesson(lesson_slug)
    access = learning_service.access(
        session, user_id=principal.user_id, course_id=outline.id, today=today(request)
    )
    if access.enrolment is None:
        raise EnrolFirst(slug)
    if not access.can_read:
        assert access.problem is not None
        raise access.problem
    content = courses_service.lesson_content(session, course=outline, slug=lesson_slug, locale=get_locale())
    progress = learning_service.progress_of(session, user_id=principal.user_id, course_id=outline.id)
    previous, following = outline.neighbours(lesson_slug)
    return {
        "course": outline,
        "lesson": item,
        "content": content,
        "access": access,
        "progress": progress,
        "summary": learning_service.summarise(outline, progress),
        "previous": previous,
        "next": following,
        "event_id": new_event_id(),
        "quiz_result": None,
        "questions": [],
        "attempt": 0,
        "unanswered": FormErrors(),
        "answers": {},
        "note": None,
        "note_errors": FormErrors(),
        "step": None,
    }


class EnrolFirst(Forbidden):
    message = N_("Enrol in the course to open its lessons.")

    def __init__(self, slug: str) -> None:
        super().__init__(location=f"/courses/{slug}?enrol=1")


def _last_quiz(session: Session, *, user_id: int, lesson_id: int) -> ProgressEvent | None:
    """Her latest submission of the quiz: its id marks the next attempt, its data the last result."""
    return session.scalars(
        sa.select(ProgressEvent)
        .where(
            ProgressEvent.user_id == user_id,
            ProgressEvent.lesson_id == lesson_id,
            ProgressEvent.type == "quiz_submitted",
        )
        .order_by(ProgressEvent.id.desc())
        .limit(1)
    ).one_or_none()


@router.get("/courses/{slug}/{lesson_slug}", name="lesson")
async def lesson_page(
    request: Request,
    slug: str,
    lesson_slug: str,
    step: str = "",
    retry: bool = False,
    principal: Principal = Depends(require_user),
) -> Response:
    """The most visited page: it only reads (see app.db.read), except on her first visit to a lesson,
    which records the view in a thread of its own."""
    context = await read(
        request, lambda session: _lesson_view(request, session, principal, slug, lesson_slug, step, retry)
    )
    item: LessonItem = context["lesson"]
    if item.id not in context["progress"] and context["access"].can_record:
        try:
            await request.app.state.database.run(
                _record_first_view, request, principal, context["course"], item
            )
        except Busy:
            pass  # she can read it all the same; the view is recorded on her next visit
    return render(request, "learning/lesson.html", context)


def _lesson_view(
    request: Request,
    session: Session,
    principal: Principal,
    slug: str,
    lesson_slug: str,
    step: str,
    retry: bool,
) -> dict[str, Any]:
    context = _lesson_context(request, session, principal, slug, lesson_slug)
    item: LessonItem = context["lesson"]
    outline: CourseOutline = context["course"]
    structure = context["content"].structure
    if item.kind == "quiz":
        last = _last_quiz(session, user_id=principal.user_id, lesson_id=item.id)
        if last is not None and not retry:  # her last attempt, graded, as she saw it
            answers = last.data.get("answers", {})
            context["answers"] = answers
            context["quiz_result"] = learning_service.grade(structure, answers, outline.pass_mark)
            context["questions"] = quiz.ordered(structure, last.data.get("order"))
        else:  # a new attempt
            _new_attempt(context, principal, attempt=last.id if last is not None else 0)
    if item.kind == "scenario":
        steps = {entry["key"]: entry for entry in structure.get("steps", [])}
        context["step"] = steps.get(step) or steps.get(structure.get("start", ""))
    if item.kind == "reflection":
        context["note"] = learning_service.note_of(session, user_id=principal.user_id, lesson_id=item.id)
    return context


def _new_attempt(context: dict[str, Any], principal: Principal, *, attempt: int) -> None:
    """The questions of a new attempt in its own order; `attempt` is her previous submission's id."""
    structure = context["content"].structure
    shown = quiz.order(structure, user_id=principal.user_id, lesson_id=context["lesson"].id, attempt=attempt)
    context.update(attempt=attempt, order=shown, questions=quiz.ordered(structure, shown))


def _record_first_view(
    request: Request, principal: Principal, outline: CourseOutline, item: LessonItem
) -> None:
    with request.app.state.database.session(write=True) as writer:
        learning_service.record_first_view(
            writer, user_id=principal.user_id, course_id=outline.id, pass_mark=outline.pass_mark, lesson=item
        )
        writer.commit()


@router.post("/courses/{slug}/{lesson_slug}/complete", name="lesson_complete")
def lesson_complete(
    request: Request,
    slug: str,
    lesson_slug: str,
    principal: Principal = Depends(require(Capability.LEARN)),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    context = _lesson_context(request, session, principal, slug, lesson_slug)
    recorded = _record(context, principal, session, type="completed", event_id=raw.get("event_id", ""))
    if is_partial(request):
        context["progress"] = learning_service.progress_of(
            session, user_id=principal.user_id, course_id=context["course"].id
        )
        context["summary"] = learning_service.summarise(context["course"], context["progress"])
        return render(request, "learning/lesson.html", context, block="lesson_completion")
    target = f"/courses/{slug}/{context['next'].slug}" if context["next"] else f"/courses/{slug}"
    return flash.flash(redirect(request, target), COURSE_DONE if recorded.course_completed else LESSON_DONE)


def _record(
    context: dict[str, Any],
    principal: Principal,
    session: Session,
    *,
    type: str,
    event_id: str,
    data: dict[str, Any] | None = None,
) -> learning_service.Recorded:
    access: learning_service.Access = context["access"]
    if not access.can_record:
        assert access.problem is not None
        raise access.problem
    outline: CourseOutline = context["course"]
    recorded = learning_service.record_event(
        session,
        user_id=principal.user_id,
        course_id=outline.id,
        pass_mark=outline.pass_mark,
        lesson=context["lesson"],
        type=type,
        client_event_id=clean_line(event_id, 64) or new_event_id(),
        data=data,
    )
    if recorded.status == "rejected":
        raise Forbidden(recorded.reason)
    session.commit()
    return recorded


@router.post("/courses/{slug}/{lesson_slug}/quiz", name="quiz_submit")
def quiz_submit(
    request: Request,
    slug: str,
    lesson_slug: str,
    principal: Principal = Depends(require(Capability.LEARN)),
    fields: dict[str, list[str]] = Depends(form_lists),
    session: Session = Depends(get_session),
) -> Response:
    """Answers arrive as q-<question> fields: one value, or several for a multiple-choice question.
    `attempt` is the attempt the form was shown for (its options' order); a submission that leaves a
    question unanswered is not an attempt: the form comes back with her answers and nothing is stored."""
    answers = {
        name[2:][:80]: [clean_line(value, 80) for value in values[:20]]
        for name, values in fields.items()
        if name.startswith("q-")
    }
    context = _lesson_context(request, session, principal, slug, lesson_slug)
    if context["lesson"].kind != "quiz":
        raise NotFound()
    outline: CourseOutline = context["course"]
    structure = context["content"].structure
    attempt = (fields.get("attempt") or [""])[0]
    _new_attempt(context, principal, attempt=int(attempt) if attempt.isdigit() and len(attempt) < 19 else 0)
    missing = FormErrors()
    for number, key in quiz.unanswered(structure, answers):
        missing.add(key, N_("Question %(number)s has no answer yet."), number=number)
    if missing:
        context.update(answers=answers, unanswered=missing)
        block = "quiz" if is_partial(request) else None
        return render(request, "learning/lesson.html", context, block=block, status_code=422)
    result = learning_service.grade(structure, answers, outline.pass_mark)
    data = {
        "answers": {q.key: q.chosen for q in result.questions},
        "score": result.score,
        "passed": result.passed,
        "order": context["order"],
    }
    event_id = (fields.get("event_id") or [""])[0]
    recorded = _record(context, principal, session, type="quiz_submitted", event_id=event_id, data=data)
    if not is_partial(request):
        response = redirect(request, f"/courses/{slug}/{lesson_slug}#quiz-result")
        return flash.flash(response, COURSE_DONE) if recorded.course_completed else response
    context["progress"] = learning_service.progress_of(
        session, user_id=principal.user_id, course_id=outline.id
    )
    context["summary"] = learning_service.summarise(outline, context["progress"])
    context.update(quiz_result=result, answers=data["answers"], course_completed=recorded.course_completed)
    return render(request, "learning/lesson.html", context, block="quiz")


@router.post("/courses/{slug}/{lesson_slug}/note", name="reflection_save")
def reflection_save(
    request: Request,
    slug: str,
    lesson_slug: str,
    principal: Principal = Depends(require(Capability.LEARN)),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    context = _lesson_context(request, session, principal, slug, lesson_slug)
    if context["lesson"].kind != "reflection":
        raise NotFound()
    text = clean_text(raw.get("note"), NOTE_MAX + 1)
    if not text or len(text) > NOTE_MAX:
        context["note_errors"].add(
            "note", N_("Write your reflection (at most %(max)s characters)."), max=NOTE_MAX
        )
        context["draft"] = text[:NOTE_MAX]
        return render(request, "learning/lesson.html", context, block="reflection", status_code=422)
    learning_service.save_note(session, user_id=principal.user_id, lesson_id=context["lesson"].id, text=text)
    recorded = _record(context, principal, session, type="completed", event_id=raw.get("event_id", ""))
    return flash.flash(
        redirect(request, f"/courses/{slug}/{lesson_slug}"),
        COURSE_DONE if recorded.course_completed else NOTE_SAVED,
    )


# My learning and joining ----------------------------------------------------------------------------------


@router.get("/my", name="my_learning")
def my_learning(
    request: Request, principal: Principal = Depends(require_user), session: Session = Depends(get_session)
) -> Response:
    enrolments = learning_service.enrolments_of(session, user_id=principal.user_id)
    outlines = courses_service.outlines_by_id(
        session, [row.course_id for row in enrolments], locale=get_locale()
    )
    progress = learning_service.progress_by_course(session, user_id=principal.user_id)
    cohorts = {
        cohort.id: cohort
        for cohort in session.scalars(
            sa.select(Cohort).where(Cohort.id.in_([e.cohort_id for e in enrolments if e.cohort_id]))
        )
    }
    items = [
        {
            "enrolment": row,
            "course": outlines[row.course_id],
            "cohort": cohorts.get(row.cohort_id) if row.cohort_id else None,
            "summary": learning_service.summarise(outlines[row.course_id], progress.get(row.course_id, {})),
        }
        for row in enrolments
        if row.course_id in outlines
    ]
    return render(
        request,
        "learning/my.html",
        {"items": items, "certificates": certificates.of_user(session, user_id=principal.user_id)},
    )


@router.get("/join", name="join")
def join_form(request: Request, code: str = "") -> Response:
    return render(request, "learning/join.html", {"code": clean_line(code, 20), "errors": FormErrors()})


@router.post("/join", name="join_submit")
def join_submit(
    request: Request,
    principal: Principal = Depends(require(Capability.LEARN)),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    code = clean_line(raw.get("code"), 20)
    errors = FormErrors()
    if not learning_service.normalize_code(code):
        errors.add("code", N_("Enter the enrolment code your coordinator gave you."))
        return render(request, "learning/join.html", {"code": code, "errors": errors}, status_code=422)
    try:
        joined = learning_service.join_with_code(session, user_id=principal.user_id, code=code)
    except learning_service.InvalidCode as exc:
        errors.add("code", exc.message)
        return render(request, "learning/join.html", {"code": code, "errors": errors}, status_code=422)
    course = session.get(Course, joined.course_id)
    session.commit()
    return flash.flash(redirect(request, f"/courses/{course.slug}" if course else "/my"), ENROLLED)


@router.get("/invite/{token}", name="invite")
def invite_page(request: Request, token: str, session: Session = Depends(get_session)) -> Response:
    invite = learning_service.invite_by_token(session, token=token)
    cohort = session.get(Cohort, invite.cohort_id)
    if cohort is None:
        raise learning_service.InvalidInvite()
    course = courses_service.outlines_by_id(session, [cohort.course_id], locale=get_locale()).get(
        cohort.course_id
    )
    if course is None:
        raise learning_service.InvalidInvite()
    return render(request, "learning/invite.html", {"token": token, "cohort": cohort, "course": course})


@router.post("/invite/{token}", name="invite_accept")
def invite_accept(
    request: Request,
    token: str,
    principal: Principal = Depends(require(Capability.LEARN)),
    session: Session = Depends(get_session),
) -> Response:
    joined = learning_service.join_with_invite(session, user_id=principal.user_id, token=token)
    course = session.get(Course, joined.course_id)
    session.commit()
    return flash.flash(redirect(request, f"/courses/{course.slug}" if course else "/my"), ENROLLED)


# Certificates ---------------------------------------------------------------------------------------------


@router.get("/my/certificates/{slug}", name="certificate")
def certificate_page(
    request: Request,
    slug: str,
    principal: Principal = Depends(require_user),
    session: Session = Depends(get_session),
) -> Response:
    outline = courses_service.outline(session, slug=slug, locale=get_locale())
    enrolment = learning_service.enrolment(session, user_id=principal.user_id, course_id=outline.id)
    if enrolment is None or enrolment.completed_at is None:
        raise learning_service.NotCompleted()
    existing = next(
        (
            c
            for c in certificates.of_user(session, user_id=principal.user_id)
            if c.course_id == outline.id and not c.revoked_at
        ),
        None,
    )
    return render(
        request,
        "learning/certificate.html",
        {"course": outline, "certificate": existing, "name": principal.display_name, "errors": FormErrors()},
    )


@router.post("/my/certificates/{slug}", name="certificate_issue")
def certificate_issue(
    request: Request,
    slug: str,
    principal: Principal = Depends(require_user),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    outline = courses_service.outline(session, slug=slug, locale=get_locale())
    name = clean_line(raw.get("name"), 121)
    try:
        certificates.issue(
            session,
            user_id=principal.user_id,
            course=outline,
            name=name,
            locale=get_locale(),
            today=today(request),
        )
    except certificates.CertificateNameInvalid as exc:
        errors = FormErrors()
        errors.add("name", exc.message)
        context = {"course": outline, "certificate": None, "name": name, "errors": errors}
        return render(request, "learning/certificate.html", context, status_code=422)
    session.commit()
    return redirect(request, f"/my/certificates/{slug}")


@router.get("/certificates/{code}.pdf", name="certificate_pdf")
def certificate_pdf(
    request: Request,
    code: str,
    principal: Principal = Depends(require_user),
    session: Session = Depends(get_session),
) -> Response:
    certificate = certificates.by_code(session, code)
    if certificate.user_id != principal.user_id and not principal.can(Capability.REVOKE_CERTIFICATES):
        raise certificates.CertificateNotFound()  # someone else's: as if it did not exist
    body = certificates.pdf(certificate, base_url=request.app.state.settings.base_url)
    headers = {
        "Content-Disposition": f'attachment; filename="certificate-{certificate.code}.pdf"',
        "Cache-Control": "private, no-store",
    }
    return Response(body, media_type="application/pdf", headers=headers)


@router.get("/verify", name="verify_form")
def verify_form(request: Request, code: str = "") -> Response:
    code = "".join(ch for ch in code.upper() if ch.isalnum())[:40]
    if code:
        return RedirectResponse(f"/verify/{code}", status_code=303)
    return render(request, "learning/verify.html", {"certificate": None})


@router.get("/verify/{code}", name="verify")
def verify(request: Request, code: str, session: Session = Depends(get_session)) -> Response:
    certificate = certificates.by_code(session, "".join(ch for ch in code.upper() if ch.isalnum())[:40])
    return render(
        request,
        "learning/verify.html",
        {"certificate": certificate, "pretty_code": certificates.pretty_code(certificate.code)},
    )


@router.get("/admin/certificates", name="admin_certificates")
def admin_certificates(
    request: Request,
    code: str = "",
    principal: Principal = Depends(require(Capability.REVOKE_CERTIFICATES)),
    session: Session = Depends(get_session),
) -> Response:
    code = "".join(ch for ch in code.upper() if ch.isalnum())[:40]
    found = None
    if code:
        try:
            found = certificates.by_code(session, code)
        except certificates.CertificateNotFound:
            found = None
    return render(
        request,
        "learning/admin_certificates.html",
        {"code": code, "certificate": found, "searched": bool(code)},
    )


@router.post("/admin/certificates/{code}/revoke", name="certificate_revoke")
def certificate_revoke(
    request: Request,
    code: str,
    principal: Principal = Depends(require(Capability.REVOKE_CERTIFICATES)),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    certificate = certificates.revoke(session, code=code, reason=clean_line(raw.get("reason"), 300))
    actor = accounts_service.get_user(session, principal.user_id)
    holder = accounts_service.get_user(session, certificate.user_id) if certificate.user_id else None
    accounts_service.record(
        session, actor=actor, action="certificate.revoke", target=holder, detail=certificate.code
    )
    session.commit()
    return flash.flash(redirect(request, f"/admin/certificates?code={certificate.code}"), CERTIFICATE_REVOKED)
