"""Administrators: the list of users, granting and removing roles, and the audit log."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.accounts import audit as audit_actions
from app.accounts import service as accounts_service
from app.accounts import twofactor
from app.accounts.regions import REGIONS
from app.accounts.schemas import RolesForm
from app.accounts.service import AuditFilter
from app.db import get_session
from app.errors import NotFound
from app.forms import FormErrors, Refused, form
from app.i18n import N_
from app.permissions import ROLE_LABELS, Capability, Role
from app.principal import Principal
from app.routing import Router, shows_refusals
from app.web import flash
from app.web.access import UserManager, require
from app.web.pages import render
from app.web.params import Id

router = Router(prefix="/admin", include_in_schema=False)

SESSIONS_ENDED = flash.register(
    "sessions-ended",
    N_("Every session of this person is ended: she must sign in again. The change is logged."),
)
ROLES_SAVED = flash.register("roles-saved", N_("The roles are saved and the change is logged."))


@router.get("/users", name="admin_users")
def users(
    request: Request,
    principal: UserManager,
    q: str = "",
    page: int = 1,
    session: Session = Depends(get_session),
) -> Response:
    listing = accounts_service.list_users(session, query=q, page=page)
    context = {"listing": listing, "query": q.strip()[:100], "role_labels": ROLE_LABELS}
    return render(request, "admin/users.html", context, block="user_list")


def _user_page(
    request: Request, session: Session, user_id: int, errors: FormErrors | None = None, status_code: int = 200
) -> Response:
    user = accounts_service.get_user(session, user_id)
    if user is None:
        raise NotFound()
    context = {
        "user": user, "roles": list(Role), "role_labels": ROLE_LABELS, "regions": REGIONS,
        "errors": errors or FormErrors(), "two_factor": twofactor.enabled(session, user.id),
    }  # fmt: skip
    return render(request, "admin/user.html", context, status_code=status_code)


@router.get("/users/{user_id}", name="admin_user")
def user_page(
    request: Request, user_id: Id, principal: UserManager, session: Session = Depends(get_session)
) -> Response:
    target = accounts_service.get_user(session, user_id)
    if target is not None:  # an admin looking at someone's account: logged
        admin = accounts_service.user_of(session, principal)
        accounts_service.record(session, actor=admin, action="user.view", target=target)
    return _user_page(request, session, user_id)


def _roles_refused(refused: Refused) -> Response:
    """The roles as they are (nothing was changed), with the reason: the last administrator keeps hers."""
    user_id = refused.params["user_id"]
    return _user_page(refused.request, refused.session, user_id, refused.errors, refused.status_code)


@router.post("/users/{user_id}/roles", name="admin_user_roles")
@shows_refusals(_roles_refused)
def set_roles(
    request: Request,
    user_id: Id,
    principal: UserManager,
    body: RolesForm = form(RolesForm),
    session: Session = Depends(get_session),
) -> Response:
    """The form sends one checkbox per role; missing means unticked."""
    accounts_service.set_roles(session, actor_id=principal.user_id, user_id=user_id, roles=body.roles())
    response = RedirectResponse(request.url_for("admin_user", user_id=user_id).path, status_code=303)
    return flash.flash(response, ROLES_SAVED)


@router.post("/users/{user_id}/end-sessions", name="admin_end_sessions")
def end_sessions(
    request: Request, user_id: Id, principal: UserManager, session: Session = Depends(get_session)
) -> Response:
    """Every session of hers ended (a phone taken, a staff member leaving): audited with the admin's name."""
    user = accounts_service.get_user(session, user_id)
    if user is None:
        raise NotFound()
    ended = accounts_service.end_all_sessions(session, user_id=user.id)
    admin = accounts_service.user_of(session, principal)
    accounts_service.record(session, actor=admin, action="sessions.end_all", target=user, detail=str(ended))
    return flash.flash(RedirectResponse(f"/admin/users/{user.id}", status_code=303), SESSIONS_ENDED)


@router.get("/audit", name="admin_audit")
def audit(
    request: Request,
    page: int = 1,
    action: str = "",
    person: str = "",
    since: str = "",
    until: str = "",
    principal: Principal = Depends(require(Capability.VIEW_AUDIT_LOG)),
    session: Session = Depends(get_session),
) -> Response:
    """The log, filtered by what was done (a prefix), by whom or to whom (an email), and by days."""
    wanted = AuditFilter(action.strip()[:60], person.strip()[:254], _day(since), _day(until))
    listing, rows = accounts_service.audit_events(session, page=page, wanted=wanted)
    kept = {"action": wanted.action, "person": wanted.person, "since": since, "until": until}
    params = urlencode({key: value for key, value in kept.items() if value})
    context = {
        "listing": listing,
        "rows": rows,
        "wanted": wanted,
        "params": params + "&" if params else "",
        "examples": "2fa, role, export, learner, sessions, staff.sign_in",
        "action_labels": audit_actions.ACTIONS,
    }
    return render(request, "admin/audit.html", context)


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None
