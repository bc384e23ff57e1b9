"""Administrators: the list of users, granting and removing roles, and the audit log."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.accounts.regions import REGIONS
from app.accounts.schemas import RolesForm
from app.db import get_session
from app.errors import NotFound
from app.forms import FormErrors, Refused, form
from app.i18n import N_
from app.permissions import ROLE_LABELS, Capability, Role
from app.principal import Principal
from app.routing import Route, shows_refusals
from app.web import flash
from app.web.access import UserManager, require
from app.web.pages import render
from app.web.params import Id

router = APIRouter(prefix="/admin", include_in_schema=False, route_class=Route)

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
        "errors": errors or FormErrors(),
    }  # fmt: skip
    return render(request, "admin/user.html", context, status_code=status_code)


@router.get("/users/{user_id}", name="admin_user")
def user_page(
    request: Request, user_id: Id, principal: UserManager, session: Session = Depends(get_session)
) -> Response:
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


@router.get("/audit", name="admin_audit")
def audit(
    request: Request,
    page: int = 1,
    principal: Principal = Depends(require(Capability.VIEW_AUDIT_LOG)),
    session: Session = Depends(get_session),
) -> Response:
    listing = accounts_service.audit_events(session, page=page)
    return render(request, "admin/audit.html", {"listing": listing})
