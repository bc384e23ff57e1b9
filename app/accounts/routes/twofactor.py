"""Two-step sign-in: the code step after her password, setting up her authenticator app with recovery
codes, turning it off (learners), and an admin's reset for a lost phone (audited). app/accounts/
twofactor.py holds the rules; docs/security.md says why staff must have it."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.accounts import confirmation, twofactor
from app.accounts import service as accounts_service
from app.accounts.devices import device_label
from app.accounts.exceptions import RateLimited
from app.accounts.middleware import session_cookie_header
from app.accounts.models import User
from app.accounts.ratelimit import LOGIN_PER_ACCOUNT, Limit, account_of, address_of, limited
from app.accounts.schemas import CodeForm, PasswordForm
from app.config import Settings
from app.db import get_session
from app.errors import DomainError, NotFound
from app.forms import FormErrors, Invalid, Refused, form
from app.i18n import N_
from app.permissions import is_staff
from app.principal import Principal
from app.routing import Router, shows_refusals
from app.web import flash
from app.web.access import UserManager, require_user
from app.web.htmx import safe_next
from app.web.pages import render
from app.web.params import Id

router = Router(include_in_schema=False)

CHALLENGE_COOKIE = "academy_2fa"
CODE_PER_ADDRESS = Limit("2fa-address", 30, 300)
CODE_PER_ACCOUNT = Limit("2fa-account", 10, 300)
CODE_PER_USER = Limit("2fa-user", 10, 900)  # codes tried for one account, over every challenge

TWO_FACTOR_ON = flash.register("2fa-on", N_("Two-step sign-in is on."))
TWO_FACTOR_OFF = flash.register("2fa-off", N_("Two-step sign-in is off."), "info")
TWO_FACTOR_RESET = flash.register(
    "2fa-reset",
    N_("Two-step sign-in is reset and every session of this person is ended. The change is logged."),
)
CODE_EXPIRED = flash.register(
    "2fa-expired", N_("The sign-in took too long or had too many wrong codes. Please sign in again."), "info"
)
RECOVERY_USED = flash.register(
    "2fa-recovery-used",
    N_(
        "You signed in with a recovery code. It cannot be used again: "
        "make new codes on the two-step sign-in page."
    ),
    "info",
)


class WrongCode(DomainError):
    status_code = 422
    message = N_("This code is not right, or it was used already. Wait for a new code and try again.")
    field = "code"


class StaffKeepTwoFactor(DomainError):
    status_code = 409
    message = N_("Staff accounts keep two-step sign-in on: they can open participants' data.")


def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def challenge_cookie(settings: Settings, token: str | None) -> str:
    parts = [f"{CHALLENGE_COOKIE}={token or ''}", "Path=/login", "HttpOnly", "SameSite=Lax"]
    parts.append(f"Max-Age={twofactor.CHALLENGE_SECONDS if token else 0}")
    if settings.https:
        parts.append("Secure")
    return "; ".join(parts)


def ask_for_code(request: Request, session: Session, user: User, next_path: str) -> Response:
    """Her password was right: the code step (the session starts only after it)."""
    token = twofactor.start_challenge(session, user=user)
    response = RedirectResponse(f"/login/code?next={safe_next(next_path)}", status_code=303)
    response.headers.append("set-cookie", challenge_cookie(_settings(request), token))
    return response


# The code step ---------------------------------------------------------------------------------------------


def _code_page(
    request: Request, next_path: str, errors: FormErrors | None = None, status: int = 200
) -> Response:
    context = {"next": safe_next(next_path), "errors": errors or FormErrors()}
    return render(request, "accounts/login_code.html", context, status_code=status)


def _code_refused(refused: Refused) -> Response:
    next_path = str(refused.values.get("next", "/"))
    return _code_page(refused.request, next_path, refused.errors, refused.status_code)


@router.get("/login/code", name="login_code")
def login_code(request: Request, next: str = "/", session: Session = Depends(get_session)) -> Response:
    token = request.cookies.get(CHALLENGE_COOKIE, "")
    if not token or twofactor.challenged(session, token=token) is None:
        return flash.flash(RedirectResponse("/login", status_code=303), CODE_EXPIRED)
    return _code_page(request, next)


def _challenge_user(request: Request, _values: dict[str, Any]) -> str:
    return "challenge:" + request.cookies.get(CHALLENGE_COOKIE, "")[:64]


@router.post("/login/code", name="login_code_submit")
@shows_refusals(_code_refused)
def login_code_submit(
    request: Request,
    body: CodeForm = form(CodeForm),
    _address: Invalid | None = limited(CODE_PER_ADDRESS, by=address_of),
    _challenge: Invalid | None = limited(CODE_PER_ACCOUNT, by=_challenge_user),
    session: Session = Depends(get_session),
) -> Response:
    settings = _settings(request)
    challenge = twofactor.challenged(session, token=request.cookies.get(CHALLENGE_COOKIE, ""))
    if challenge is not None and not request.app.state.rate_limiter.hit(
        session, CODE_PER_USER, str(challenge.user_id)
    ):  # one limit per account, however many challenges her password opens
        errors = FormErrors()
        errors.add("code", RateLimited.message)
        return _code_page(request, body.next, errors, RateLimited.status_code)
    if challenge is None:
        response = flash.flash(RedirectResponse("/login", status_code=303), CODE_EXPIRED)
        response.headers.append("set-cookie", challenge_cookie(settings, None))
        return response
    how = twofactor.answer_challenge(session, settings=settings, challenge=challenge, code=body.code)
    if how is None:  # not raised: the failure is counted in this request's own work
        errors = FormErrors()
        errors.add("code", WrongCode.message)
        return _code_page(request, body.next, errors, WrongCode.status_code)
    user = accounts_service.get_user(session, challenge.user_id)
    if user is None or not user.is_active:
        raise NotFound()
    device = device_label(request.headers.get("user-agent", ""))
    token = accounts_service.start_session(session, settings=settings, user=user, device=device)
    if is_staff(user.role_names):
        accounts_service.record(session, actor=user, action="staff.sign_in", target=user, detail=how)
    response = RedirectResponse(safe_next(body.next), status_code=303)
    response.headers.append("set-cookie", session_cookie_header(settings, token))
    response.headers.append("set-cookie", challenge_cookie(settings, None))
    return flash.flash(response, RECOVERY_USED if how == "recovery" else SIGNED_IN)


SIGNED_IN = flash.register("signed-in-2fa", N_("You are signed in."))


# Her own two-step sign-in --------------------------------------------------------------------------------


def _page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    codes: list[str] | None = None,
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    user = accounts_service.user_of(session, principal)
    record = twofactor.of(session, user.id)
    on = record is not None and record.confirmed_at is not None
    context = {
        "on": on,
        "enrolment": None if on else twofactor.begin(session, user=user),
        "codes": codes,
        "left": twofactor.recovery_codes_left(session, user_id=user.id) if on else 0,
        "staff": is_staff(principal.roles),
        "errors": errors or FormErrors(),
    }
    return render(request, "accounts/two_factor.html", context, status_code=status)


@router.get("/account/two-factor", name="two_factor")
def two_factor(
    request: Request, principal: Principal = Depends(require_user), session: Session = Depends(get_session)
) -> Response:
    return _page(request, session, principal)


def _refused(refused: Refused) -> Response:
    principal = refused.params["principal"]
    return _page(
        refused.request, refused.session, principal, errors=refused.errors, status=refused.status_code
    )


@router.post("/account/two-factor", name="two_factor_confirm")
@shows_refusals(_refused)
def two_factor_confirm(
    request: Request,
    body: CodeForm = form(CodeForm),
    principal: Principal = Depends(require_user),
    _account: Invalid | None = limited(CODE_PER_ACCOUNT, by=account_of),
    session: Session = Depends(get_session),
) -> Response:
    user = accounts_service.user_of(session, principal)
    codes = twofactor.confirm(
        session, settings=_settings(request), user=user, code=body.code, keep_session_id=principal.session_id
    )
    if codes is None:
        raise WrongCode()
    return flash.flash(_page(request, session, principal, codes=codes), TWO_FACTOR_ON)


@router.post("/account/two-factor/recovery-codes", name="two_factor_codes")
@shows_refusals(_refused)
def two_factor_codes(
    request: Request,
    body: PasswordForm = form(PasswordForm),
    principal: Principal = Depends(require_user),
    _account: Invalid | None = limited(LOGIN_PER_ACCOUNT, by=account_of),
    session: Session = Depends(get_session),
) -> Response:
    """New recovery codes (the old ones stop working): her password first."""
    confirmation.check_password(
        session, settings=_settings(request), principal=principal, password=body.password
    )
    if not twofactor.enabled(session, principal.user_id):
        raise NotFound()
    codes = twofactor.new_recovery_codes(
        session, settings=_settings(request), user=accounts_service.user_of(session, principal)
    )
    return _page(request, session, principal, codes=codes)


@router.post("/account/two-factor/off", name="two_factor_off")
@shows_refusals(_refused)
def two_factor_off(
    request: Request,
    body: PasswordForm = form(PasswordForm),
    principal: Principal = Depends(require_user),
    _account: Invalid | None = limited(LOGIN_PER_ACCOUNT, by=account_of),
    session: Session = Depends(get_session),
) -> Response:
    if is_staff(principal.roles):
        raise StaffKeepTwoFactor()
    confirmation.check_password(
        session, settings=_settings(request), principal=principal, password=body.password
    )
    user = accounts_service.user_of(session, principal)
    twofactor.disable(session, actor=user, user=user)
    return flash.flash(RedirectResponse("/account", status_code=303), TWO_FACTOR_OFF)


# An admin's reset, for a lost phone ------------------------------------------------------------------------


@router.post("/admin/users/{user_id}/reset-2fa", name="admin_reset_2fa")
def admin_reset(
    request: Request, user_id: Id, principal: UserManager, session: Session = Depends(get_session)
) -> Response:
    """Her phone is lost: two-step sign-in off and every session ended; she sets it up again at her next
    staff page. Audited with the admin's name."""
    user = accounts_service.get_user(session, user_id)
    if user is None:
        raise NotFound()
    admin = accounts_service.user_of(session, principal)
    twofactor.disable(session, actor=admin, user=user, action="2fa.reset")
    accounts_service.end_all_sessions(session, user_id=user.id)
    response = RedirectResponse(f"/admin/users/{user.id}", status_code=303)
    return flash.flash(response, TWO_FACTOR_RESET)
