"""Registration, sign-in and out, the account page, and password reset."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.accounts import confirmation, emails, personal_data, twofactor
from app.accounts import service as accounts_service
from app.accounts.devices import device_label
from app.accounts.exceptions import NotHerPassword
from app.accounts.middleware import session_cookie_header, session_cookie_name
from app.accounts.ratelimit import (
    LOGIN_PER_ACCOUNT,
    LOGIN_PER_ADDRESS,
    REGISTER_PER_ADDRESS,
    REGISTER_PER_EMAIL,
    RESET_PER_ACCOUNT,
    RESET_PER_ADDRESS,
    account_of,
    address_of,
    limited,
)
from app.accounts.regions import REGIONS
from app.accounts.routes.twofactor import ask_for_code
from app.accounts.schemas import (
    LanguageForm,
    LoginForm,
    NewPasswordForm,
    PasswordChangeForm,
    PasswordForm,
    ProfileForm,
    RegistrationForm,
    ResetRequestForm,
    new_password,
)
from app.config import LOCALES, Settings
from app.db import after_commit, get_session, utcnow
from app.errors import DomainError, NotFound
from app.forms import Filled, FormErrors, Invalid, Refused, form
from app.i18n import LOCALE_NAMES, N_, get_locale, gettext
from app.middleware import LOCALE_COOKIE
from app.permissions import is_staff
from app.principal import Principal
from app.routing import Router, shows_refusals
from app.web import flash
from app.web.access import current_principal, require_user
from app.web.htmx import safe_next
from app.web.params import Id

router = Router(include_in_schema=False)

SIGNED_IN = flash.register("signed-in", N_("You are signed in."))
SIGNED_OUT = flash.register("signed-out", N_("You are signed out."))
SIGNED_OUT_EVERYWHERE = flash.register(
    "signed-out-everywhere", N_("You are signed out on every device. Sign in again to continue."), "info"
)
PROFILE_SAVED = flash.register("profile-saved", N_("Your profile is saved."))
PASSWORD_CHANGED = flash.register(
    "password-changed", N_("Your password is changed. Other devices were signed out.")
)
PASSWORD_RESET_DONE = flash.register("password-reset", N_("Your new password is set. Please sign in."))
SESSION_ENDED = flash.register("session-ended", N_("That session is ended: the device is signed out."))
TOKEN_REMOVED = flash.register("token-removed", N_("The app's token is removed."))
ACCOUNT_CREATED = flash.register("account-created", N_("Welcome! Your account is ready."))
ACCOUNT_DELETED = flash.register(
    "account-deleted", N_("Your account is deleted. Thank you for learning with us."), "info"
)


def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def _render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    return request.app.state.templates.render(  # type: ignore[no-any-return]
        request, name, context, block="content", status_code=status_code
    )


def _choices() -> dict[str, Any]:
    return {
        "locale_choices": [(code, LOCALE_NAMES[code]) for code in LOCALES],
        "region_choices": [("", gettext("Prefer not to say"))]
        + [(code, gettext(label)) for code, label in REGIONS.items()],
    }


class BadCredentials(DomainError):
    status_code = 422
    message = N_("The email or the password is wrong.")


def _email_of(_request: Request, values: dict[str, Any]) -> str:
    return str(values.get("email", ""))


def _her_email(request: Request, _values: dict[str, Any]) -> str:
    principal = current_principal(request)
    return principal.email if principal else account_of(request, _values)


def _sign_in(request: Request, response: Response, session: Session, user: Any) -> Response:
    device = device_label(request.headers.get("user-agent", ""))
    token = accounts_service.start_session(session, settings=_settings(request), user=user, device=device)
    if is_staff(user.role_names):
        accounts_service.record(session, actor=user, action="staff.sign_in", target=user, detail="password")
    response.headers.append("set-cookie", session_cookie_header(_settings(request), token))
    return response


def _send(request: Request, session: Session, *, to: str, locale: str, template: str, **context: Any) -> None:
    """An account email, sent once the request's work is committed (never for work rolled back)."""
    templates, settings = request.app.state.templates, _settings(request)
    after_commit(
        session,
        lambda: emails.send(templates, settings, to=to, locale=locale, template=template, **context),
    )


# Registration -------------------------------------------------------------------------------------------

REGISTRATION = form(RegistrationForm)


def _register_page(refused: Refused) -> Response:
    context = {"form": Filled(refused.values, refused.errors), **_choices()}
    return _render(refused.request, "accounts/register.html", context, refused.status_code)


@router.get("/register", name="register")
def register_form(request: Request) -> Response:
    if current_principal(request):
        return RedirectResponse("/account", status_code=303)
    filled = Filled({"locale": get_locale()})  # the language of the page she registers from
    return _render(request, "accounts/register.html", {"form": filled, **_choices()})


@router.post("/register", name="register_submit")
@shows_refusals(_register_page)
def register_submit(
    request: Request,
    body: RegistrationForm = REGISTRATION,
    _address: Invalid | None = limited(REGISTER_PER_ADDRESS, by=address_of),
    _email: Invalid | None = limited(REGISTER_PER_EMAIL, by=_email_of, form=REGISTRATION),
    session: Session = Depends(get_session),
) -> Response:
    new_password(body.password, body.password_confirm, email=body.email, name=body.display_name)
    started = accounts_service.start_registration(
        session,
        settings=_settings(request),
        email=body.email,
        display_name=body.display_name,
        password=body.password,
        locale=body.locale,
        region=body.region,
    )
    if started.token:
        _send(request, session, to=started.email, locale=started.locale, template="confirm",
              token=started.token, display_name=body.display_name)  # fmt: skip
    else:
        _send(request, session, to=started.email, locale=started.locale, template="already_registered")
    return RedirectResponse(request.url_for("register_sent").path, status_code=303)


@router.get("/register/sent", name="register_sent")
def register_sent(request: Request) -> Response:
    paragraphs = [
        gettext("We have sent a link to the address you gave. Open it to finish creating your account."),
        gettext("The link works for 48 hours. If nothing arrives in a few minutes, look in the spam folder."),
    ]
    return _render(
        request, "accounts/message.html", {"title": gettext("Check your email"), "paragraphs": paragraphs}
    )


@router.get("/register/confirm/{token}", name="register_confirm")
def register_confirm_form(request: Request, token: str) -> Response:
    # A GET never uses the link up: mail scanners open links before people do.
    return _render(request, "accounts/confirm.html", {"token": token})


@router.post("/register/confirm/{token}", name="register_confirm_submit")
def register_confirm(request: Request, token: str, session: Session = Depends(get_session)) -> Response:
    user = accounts_service.confirm_registration(session, settings=_settings(request), token=token)
    response = RedirectResponse("/", status_code=303)
    flash.flash(response, ACCOUNT_CREATED)
    return _sign_in(request, response, session, user)


# Signing in and out ---------------------------------------------------------------------------------------

SIGN_IN = form(LoginForm)


def _login_page(refused: Refused) -> Response:
    filled = Filled(refused.values, refused.errors)
    error = next(iter(refused.errors.values()), None)
    context = {"email": filled.email, "next": safe_next(filled.next), "error": error}
    return _render(refused.request, "accounts/login.html", context, refused.status_code)


@router.get("/login", name="login")
def login_form(request: Request, next: str = "/") -> Response:
    if current_principal(request):
        return RedirectResponse(safe_next(next), status_code=303)
    return _render(request, "accounts/login.html", {"email": "", "next": safe_next(next), "error": None})


@router.post("/login", name="login_submit")
@shows_refusals(_login_page)
def login_submit(
    request: Request,
    body: LoginForm = SIGN_IN,
    _address: Invalid | None = limited(LOGIN_PER_ADDRESS, by=address_of),
    _account: Invalid | None = limited(LOGIN_PER_ACCOUNT, by=_email_of, form=SIGN_IN),
    session: Session = Depends(get_session),
) -> Response:
    email = body.email.lower()
    user = accounts_service.authenticate(
        session, settings=_settings(request), email=email, password=body.password
    )
    if user is None:
        raise BadCredentials()
    if twofactor.enabled(session, user.id):  # her code first: the session starts after it
        return ask_for_code(request, session, user, body.next)
    response = RedirectResponse(safe_next(body.next), status_code=303)
    flash.flash(response, SIGNED_IN)
    return _sign_in(request, response, session, user)


@router.get("/logout", name="logout")
def logout_form(request: Request) -> Response:
    if not current_principal(request):
        return RedirectResponse("/", status_code=303)
    return _render(request, "accounts/logout.html", {})


@router.post("/logout", name="logout_submit")
def logout(request: Request, session: Session = Depends(get_session)) -> Response:
    token = request.cookies.get(session_cookie_name(_settings(request)))
    if token:
        accounts_service.end_session(session, token=token)
    response = RedirectResponse("/", status_code=303)
    response.headers.append("set-cookie", session_cookie_header(_settings(request), None))
    # A shared phone keeps nothing of hers: the browser's cache of our pages, every cookie of the site (her
    # language choice too), the offline layer's caches, queue and service worker (docs/offline.md).
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return flash.flash(response, SIGNED_OUT)


# The account page -----------------------------------------------------------------------------------------


def _account_page(
    request: Request,
    session: Session,
    principal: Principal,
    status_code: int = 200,
    *,
    profile: Filled | None = None,
    password_errors: FormErrors | None = None,
) -> Response:
    user = accounts_service.get_user(session, principal.user_id)
    defaults = {
        "display_name": user.display_name if user else "",
        "locale": principal.locale,
        "region": (user and user.region) or "",
    }
    context = {
        "user": user,
        "sessions": accounts_service.sessions_of(
            session, settings=_settings(request), user_id=principal.user_id, roles=principal.roles
        ),
        "tokens": accounts_service.api_tokens_of(session, user_id=principal.user_id),
        "profile": profile or Filled(defaults),
        "password_errors": password_errors or FormErrors(),
        **_choices(),
    }
    return _render(request, "accounts/account.html", context, status_code=status_code)


def _profile_refused(refused: Refused) -> Response:
    principal = refused.params["principal"]
    filled = Filled(refused.values, refused.errors)
    return _account_page(refused.request, refused.session, principal, refused.status_code, profile=filled)


def _password_refused(refused: Refused) -> Response:
    principal = refused.params["principal"]
    return _account_page(
        refused.request, refused.session, principal, refused.status_code, password_errors=refused.errors
    )


@router.get("/account", name="account")
def account(
    request: Request, principal: Principal = Depends(require_user), session: Session = Depends(get_session)
) -> Response:
    return _account_page(request, session, principal)


@router.post("/account/profile", name="account_profile")
@shows_refusals(_profile_refused)
def account_profile(
    principal: Principal = Depends(require_user),
    body: ProfileForm = form(ProfileForm),
    session: Session = Depends(get_session),
) -> Response:
    accounts_service.update_profile(
        session, user_id=principal.user_id, display_name=body.display_name, locale=body.locale,
        region=body.region,
    )  # fmt: skip
    return flash.flash(RedirectResponse("/account", status_code=303), PROFILE_SAVED)


@router.post("/account/password", name="account_password")
@shows_refusals(_password_refused)
def account_password(
    request: Request,
    principal: Principal = Depends(require_user),
    body: PasswordChangeForm = form(PasswordChangeForm),
    _limit: Invalid | None = limited(LOGIN_PER_ACCOUNT, by=_her_email),
    session: Session = Depends(get_session),
) -> Response:
    try:  # first: the check runs before her transaction begins (accounts_service.authenticate)
        confirmation.check_password(
            session, settings=_settings(request), principal=principal, password=body.current_password
        )
    except NotHerPassword:
        raise NotHerPassword(N_("This is not your current password."), field="current_password") from None
    user = accounts_service.user_of(session, principal)
    new_password(body.password, body.password_confirm, email=user.email, name=user.display_name)
    accounts_service.set_password(session, settings=_settings(request), user=user, password=body.password)
    accounts_service.end_all_sessions(session, user_id=user.id, keep_session_id=principal.session_id)
    return flash.flash(RedirectResponse("/account", status_code=303), PASSWORD_CHANGED)


@router.post("/account/sign-out-everywhere", name="account_sign_out_everywhere")
def sign_out_everywhere(
    request: Request, principal: Principal = Depends(require_user), session: Session = Depends(get_session)
) -> Response:
    accounts_service.end_all_sessions(session, user_id=principal.user_id)
    response = RedirectResponse("/login", status_code=303)
    response.headers.append("set-cookie", session_cookie_header(_settings(request), None))
    return flash.flash(response, SIGNED_OUT_EVERYWHERE)


@router.post("/account/sessions/{session_id}/end", name="account_session_end")
def end_session(
    request: Request,
    session_id: Id,
    principal: Principal = Depends(require_user),
    session: Session = Depends(get_session),
) -> Response:
    """One of her sessions ended (a phone she left signed in somewhere); this one signs her out."""
    if not accounts_service.end_one_session(session, user_id=principal.user_id, session_id=session_id):
        raise NotFound()
    if session_id == principal.session_id:
        response = RedirectResponse("/login", status_code=303)
        response.headers.append("set-cookie", session_cookie_header(_settings(request), None))
        return flash.flash(response, SIGNED_OUT)
    return flash.flash(RedirectResponse("/account#sessions-heading", status_code=303), SESSION_ENDED)


@router.post("/account/tokens/{token_id}/revoke", name="account_token_revoke")
def revoke_token(
    token_id: Id,
    principal: Principal = Depends(require_user),
    session: Session = Depends(get_session),
) -> Response:
    accounts_service.revoke_api_token(session, user_id=principal.user_id, token_id=token_id)
    return flash.flash(RedirectResponse("/account", status_code=303), TOKEN_REMOVED)


# Her data and her leaving --------------------------------------------------------------------------------


@router.get("/account/data", name="account_data")
def download_data(
    principal: Principal = Depends(require_user), session: Session = Depends(get_session)
) -> Response:
    """Everything kept about her, as a JSON file (see app/accounts/personal_data.py)."""
    document = personal_data.export(session, user_id=principal.user_id)
    filename = f"civic-space-academy-my-data-{utcnow():%Y-%m-%d}.json"
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def _delete_refused(refused: Refused) -> Response:
    return _render(refused.request, "accounts/delete.html", {"errors": refused.errors}, refused.status_code)


@router.get("/account/delete", name="account_delete")
def delete_account_form(request: Request, principal: Principal = Depends(require_user)) -> Response:
    return _render(request, "accounts/delete.html", {"errors": FormErrors()})


@router.post("/account/delete", name="account_delete_submit")
@shows_refusals(_delete_refused)
def delete_account(
    request: Request,
    principal: Principal = Depends(require_user),
    body: PasswordForm = form(PasswordForm),
    _limit: Invalid | None = limited(LOGIN_PER_ACCOUNT, by=_her_email),
    session: Session = Depends(get_session),
) -> Response:
    confirmation.check_password(
        session, settings=_settings(request), principal=principal, password=body.password
    )
    personal_data.delete_account(session, user_id=principal.user_id)
    response = RedirectResponse("/", status_code=303)
    response.headers.append("set-cookie", session_cookie_header(_settings(request), None))
    return flash.flash(response, ACCOUNT_DELETED)


# Password reset --------------------------------------------------------------------------------------------

RESET_REQUEST = form(ResetRequestForm)


def _reset_request_refused(refused: Refused) -> Response:
    filled = Filled(refused.values, refused.errors)
    context = {"email": filled.email, "errors": refused.errors}
    return _render(refused.request, "accounts/reset_request.html", context, refused.status_code)


@router.get("/password-reset", name="password_reset")
def password_reset_form(request: Request) -> Response:
    return _render(request, "accounts/reset_request.html", {"email": "", "errors": FormErrors()})


@router.post("/password-reset", name="password_reset_submit")
@shows_refusals(_reset_request_refused)
def password_reset_request(
    request: Request,
    body: ResetRequestForm = RESET_REQUEST,
    _address: Invalid | None = limited(RESET_PER_ADDRESS, by=address_of),
    _account: Invalid | None = limited(RESET_PER_ACCOUNT, by=_email_of, form=RESET_REQUEST),
    session: Session = Depends(get_session),
) -> Response:
    started = accounts_service.start_password_reset(session, email=body.email)
    if started is not None:
        user, token = started
        _send(request, session, to=user.email, locale=user.locale, template="reset", token=token,
              display_name=user.display_name)  # fmt: skip
    # The same answer whether or not the address has an account.
    return RedirectResponse(request.url_for("password_reset_sent").path, status_code=303)


@router.get("/password-reset/sent", name="password_reset_sent")
def password_reset_sent(request: Request) -> Response:
    paragraphs = [
        gettext("If an account uses that address, we have sent it a link to set a new password."),
        gettext("The link works once, for an hour. If nothing arrives, look in the spam folder."),
    ]
    return _render(
        request, "accounts/message.html", {"title": gettext("Check your email"), "paragraphs": paragraphs}
    )


def _new_password_refused(refused: Refused) -> Response:
    context = {"token": refused.params["token"], "errors": refused.errors}
    return _render(refused.request, "accounts/reset_form.html", context, refused.status_code)


@router.get("/password-reset/{token}", name="password_reset_token")
def password_reset_token_form(
    request: Request, token: str, session: Session = Depends(get_session)
) -> Response:
    accounts_service.valid_reset(session, token=token)
    return _render(request, "accounts/reset_form.html", {"token": token, "errors": FormErrors()})


@router.post("/password-reset/{token}", name="password_reset_token_submit")
@shows_refusals(_new_password_refused)
def password_reset_complete(
    request: Request,
    token: str,
    body: NewPasswordForm = form(NewPasswordForm),
    session: Session = Depends(get_session),
) -> Response:
    reset = accounts_service.valid_reset(session, token=token)
    user = accounts_service.get_user(session, reset.user_id)
    new_password(
        body.password, body.password_confirm,
        email=user.email if user else "", name=user.display_name if user else "",
    )  # fmt: skip
    accounts_service.complete_password_reset(
        session, settings=_settings(request), token=token, password=body.password
    )
    response = RedirectResponse("/login", status_code=303)
    response.headers.append("set-cookie", session_cookie_header(_settings(request), None))
    return flash.flash(response, PASSWORD_RESET_DONE)


# The language switcher in the header --------------------------------------------------------------------


@router.post("/language", name="set_language")
def set_language(
    request: Request, body: LanguageForm = form(LanguageForm), session: Session = Depends(get_session)
) -> Response:
    response = RedirectResponse(safe_next(body.next), status_code=303)
    if body.locale not in LOCALES:
        return response
    response.set_cookie(
        LOCALE_COOKIE,
        body.locale,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=_settings(request).https,
    )
    principal = current_principal(request)
    if principal is not None:  # a signed-in person's own setting wins over the cookie, so change it too
        accounts_service.update_profile(session, user_id=principal.user_id, locale=body.locale)
    return response
