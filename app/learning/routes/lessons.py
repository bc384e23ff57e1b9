"""The learner's pages: catalogue, course, lesson (reading, quiz, scenario, reflection), my learning,
joining a cohort, and certificates with their public check."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.courses.service import LOCALES, TOPIC_LABELS
from app.db import get_session, read
from app.forms import Filled, FormErrors, Refused, form
from app.i18n import N_, get_locale
from app.learning import certificates, learner, lessons
from app.learning.schemas import (
    CertificateForm,
    CompleteForm,
    JoinForm,
    NoteForm,
    QuizForm,
    RevokeForm,
)
from app.permissions import Capability
from app.principal import Principal
from app.routing import Router, shows_refusals
from app.web import flash, state
from app.web.access import Learner, SignedIn, current_principal, require
from app.web.htmx import is_partial, redirect
from app.web.pages import render, today

OFFLINE_SAVE = "academy-offline-save"  # the header app/static/js/offline.js sends when it saves a course

router = Router(include_in_schema=False)

CertificateRevoker = Annotated[Principal, Depends(require(Capability.REVOKE_CERTIFICATES))]

ENROLLED = flash.register("enrolled", N_("You are enrolled. Welcome to the course!"))
WITHDRAWN = flash.register(
    "withdrawn", N_("You have left the course. Your progress is kept if you come back."), "info"
)
ENROL_FIRST = flash.register("enrol-first", N_("Enrol in the course to open its lessons."), "info")
COURSE_DONE = flash.register("course-done", N_("You have completed the course! Your certificate is ready."))
NOTE_SAVED = flash.register("note-saved", N_("Your reflection is saved. Only you can see it."))
CERTIFICATE_REVOKED = flash.register("certificate-revoked", N_("The certificate is revoked."), "info")


# Catalogue and course -------------------------------------------------------------------------------------


# The pages below only read, like the lesson page: app.db.read with no single snapshot (each query sees
# what is committed when it runs; at worst a lesson she completes in that moment shows on her next view).


@router.get("/", name="home")
async def home(request: Request) -> Response:
    """For a visitor: what the school is, its courses, how to join; for a learner: where she stopped."""
    principal, locale = current_principal(request), get_locale()
    user_id = principal.user_id if principal else None
    found = await read(
        request, lambda session: learner.home(session, user_id=user_id, locale=locale), snapshot=False
    )
    context = {"courses": found.courses, "mine": found.mine, "issued": found.issued}
    return render(request, "learning/home.html", context)


@router.get("/courses", name="catalogue")
async def catalogue(request: Request, topic: str = "", language: str = "") -> Response:
    topic = topic if topic in TOPIC_LABELS else ""
    language = language if language in LOCALES else ""
    principal, locale = current_principal(request), get_locale()
    user_id = principal.user_id if principal else None
    found = await read(
        request,
        lambda session: learner.catalogue(
            session, user_id=user_id, locale=locale, topic=topic or None, language=language or None
        ),
        snapshot=False,
    )
    context = {
        "courses": found.courses,
        "topic": topic,
        "language": language,
        "topics": TOPIC_LABELS,
        "enrolled": found.enrolled,
    }
    return render(request, "learning/catalogue.html", context, block="course_list")


@router.get("/courses/{slug}", name="course")
async def course_page(request: Request, slug: str) -> Response:
    principal, locale, day = current_principal(request), get_locale(), today(request)
    user_id = principal.user_id if principal else None
    page = await read(
        request,
        lambda session: learner.course_page(session, user_id=user_id, slug=slug, locale=locale, today=day),
        snapshot=False,
    )
    context = {
        "course": page.course,
        "access": page.access,
        "progress": page.progress,
        "summary": page.summary,
        "completed": page.completed,
        "topics": TOPIC_LABELS,
    }
    return render(request, "learning/course.html", context)


@router.post("/courses/{slug}/enrol", name="enrol")
def enrol(
    request: Request, slug: str, principal: Learner, session: Session = Depends(get_session)
) -> Response:
    learner.enrol_by_slug(session, user_id=principal.user_id, slug=slug)
    return flash.flash(redirect(request, f"/courses/{slug}"), ENROLLED)


@router.post("/courses/{slug}/withdraw", name="withdraw")
def withdraw(
    request: Request, slug: str, principal: SignedIn, session: Session = Depends(get_session)
) -> Response:
    learner.withdraw_by_slug(session, user_id=principal.user_id, slug=slug)
    return flash.flash(redirect(request, f"/courses/{slug}"), WITHDRAWN)


# Lessons ------------------------------------------------------------------------------------------------


@router.get("/courses/{slug}/{lesson_slug}", name="lesson")
async def lesson_page(
    request: Request,
    slug: str,
    lesson_slug: str,
    principal: SignedIn,
    step: str = "",
    retry: bool = False,
) -> Response:
    """The most visited page: it only reads (app.db.read, no single snapshot needed: her access and her
    progress), except on her first visit to a lesson, which is recorded in a short write of its own, in
    a turn of its own (Database.write_aside)."""
    locale, day = get_locale(), today(request)
    page = await read(
        request,
        lambda session: lessons.view(
            session,
            user_id=principal.user_id,
            slug=slug,
            lesson_slug=lesson_slug,
            locale=locale,
            today=day,
            step=step,
            retry=retry,
        ),
        snapshot=False,
    )
    # A page fetched to be saved on her phone (docs/offline.md) is not a visit: she has not read it yet.
    if page.first_view and request.headers.get(OFFLINE_SAVE) != "1":
        # in an outage she reads the lesson all the same, and the view is recorded at her next visit
        await state.database(request).note(
            lambda writer: lessons.record_first_view(
                writer, user_id=principal.user_id, page=page, today=day, locale=locale
            )
        )
    return render(request, "learning/lesson.html", page.context())


@router.post("/courses/{slug}/{lesson_slug}/complete", name="lesson_complete")
def lesson_complete(
    request: Request,
    slug: str,
    lesson_slug: str,
    principal: Learner,
    body: CompleteForm = form(CompleteForm),
    session: Session = Depends(get_session),
) -> Response:
    page = lessons.complete(
        session,
        user_id=principal.user_id,
        slug=slug,
        lesson_slug=lesson_slug,
        event_id=body.event_id,
        locale=get_locale(),
        today=today(request),
    )
    # With htmx the block and (out of band) the progress bar; without, the same lesson page, at the block:
    # the same message and the same next step either way.
    if is_partial(request):
        page.just_completed = True
        return render(request, "learning/lesson.html", page.context(), block="lesson_completion")
    return redirect(request, f"/courses/{slug}/{lesson_slug}#lesson-completion")


def _quiz_refused(refused: Refused) -> Response:
    """The quiz as she sent it, unfinished: her answers kept, each question left unanswered named."""
    body = refused.params.get("body")
    page = lessons.quiz_again(
        refused.session,
        user_id=refused.params["principal"].user_id,
        slug=refused.params["slug"],
        lesson_slug=refused.params["lesson_slug"],
        answers=body.answers if isinstance(body, QuizForm) else {},
        attempt=body.attempt if isinstance(body, QuizForm) else 0,
        locale=get_locale(),
        today=today(refused.request),
    )
    if not page.unanswered:  # refused for another reason: say it above the questions
        page.unanswered = refused.errors
    block = "quiz" if is_partial(refused.request) else None
    return render(
        refused.request, "learning/lesson.html", page.context(), block=block, status_code=refused.status_code
    )


@router.post("/courses/{slug}/{lesson_slug}/quiz", name="quiz_submit")
@shows_refusals(_quiz_refused)
def quiz_submit(
    request: Request,
    slug: str,
    lesson_slug: str,
    principal: Learner,
    body: QuizForm = form(QuizForm),
    session: Session = Depends(get_session),
) -> Response:
    """Answers arrive as q-<question> fields: one value, or several for a multiple-choice question;
    `attempt` is the attempt the form was shown for (its options' order). A submission that leaves a
    question unanswered is not an attempt: the form comes back with her answers and nothing is stored."""
    page = lessons.submit_quiz(
        session,
        user_id=principal.user_id,
        slug=slug,
        lesson_slug=lesson_slug,
        answers=body.answers,
        attempt=body.attempt,
        event_id=body.event_id,
        locale=get_locale(),
        today=today(request),
    )
    if not is_partial(request):
        response = redirect(request, f"/courses/{slug}/{lesson_slug}#quiz-result")
        return flash.flash(response, COURSE_DONE) if page.course_completed else response
    return render(request, "learning/lesson.html", page.context(), block="quiz")


def _reflection_refused(refused: Refused) -> Response:
    """Her reflection as she wrote it, and why it was not saved."""
    page = lessons.reflection(
        refused.session,
        user_id=refused.params["principal"].user_id,
        slug=refused.params["slug"],
        lesson_slug=refused.params["lesson_slug"],
        locale=get_locale(),
        today=today(refused.request),
    )
    page.note_errors, page.draft = refused.errors, Filled(refused.values).note
    return render(
        refused.request,
        "learning/lesson.html",
        page.context(),
        block="reflection",
        status_code=refused.status_code,
    )


@router.post("/courses/{slug}/{lesson_slug}/note", name="reflection_save")
@shows_refusals(_reflection_refused)
def reflection_save(
    request: Request,
    slug: str,
    lesson_slug: str,
    principal: Learner,
    body: NoteForm = form(NoteForm),
    session: Session = Depends(get_session),
) -> Response:
    page = lessons.save_reflection(
        session,
        user_id=principal.user_id,
        slug=slug,
        lesson_slug=lesson_slug,
        text=body.note,
        event_id=body.event_id,
        locale=get_locale(),
        today=today(request),
    )
    return flash.flash(
        redirect(request, f"/courses/{slug}/{lesson_slug}"),
        COURSE_DONE if page.course_completed else NOTE_SAVED,
    )


# My learning and joining ----------------------------------------------------------------------------------


@router.get("/my", name="my_learning")
async def my_learning(request: Request, principal: SignedIn) -> Response:
    locale = get_locale()
    mine = await read(
        request,
        lambda session: learner.my_learning(session, user_id=principal.user_id, locale=locale),
        snapshot=False,
    )
    items = [
        {"enrolment": item.enrolment, "course": item.course, "cohort": item.cohort, "summary": item.summary}
        for item in mine.courses
    ]
    context = {"items": items, "certificates": mine.certificates, "issued": mine.issued}
    return render(request, "learning/my.html", context)


def _join_page(refused: Refused) -> Response:
    context = {"code": Filled(refused.values).code, "errors": refused.errors}
    return render(refused.request, "learning/join.html", context, status_code=refused.status_code)


@router.get("/join", name="join")
def join_form(request: Request, code: str = "") -> Response:
    return render(request, "learning/join.html", {"code": JoinForm.prefill(code), "errors": FormErrors()})


@router.post("/join", name="join_submit")
@shows_refusals(_join_page)
def join_submit(
    request: Request,
    principal: Learner,
    body: JoinForm = form(JoinForm),
    session: Session = Depends(get_session),
) -> Response:
    slug = learner.join_by_code(session, user_id=principal.user_id, code=body.code)
    return flash.flash(redirect(request, f"/courses/{slug}" if slug else "/my"), ENROLLED)


def _invite_page(
    request: Request, session: Session, token: str, errors: FormErrors | None = None, status_code: int = 200
) -> Response:
    found = learner.invitation(session, token=token, locale=get_locale())
    context = {
        "token": token,
        "cohort": found.cohort,
        "course": found.course,
        "full": found.full,
        "errors": errors or FormErrors(),
    }
    return render(request, "learning/invite.html", context, status_code=status_code)


def _invite_refused(refused: Refused) -> Response:
    """The invitation again, with why she could not join (the cohort is full)."""
    return _invite_page(
        refused.request, refused.session, refused.params["token"], refused.errors, refused.status_code
    )


@router.get("/invite/{token}", name="invite")
def invite_page(request: Request, token: str, session: Session = Depends(get_session)) -> Response:
    return _invite_page(request, session, token)


@router.post("/invite/{token}", name="invite_accept")
@shows_refusals(_invite_refused)
def invite_accept(
    request: Request, token: str, principal: Learner, session: Session = Depends(get_session)
) -> Response:
    slug = learner.join_by_invite(session, user_id=principal.user_id, token=token)
    return flash.flash(redirect(request, f"/courses/{slug}" if slug else "/my"), ENROLLED)


# Certificates ---------------------------------------------------------------------------------------------


@router.get("/my/certificates/{slug}", name="certificate")
def certificate_page(
    request: Request, slug: str, principal: SignedIn, session: Session = Depends(get_session)
) -> Response:
    page = certificates.page_of(session, user_id=principal.user_id, slug=slug, locale=get_locale())
    context = {
        "course": page.course,
        "certificate": page.certificate,
        "name": principal.display_name,
        "errors": FormErrors(),
    }
    return render(request, "learning/certificate.html", context)


def _certificate_refused(refused: Refused) -> Response:
    course = certificates.course_of(refused.session, slug=refused.params["slug"], locale=get_locale())
    name = Filled(refused.values).name
    context = {"course": course, "certificate": None, "name": name, "errors": refused.errors}
    return render(refused.request, "learning/certificate.html", context, status_code=refused.status_code)


@router.post("/my/certificates/{slug}", name="certificate_issue")
@shows_refusals(_certificate_refused)
def certificate_issue(
    request: Request,
    slug: str,
    principal: SignedIn,
    body: CertificateForm = form(CertificateForm),
    session: Session = Depends(get_session),
) -> Response:
    certificates.issue_for(
        session,
        user_id=principal.user_id,
        slug=slug,
        name=body.name,
        locale=get_locale(),
        today=today(request),
    )
    return redirect(request, f"/my/certificates/{slug}")


@router.get("/certificates/{code}.pdf", name="certificate_pdf")
def certificate_pdf(
    request: Request, code: str, principal: SignedIn, session: Session = Depends(get_session)
) -> Response:
    certificate = certificates.downloadable(
        session, code=code, user_id=principal.user_id, sees_all=principal.can(Capability.REVOKE_CERTIFICATES)
    )
    body = certificates.pdf(certificate, base_url=state.settings(request).base_url)
    headers = {
        "Content-Disposition": f'attachment; filename="certificate-{certificate.code}.pdf"',
        "Cache-Control": "private, no-store",
    }
    return Response(body, media_type="application/pdf", headers=headers)


@router.get("/verify", name="verify_form")
def verify_form(request: Request, code: str = "") -> Response:
    code = certificates.normal_code(code)
    if code:
        return RedirectResponse(f"/verify/{code}", status_code=303)
    return render(request, "learning/verify.html", {"certificate": None})


@router.get("/verify/{code}", name="verify")
def verify(request: Request, code: str, session: Session = Depends(get_session)) -> Response:
    certificate = certificates.by_code(session, certificates.normal_code(code))
    context = {"certificate": certificate, "pretty_code": certificates.pretty_code(certificate.code)}
    return render(request, "learning/verify.html", context)


def _admin_certificates(
    request: Request, session: Session, code: str, *, reason: Filled | None = None, status_code: int = 200
) -> Response:
    code = certificates.normal_code(code)
    context = {
        "code": code,
        "certificate": certificates.find(session, code),
        "searched": bool(code),
        "reason": reason or Filled(),
    }
    return render(request, "learning/admin_certificates.html", context, status_code=status_code)


@router.get("/admin/certificates", name="admin_certificates")
def admin_certificates(
    request: Request, principal: CertificateRevoker, code: str = "", session: Session = Depends(get_session)
) -> Response:
    return _admin_certificates(request, session, code)


def _revoke_refused(refused: Refused) -> Response:
    reason = Filled(refused.values, refused.errors)
    return _admin_certificates(
        refused.request,
        refused.session,
        refused.params["code"],
        reason=reason,
        status_code=refused.status_code,
    )


@router.post("/admin/certificates/{code}/revoke", name="certificate_revoke")
@shows_refusals(_revoke_refused)
def certificate_revoke(
    request: Request,
    code: str,
    principal: CertificateRevoker,
    body: RevokeForm = form(RevokeForm),
    session: Session = Depends(get_session),
) -> Response:
    certificate = certificates.revoke_by(session, actor_id=principal.user_id, code=code, reason=body.reason)
    return flash.flash(redirect(request, f"/admin/certificates?code={certificate.code}"), CERTIFICATE_REVOKED)
