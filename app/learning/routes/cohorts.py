"""Coordinators run their cohorts: create and edit them, invitation links, staff, roster import from
CSV (a dry run first), and withdrawing or moving learners."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.config import LOCALES
from app.courses.models import Course, CourseTranslation, live
from app.db import get_session
from app.errors import DomainError, NotFound
from app.forms import FormErrors, clean_line, form_fields
from app.i18n import N_, get_locale
from app.learning import cohorts, roster
from app.learning.models import Cohort
from app.permissions import Capability
from app.principal import Principal
from app.routing import Route
from app.web import flash
from app.web.access import require
from app.web.htmx import redirect

router = APIRouter(prefix="/cohorts", include_in_schema=False, route_class=Route)
runs_cohorts = require(Capability.RUN_COHORTS)

COHORT_SAVED = flash.register("cohort-saved", N_("The cohort is saved."))
CODE_CHANGED = flash.register(
    "code-changed", N_("A new enrolment code is ready; the old one no longer works."), "info"
)
INVITE_REVOKED = flash.register("invite-revoked", N_("The invitation link no longer works."), "info")
STAFF_ADDED = flash.register("cohort-staff-added", N_("Added to the cohort's staff."))
LEARNER_WITHDRAWN = flash.register(
    "learner-withdrawn", N_("The learner is withdrawn from the cohort."), "info"
)
LEARNER_MOVED = flash.register("learner-moved", N_("The learner is moved."))
ROSTER_IMPORTED = flash.register(
    "roster-imported", N_("The roster is imported and the invitations are sent.")
)


def _render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    return request.app.state.templates.render(  # type: ignore[no-any-return]
        request, name, context, status_code=status_code
    )


def _courses(session: Session, locale: str) -> list[tuple[int, str]]:
    rows = session.execute(
        sa.select(Course.id, Course.slug, CourseTranslation.locale, CourseTranslation.title)
        .join(CourseTranslation, CourseTranslation.course_id == Course.id)
        .where(live(Course))
        .order_by(Course.id)
    ).all()
    titles: dict[int, dict[str, str]] = {}
    for course_id, _slug, row_locale, title in rows:
        titles.setdefault(course_id, {})[row_locale] = title
    return [
        (course_id, names.get(locale) or names.get("ru") or next(iter(names.values())))
        for course_id, names in titles.items()
    ]


def _date(value: str | None) -> dt.date | None:
    value = (value or "").strip()
    return dt.date.fromisoformat(value) if value else None


def read_fields(raw: dict[str, str], errors: FormErrors) -> cohorts.CohortFields | None:
    name = clean_line(raw.get("name"), 120)
    if len(name) < 2:
        errors.add("name", N_("Give the cohort a name, for example the place and the season."))
    try:
        course_id = int(raw.get("course_id", ""))
    except ValueError:
        course_id = 0
        errors.add("course_id", N_("Choose a course from the list."))
    dates: dict[str, dt.date | None] = {}
    for field in ("starts_on", "ends_on"):
        try:
            dates[field] = _date(raw.get(field))
        except ValueError:
            errors.add(field, N_("Write the date as YYYY-MM-DD, or leave it empty."))
    if errors:
        return None
    return cohorts.CohortFields(name, course_id, dates.get("starts_on"), dates.get("ends_on"))


@router.get("/new", name="cohort_new")
def cohort_new(
    request: Request, principal: Principal = Depends(runs_cohorts), session: Session = Depends(get_session)
) -> Response:
    context: dict[str, Any] = {
        "cohort": None,
        "values": {},
        "errors": FormErrors(),
        "courses": _courses(session, get_locale()),
    }
    return _render(request, "learning/cohort_form.html", context)


@router.post("/", name="cohort_create")
def cohort_create(
    request: Request,
    principal: Principal = Depends(runs_cohorts),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    errors = FormErrors()
    fields = read_fields(raw, errors)
    if fields is not None:
        try:
            cohort = cohorts.create_cohort(
                session, user=accounts_service.user_of(session, principal), fields=fields
            )
        except DomainError as exc:
            errors.add("course_id", exc.message)
        else:
            session.commit()
            return flash.flash(redirect(request, f"/cohorts/{cohort.id}/settings"), COHORT_SAVED)
    context = {"cohort": None, "values": raw, "errors": errors, "courses": _courses(session, get_locale())}
    return _render(request, "learning/cohort_form.html", context, status_code=422)


def _settings_page(
    request: Request, session: Session, cohort: Cohort, status_code: int = 200, **extra: Any
) -> Response:
    values = {
        "name": cohort.name,
        "course_id": str(cohort.course_id),
        "starts_on": cohort.starts_on.isoformat() if cohort.starts_on else "",
        "ends_on": cohort.ends_on.isoformat() if cohort.ends_on else "",
    }
    context = {
        "cohort": cohort,
        "values": extra.pop("values", values),
        "errors": extra.pop("errors", FormErrors()),
        "courses": _courses(session, get_locale()),
        "invites": cohorts.invites_of(session, cohort),
        "staff": cohorts.staff_of(session, cohort),
        "new_link": extra.pop("new_link", None),
        "base_url": request.app.state.settings.base_url.rstrip("/"),
        **extra,
    }
    return _render(request, "learning/cohort_form.html", context, status_code=status_code)


@router.get("/{cohort_id}/settings", name="cohort_settings")
def cohort_settings(
    request: Request,
    cohort_id: int,
    principal: Principal = Depends(runs_cohorts),
    session: Session = Depends(get_session),
) -> Response:
    cohort, _role = cohorts.cohort_for(session, principal, cohort_id, manage=True)
    return _settings_page(request, session, cohort)


@router.post("/{cohort_id}/settings", name="cohort_update")
def cohort_update(
    request: Request,
    cohort_id: int,
    principal: Principal = Depends(runs_cohorts),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    cohort, _role = cohorts.cohort_for(session, principal, cohort_id, manage=True)
    errors = FormErrors()
    fields = read_fields(raw, errors)
    if fields is not None:
        try:
            cohorts.update_cohort(session, cohort, fields=fields)
        except DomainError as exc:
            errors.add("course_id", exc.message)
    if errors:
        session.rollback()
        return _settings_page(request, session, cohort, status_code=422, values=raw, errors=errors)
    session.commit()
    return flash.flash(redirect(request, f"/cohorts/{cohort_id}/settings"), COHORT_SAVED)


@router.post("/{cohort_id}/code", name="cohort_new_code")
def cohort_new_code(
    request: Request,
    cohort_id: int,
    principal: Principal = Depends(runs_cohorts),
    session: Session = Depends(get_session),
) -> Response:
    cohort, _role = cohorts.cohort_for(session, principal, cohort_id, manage=True)
    cohorts.new_enrolment_code(session, cohort)
    session.commit()
    return flash.flash(redirect(request, f"/cohorts/{cohort_id}/settings"), CODE_CHANGED)


@router.post("/{cohort_id}/invites", name="cohort_invite_create")
def invite_create(
    request: Request,
    cohort_id: int,
    principal: Principal = Depends(runs_cohorts),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    cohort, _role = cohorts.cohort_for(session, principal, cohort_id, manage=True)
    errors = FormErrors()
    try:
        token = cohorts.create_invite(
            session, cohort, days=int(raw.get("days", "0")), max_uses=int(raw.get("max_uses", "0"))
        )
    except (ValueError, DomainError) as exc:
        errors.add("days", exc.message if isinstance(exc, DomainError) else N_("Give whole numbers."))
        return _settings_page(request, session, cohort, status_code=422, errors=errors)
    session.commit()
    # The link is shown once, now: only its hash is kept.
    return _settings_page(
        request, session, cohort, new_link=f"{request.app.state.settings.base_url.rstrip('/')}/invite/{token}"
    )


@router.post("/{cohort_id}/invites/{invite_id}/revoke", name="cohort_invite_revoke")
def invite_revoke(
    request: Request,
    cohort_id: int,
    invite_id: int,
    principal: Principal = Depends(runs_cohorts),
    session: Session = Depends(get_session),
) -> Response:
    cohort, _role = cohorts.cohort_for(session, principal, cohort_id, manage=True)
    cohorts.revoke_invite(session, cohort, invite_id)
    session.commit()
    return flash.flash(redirect(request, f"/cohorts/{cohort_id}/settings#invites"), INVITE_REVOKED)


@router.post("/{cohort_id}/staff", name="cohort_staff_add")
def staff_add(
    request: Request,
    cohort_id: int,
    principal: Principal = Depends(runs_cohorts),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    cohort, _role = cohorts.cohort_for(session, principal, cohort_id, manage=True)
    try:
        cohorts.add_staff(
            session,
            cohort,
            actor=accounts_service.user_of(session, principal),
            email=clean_line(raw.get("email"), 254),
            role=raw.get("role", ""),
        )
    except DomainError as exc:
        session.rollback()
        errors = FormErrors()
        errors.add("staff-email", exc.message)
        return _settings_page(request, session, cohort, status_code=422, errors=errors)
    session.commit()
    return flash.flash(redirect(request, f"/cohorts/{cohort_id}/settings#staff"), STAFF_ADDED)


@router.post("/{cohort_id}/learners/{user_id}/withdraw", name="cohort_learner_withdraw")
def learner_withdraw(
    request: Request,
    cohort_id: int,
    user_id: int,
    principal: Principal = Depends(runs_cohorts),
    session: Session = Depends(get_session),
) -> Response:
    cohort, _role = cohorts.cohort_for(session, principal, cohort_id, manage=True)
    cohorts.withdraw_learner(
        session, cohort, actor=accounts_service.user_of(session, principal), user_id=user_id
    )
    session.commit()
    return flash.flash(redirect(request, f"/cohorts/{cohort_id}/matrix"), LEARNER_WITHDRAWN)


@router.post("/{cohort_id}/learners/{user_id}/move", name="cohort_learner_move")
def learner_move(
    request: Request,
    cohort_id: int,
    user_id: int,
    principal: Principal = Depends(runs_cohorts),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    cohort, _role = cohorts.cohort_for(session, principal, cohort_id, manage=True)
    try:
        target_id = int(raw.get("target", ""))
    except ValueError:
        raise NotFound() from None
    target, _target_role = cohorts.cohort_for(session, principal, target_id, manage=True)
    cohorts.move_learner(
        session, cohort, target, actor=accounts_service.user_of(session, principal), user_id=user_id
    )
    session.commit()
    return flash.flash(redirect(request, f"/cohorts/{target.id}/learners/{user_id}"), LEARNER_MOVED)


# Roster import --------------------------------------------------------------------------------------------


@router.get("/{cohort_id}/roster", name="cohort_roster")
def roster_form(
    request: Request,
    cohort_id: int,
    principal: Principal = Depends(runs_cohorts),
    session: Session = Depends(get_session),
) -> Response:
    cohort, _role = cohorts.cohort_for(session, principal, cohort_id, manage=True)
    return _render(
        request, "learning/roster.html", {"cohort": cohort, "rows": None, "text": "", "problem": None}
    )


def _plan(session: Session, cohort: Cohort, text: str) -> tuple[list[roster.Row] | None, str | None]:
    try:
        return roster.plan(session, cohort, text, get_locale()), None
    except roster.RosterUnreadable as exc:
        return None, exc.reason


@router.post("/{cohort_id}/roster", name="cohort_roster_check", max_body_size=roster.MAX_BYTES + 64 * 1024)
def roster_check(
    request: Request,
    cohort_id: int,
    principal: Principal = Depends(runs_cohorts),
    file: UploadFile | None = File(None),
    session: Session = Depends(get_session),
) -> Response:
    """The dry run: every row's outcome, and nothing written."""
    cohort, _role = cohorts.cohort_for(session, principal, cohort_id, manage=True)
    data = file.file.read(roster.MAX_BYTES + 1) if file is not None else b""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        context = {
            "cohort": cohort,
            "rows": None,
            "text": "",
            "problem": N_("Save the file as CSV in UTF-8 and try again."),
        }
        return _render(request, "learning/roster.html", context, status_code=422)
    rows, problem = _plan(session, cohort, text)
    status = 422 if problem or (rows and any(row.outcome == "error" for row in rows)) else 200
    return _render(
        request,
        "learning/roster.html",
        {"cohort": cohort, "rows": rows, "text": text, "problem": problem},
        status,
    )


@router.post("/{cohort_id}/roster/import", name="cohort_roster_import", max_body_size=2 * roster.MAX_BYTES)
def roster_import(
    request: Request,
    cohort_id: int,
    principal: Principal = Depends(runs_cohorts),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    """The import itself: checked again, then every row or none, then the invitations."""
    cohort, _role = cohorts.cohort_for(session, principal, cohort_id, manage=True)
    text = raw.get("csv", "")
    rows, problem = _plan(session, cohort, text)
    if problem or not rows or any(row.outcome == "error" for row in rows):
        return _render(
            request,
            "learning/roster.html",
            {"cohort": cohort, "rows": rows, "text": text, "problem": problem},
            422,
        )
    settings = request.app.state.settings
    invitations = roster.apply(
        session, cohort, rows, settings=settings, actor=accounts_service.user_of(session, principal)
    )
    titles = {locale: dict(_courses(session, locale)).get(cohort.course_id, "") for locale in LOCALES}
    session.commit()
    roster.send_invitations(
        request.app.state.templates, settings, cohort=cohort, titles=titles, invitations=invitations
    )
    return flash.flash(redirect(request, f"/cohorts/{cohort_id}/matrix"), ROSTER_IMPORTED)
