"""Coordinators run their cohorts: create and edit them, invitation links, staff, roster import from
CSV (a dry run first), and withdrawing or moving learners.

Each form that can be refused comes back on its page with what she typed and the reason beside the
field: the cohort's form, an invitation link's days and uses, a member of staff's email and role, a
roster whose lines are wrong (every line shown again, with what is wrong with it).
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, File, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.accounts.submissions import Once, once
from app.db import after_commit, get_session
from app.forms import Filled, Refused, form
from app.i18n import N_, get_locale
from app.learning import cohorts, roster
from app.learning.schemas import CohortForm, InviteForm, MoveForm, RosterCheckForm, RosterForm, StaffForm
from app.principal import Principal
from app.routing import Router, shows_refusals
from app.web import flash, state
from app.web.access import CohortRunner
from app.web.htmx import redirect
from app.web.pages import render
from app.web.params import Id

router = Router(prefix="/cohorts", include_in_schema=False)

COHORT_SAVED = flash.register("cohort-saved", N_("The cohort is saved."))
CODE_CHANGED = flash.register(
    "code-changed", N_("A new enrolment code is ready; the old one no longer works."), "info"
)
INVITE_SHOWN_ONCE = flash.register(
    "invite-shown-once",
    N_("That link was made already, and shown once when it was made. It is in the list of links."),
    "info",
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

INVITE_DEFAULTS = {"days": "14", "max_uses": "30"}
STAFF_DEFAULTS = {"email": "", "role": "trainer"}


def _fields(body: CohortForm) -> cohorts.CohortFields:
    return cohorts.CohortFields(
        body.name, body.course_id, body.starts_on, body.ends_on, body.max_learners, body.code
    )


# A new cohort ---------------------------------------------------------------------------------------------


def _new_page(request: Request, session: Session, filled: Filled, status_code: int = 200) -> Response:
    context = {
        "cohort": None,
        "form": filled,
        "courses": cohorts.course_choices(session, locale=get_locale()),
    }
    return render(request, "learning/cohort_form.html", context, status_code=status_code)


def _create_refused(refused: Refused) -> Response:
    filled = Filled(refused.values, refused.errors)
    return _new_page(refused.request, refused.session, filled, refused.status_code)


@router.get("/new", name="cohort_new")
def cohort_new(
    request: Request, principal: CohortRunner, session: Session = Depends(get_session)
) -> Response:
    return _new_page(request, session, Filled())


@router.post("/", name="cohort_create")
@shows_refusals(_create_refused)
def cohort_create(
    request: Request,
    principal: CohortRunner,
    body: CohortForm = form(CohortForm),
    sent: Once = once("cohort"),
    session: Session = Depends(get_session),
) -> Response:
    if earlier := sent.earlier(session):  # sent twice: the cohort the first send made
        return redirect(request, earlier)
    cohort = cohorts.create(session, principal=principal, fields=_fields(body))
    return flash.flash(redirect(request, sent.done(session, f"/cohorts/{cohort.id}/settings")), COHORT_SAVED)


# A cohort's settings: its fields, its code, invitation links, staff -----------------------------------


def _settings_page(
    request: Request,
    session: Session,
    principal: Principal,
    cohort_id: int,
    status_code: int = 200,
    **forms: Any,
) -> Response:
    """The settings page; `forms` are the forms shown as she sent them (form, invite, staff), and
    `new_link` an invitation link just made."""
    found = cohorts.settings_of(session, principal=principal, cohort_id=cohort_id, locale=get_locale())
    cohort = found.cohort
    saved = {
        "name": cohort.name,
        "course_id": str(cohort.course_id),
        "starts_on": cohort.starts_on.isoformat() if cohort.starts_on else "",
        "ends_on": cohort.ends_on.isoformat() if cohort.ends_on else "",
        "max_learners": str(cohort.max_learners or ""),
        "code": cohort.enrolment_code,
    }
    context = {
        "cohort": cohort,
        "form": forms.get("form") or Filled(saved),
        "invite": forms.get("invite") or Filled(INVITE_DEFAULTS),
        "staff_form": forms.get("staff") or Filled(STAFF_DEFAULTS),
        "courses": found.courses,
        "invites": found.invites,
        "staff": found.staff,
        "learners": found.learners,
        "new_link": forms.get("new_link"),
        "base_url": state.settings(request).base_url.rstrip("/"),
    }
    return render(request, "learning/cohort_form.html", context, status_code=status_code)


def _refused_on_settings(name: str, defaults: dict[str, str] | None = None) -> Any:
    """The refusal page of one of the settings page's forms: that form as she sent it, with the reasons."""

    def page(refused: Refused) -> Response:
        filled = Filled({**(defaults or {}), **refused.values}, refused.errors)
        params = refused.params
        return _settings_page(
            refused.request,
            refused.session,
            params["principal"],
            params["cohort_id"],
            refused.status_code,
            **{name: filled},
        )

    return page


@router.get("/{cohort_id}/settings", name="cohort_settings")
def cohort_settings(
    request: Request, cohort_id: Id, principal: CohortRunner, session: Session = Depends(get_session)
) -> Response:
    return _settings_page(request, session, principal, cohort_id)


@router.post("/{cohort_id}/settings", name="cohort_update")
@shows_refusals(_refused_on_settings("form"))
def cohort_update(
    request: Request,
    cohort_id: Id,
    principal: CohortRunner,
    body: CohortForm = form(CohortForm),
    session: Session = Depends(get_session),
) -> Response:
    cohorts.update(session, principal=principal, cohort_id=cohort_id, fields=_fields(body))
    return flash.flash(redirect(request, f"/cohorts/{cohort_id}/settings"), COHORT_SAVED)


@router.post("/{cohort_id}/code", name="cohort_new_code")
def cohort_new_code(
    request: Request, cohort_id: Id, principal: CohortRunner, session: Session = Depends(get_session)
) -> Response:
    cohorts.renew_code(session, principal=principal, cohort_id=cohort_id)
    return flash.flash(redirect(request, f"/cohorts/{cohort_id}/settings"), CODE_CHANGED)


@router.post("/{cohort_id}/invites", name="cohort_invite_create")
@shows_refusals(_refused_on_settings("invite", INVITE_DEFAULTS))
def invite_create(
    request: Request,
    cohort_id: Id,
    principal: CohortRunner,
    body: InviteForm = form(InviteForm),
    sent: Once = once("invitation"),
    session: Session = Depends(get_session),
) -> Response:
    if earlier := sent.earlier(session):  # sent twice: one link (shown when it was made)
        return flash.flash(redirect(request, earlier), INVITE_SHOWN_ONCE)
    sent.done(session, f"/cohorts/{cohort_id}/settings#invites")
    token = cohorts.invite(
        session, principal=principal, cohort_id=cohort_id, days=body.days, max_uses=body.max_uses
    )
    # The link is shown once, now: only its hash is kept.
    link = f"{state.settings(request).base_url.rstrip('/')}/invite/{token}"
    return _settings_page(request, session, principal, cohort_id, new_link=link)


@router.post("/{cohort_id}/invites/{invite_id}/revoke", name="cohort_invite_revoke")
def invite_revoke(
    request: Request,
    cohort_id: Id,
    invite_id: Id,
    principal: CohortRunner,
    session: Session = Depends(get_session),
) -> Response:
    cohorts.stop_invite(session, principal=principal, cohort_id=cohort_id, invite_id=invite_id)
    return flash.flash(redirect(request, f"/cohorts/{cohort_id}/settings#invites"), INVITE_REVOKED)


@router.post("/{cohort_id}/staff", name="cohort_staff_add")
@shows_refusals(_refused_on_settings("staff", STAFF_DEFAULTS))
def staff_add(
    request: Request,
    cohort_id: Id,
    principal: CohortRunner,
    body: StaffForm = form(StaffForm),
    session: Session = Depends(get_session),
) -> Response:
    cohorts.add_to_staff(session, principal=principal, cohort_id=cohort_id, email=body.email, role=body.role)
    return flash.flash(redirect(request, f"/cohorts/{cohort_id}/settings#staff"), STAFF_ADDED)


# A learner of the cohort ------------------------------------------------------------------------------------


@router.post("/{cohort_id}/learners/{user_id}/withdraw", name="cohort_learner_withdraw")
def learner_withdraw(
    request: Request,
    cohort_id: Id,
    user_id: Id,
    principal: CohortRunner,
    session: Session = Depends(get_session),
) -> Response:
    cohorts.withdraw(session, principal=principal, cohort_id=cohort_id, user_id=user_id)
    return flash.flash(redirect(request, f"/cohorts/{cohort_id}/matrix"), LEARNER_WITHDRAWN)


@router.post("/{cohort_id}/learners/{user_id}/move", name="cohort_learner_move")
def learner_move(
    request: Request,
    cohort_id: Id,
    user_id: Id,
    principal: CohortRunner,
    body: MoveForm = form(MoveForm),
    session: Session = Depends(get_session),
) -> Response:
    """The learner's page (reports) offers only cohorts she may move to: a refusal here is a crafted
    request, answered with the error page."""
    target = cohorts.move(
        session, principal=principal, cohort_id=cohort_id, user_id=user_id, target_id=body.target
    )
    return flash.flash(redirect(request, f"/cohorts/{target.id}/learners/{user_id}"), LEARNER_MOVED)


# Roster import --------------------------------------------------------------------------------------------


def _roster_page(request: Request, checked: roster.DryRun, status_code: int) -> Response:
    context = {
        "cohort": checked.cohort,
        "rows": checked.rows,
        "text": checked.text,
        "problem": checked.problem,
        "encoding": checked.encoding,
        "delimiter": checked.delimiter,
        "check_id": checked.check_id,
        "places": checked.places,
        "taken": checked.taken,
        "over": checked.over,
        "encodings": roster.ENCODINGS,
        "delimiters": roster.DELIMITERS,
    }
    return render(request, "learning/roster.html", context, status_code=status_code)


@router.get("/{cohort_id}/roster", name="cohort_roster")
def roster_form(
    request: Request, cohort_id: Id, principal: CohortRunner, session: Session = Depends(get_session)
) -> Response:
    cohort = cohorts.managed(session, principal, cohort_id)
    return _roster_page(request, roster.DryRun(cohort, None, "", None), 200)


@router.post("/{cohort_id}/roster", name="cohort_roster_check", max_body_size=roster.MAX_BYTES + 64 * 1024)
def roster_check(
    request: Request,
    cohort_id: Id,
    principal: CohortRunner,
    file: UploadFile | None = File(None),
    body: RosterCheckForm = form(RosterCheckForm),
    session: Session = Depends(get_session),
) -> Response:
    """The dry run: every row's outcome, and nothing written."""
    data = file.file.read(roster.MAX_BYTES + 1) if file is not None else b""
    checked = roster.check(
        session,
        principal=principal,
        cohort_id=cohort_id,
        data=data,
        locale=get_locale(),
        encoding=body.encoding,
        delimiter=body.delimiter,
    )
    return _roster_page(request, checked, checked.status_code)


def _import_refused(refused: Refused) -> Response:
    """The file she confirmed cannot be imported as it is (it changed, or was never right): every line
    again, with what is wrong."""
    checked = roster.recheck(
        refused.session,
        principal=refused.params["principal"],
        cohort_id=refused.params["cohort_id"],
        check_id=str(refused.values.get("check_id", "")),
        locale=get_locale(),
    )
    return _roster_page(refused.request, checked, refused.status_code)


@router.post("/{cohort_id}/roster/import", name="cohort_roster_import")
@shows_refusals(_import_refused)
def roster_import(
    request: Request,
    cohort_id: Id,
    principal: CohortRunner,
    body: RosterForm = form(RosterForm),
    session: Session = Depends(get_session),
) -> Response:
    """The import itself: checked again, then every row or none; the invitations go once it is
    committed."""
    settings, templates = state.settings(request), state.templates(request)
    done = roster.import_roster(
        session,
        principal=principal,
        cohort_id=cohort_id,
        check_id=body.check_id,
        settings=settings,
        locale=get_locale(),
    )
    after_commit(
        session,
        lambda: roster.send_invitations(
            templates, settings, cohort=done.cohort, titles=done.titles, invitations=done.invitations
        ),
    )
    return flash.flash(redirect(request, f"/cohorts/{cohort_id}/matrix"), ROSTER_IMPORTED)
