"""Administrators: the list of users, granting and removing roles, and the audit log."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.accounts.regions import REGIONS
from app.db import get_session
from app.errors import NotFound
from app.forms import clean_line, form_fields
from app.i18n import N_
from app.permissions import ROLE_LABELS, Capability, Role
from app.principal import Principal
from app.routing import Route
from app.web import flash
from app.web.access import require

router = APIRouter(prefix="/admin", include_in_schema=False, route_class=Route)

ROLES_SAVED = flash.register("roles-saved", N_("The roles are saved and the change is logged."))


@router.get("/users", name="admin_users")
def users(
    request: Request,
    q: str = "",
    page: int = 1,
    principal: Principal = Depends(require(Capability.MANAGE_USERS)),
    session: Session = Depends(get_session),
) -> Response:
    query = clean_line(q, 100)
    listing = accounts_service.list_users(session, query=query, page=page)
    return request.app.state.templates.render(  # type: ignore[no-any-return]
        request,
        "admin/users.html",
        {"listing": listing, "query": query, "role_labels": ROLE_LABELS},
        block="user_list",
    )


@router.get("/users/{user_id}", name="admin_user")
def user_page(
    request: Request,
    user_id: int,
    principal: Principal = Depends(require(Capability.MANAGE_USERS)),
    session: Session = Depends(get_session),
) -> Response:
    user = accounts_service.get_user(session, user_id)
    if user is None:
        raise NotFound()
    return request.app.state.templates.render(  # type: ignore[no-any-return]
        request,
        "admin/user.html",
        {"user": user, "roles": list(Role), "role_labels": ROLE_LABELS, "regions": REGIONS},
    )


@router.post("/users/{user_id}/roles", name="admin_user_roles")
def set_roles(
    request: Request,
    user_id: int,
    principal: Principal = Depends(require(Capability.MANAGE_USERS)),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    """The form sends one checkbox per role; missing means unticked."""
    user = accounts_service.get_user(session, user_id)
    actor = accounts_service.get_user(session, principal.user_id)
    if user is None:
        raise NotFound()
    for role in Role:
        if raw.get(f"role_{role}") == "on":
            accounts_service.grant_role(session, actor=actor, user=user, role=role)
        else:
            accounts_service.revoke_role(session, actor=actor, user=user, role=role)
    session.commit()
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
    return request.app.state.templates.render(  # type: ignore[no-any-return]
        request, "admin/audit.html", {"listing": listing}
    )
