"""Registration, sign-in and out, the account page, and password reset."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.accounts import emails, personal_data, ratelimit
from app.accounts import service as accounts_service
from app.accounts.deps import current_principal, require_user
from app.accounts.exceptions import InvalidLink, RateLimited
from app.accounts.forms import ProfileForm, RegistrationForm, check_new_password
from app.accounts.middleware import SESSION_COOKIE, session_cookie_header
from app.accounts.principal import Principal
from app.accounts.regions import REGIONS
from app.config import LOCALES, Settings
from app.db import get_session, utcnow
from app.forms import FormErrors, clean_line, clean_secret, form_fields
from app.i18n import LOCALE_NAMES, N_, gettext
from app.middleware import LOCALE_COOKIE
from app.routing import Route
from app.web import flash
from app.web.htmx import safe_next

router = APIRouter(include_in_schema=False, route_class=Route)

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
TOKEN_REMOVED = flash.register("token-removed", N_("The app's token is removed."))
ACCOUNT_CREATED = flash.register("account-created", N_("Welcome! Your account is ready."))
ACCOUNT_DELETED = flash.register(
    "account-deleted", N_("Your account is deleted. Thank you for learning with us."), "info"
)


def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def _limit(request: Request, session: Session, *checks: tuple[ratelimit.Limit, str]) -> None:
    """Count this attempt against each limit (committing at once); 429 when any is exceeded."""
    limiter: ratelimit.RateLimiter = request.app.state.rate_limiter
    results = [limiter.hit(session, limit, subject) for limit, subject in checks]
    if not all(results):
        raise RateLimited()


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


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


def _is_her_password(request: Request, session: Session, principal: Principal, raw: str | None) -> bool:
    """Whether the signed-in person typed her password; the attempt counts against the sign-in limit."""
    _limit(request, session, (ratelimit.LOGIN_PER_ACCOUNT, principal.email))
    password = clean_secret(raw)
    return (
        accounts_service.authenticate(
            session, settings=_settings(request), email=principal.email, password=password
        )
        is not None
    )


def _sign_in(request: Request, response: Response, session: Session, user: Any) -> Response:
    token = accounts_service.start_session(session, settings=_settings(request), user=user)
    session.commit()
    response.headers.append("set-cookie", session_cookie_header(_settings(request), token))
    return response


# Registration -------------------------------------------------------------------------------------------


@router.get("/register", name="register")
def register_form(request: Request) -> Response:
    if current_principal(request):
        return RedirectResponse("/account", status_code=303)
    form = RegistrationForm(locale=request.app.state.settings.default_locale)
    return _render(request, "accounts/register.html", {"form": form, **_choices()})


@router.post("/register", name="register_submit")
def register_submit(
    request: Request, raw: dict[str, str] = Depends(form_fields), session: Session = Depends(get_session)
) -> Response:
    settings = _settings(request)
    form = RegistrationForm.read(raw, settings.default_locale)
    if form.errors:
        return _render(request, "accounts/register.html", {"form": form, **_choices()}, status_code=422)
    _limit(request, session, (ratelimit.REGISTER_PER_ADDRESS, _client_address(request)),
           (ratelimit.REGISTER_PER_EMAIL, form.email))  # fmt: skip
    started = accounts_service.start_registration(
        session,
        settings=settings,
        email=form.email,
        display_name=form.display_name,
        password=form.password,
        locale=form.locale,
        region=form.region,
    )
    session.commit()
    templates = request.app.state.templates
    if started.token:
        emails.send(
            templates, settings, to=started.email, locale=started.locale, template="confirm",
            token=started.token, display_name=form.display_name,
        )  # fmt: skip
    else:
        emails.send(
            templates, settings, to=started.email, locale=started.locale, template="already_registered"
        )
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
    try:
        user = accounts_service.confirm_registration(session, settings=_settings(request), token=token)
    except InvalidLink:
        session.commit()
        raise
    response = RedirectResponse("/", status_code=303)
    flash.flash(response, ACCOUNT_CREATED)
    return _sign_in(request, response, session, user)


# Signing in and out ---------------------------------------------------------------------------------------


@router.get("/login", name="login")
def login_form(request: Request, next: str = "/") -> Response:
    if current_principal(request):
        return RedirectResponse(safe_next(next), status_code=303)
    return _render(request, "accounts/login.html", {"email": "", "next": safe_next(next), "error": None})


@router.post("/login", name="login_submit")
def login_submit(
    request: Request, raw: dict[str, str] = Depends(form_fields), session: Session = Depends(get_session)
) -> Response:
    email = clean_line(raw.get("email"), 254).lower()
    password = clean_secret(raw.get("password"))
    next_path = safe_next(raw.get("next"))
    _limit(request, session, (ratelimit.LOGIN_PER_ADDRESS, _client_address(request)),
           (ratelimit.LOGIN_PER_ACCOUNT, email))  # fmt: skip
    user = accounts_service.authenticate(session, settings=_settings(request), email=email, password=password)
    if user is None:
        context = {"email": email, "next": next_path, "error": gettext("The email or the password is wrong.")}
        return _render(request, "accounts/login.html", context, status_code=422)
    response = RedirectResponse(next_path, status_code=303)
    flash.flash(response, SIGNED_IN)
    return _sign_in(request, response, session, user)


@router.get("/logout", name="logout")
def logout_form(request: Request) -> Response:
    if not current_principal(request):
        return RedirectResponse("/", status_code=303)
    return _render(request, "accounts/logout.html", {})


@router.post("/logout", name="logout_submit")
def logout(request: Request, session: Session = Depends(get_session)) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts_service.end_session(session, token=token)
        session.commit()
    response = RedirectResponse("/", status_code=303)
    response.headers.append("set-cookie", session_cookie_header(_settings(request), None))
    return flash.flash(response, SIGNED_OUT)


# The account page -----------------------------------------------------------------------------------------


def _account_page(
    request: Request, session: Session, principal: Principal, status_code: int = 200, **forms: Any
) -> Response:
    user = accounts_service.get_user(session, principal.user_id)
    profile = forms.get("profile") or ProfileForm(
        display_name=user.display_name if user else "",
        locale=principal.locale,
        region=(user and user.region) or "",
    )
    context = {
        "user": user,
        "tokens": accounts_service.api_tokens_of(session, user_id=principal.user_id),
        "profile": profile,
        "password_errors": forms.get("password_errors") or FormErrors(),
        **_choices(),
    }
    return _render(request, "accounts/account.html", context, status_code=status_code)


@router.get("/account", name="account")
def account(
    request: Request, principal: Principal = Depends(require_user), session: Session = Depends(get_session)
) -> Response:
    return _account_page(request, session, principal)


@router.post("/account/profile", name="account_profile")
def account_profile(
    request: Request,
    principal: Principal = Depends(require_user),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    form = ProfileForm.read(raw)
    if form.errors:
        return _account_page(request, session, principal, status_code=422, profile=form)
    user = accounts_service.get_user(session, principal.user_id)
    assert user is not None
    user.display_name, user.locale, user.region = form.display_name, form.locale, form.region or None
    session.commit()
    return flash.flash(RedirectResponse("/account", status_code=303), PROFILE_SAVED)


@router.post("/account/password", name="account_password")
def account_password(
    request: Request,
    principal: Principal = Depends(require_user),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    settings = _settings(request)
    user = accounts_service.get_user(session, principal.user_id)
    assert user is not None
    errors = FormErrors()
    if not _is_her_password(request, session, principal, raw.get("current_password")):
        errors.add("current_password", N_("This is not your current password."))
    new, confirm = clean_secret(raw.get("password")), clean_secret(raw.get("password_confirm"))
    check_new_password(errors, new, confirm, email=user.email, name=user.display_name)
    if errors:
        return _account_page(request, session, principal, status_code=422, password_errors=errors)
    accounts_service.set_password(session, settings=settings, user=user, password=new)
    accounts_service.end_all_sessions(session, user_id=user.id, keep_session_id=principal.session_id)
    session.commit()
    return flash.flash(RedirectResponse("/account", status_code=303), PASSWORD_CHANGED)


@router.post("/account/sign-out-everywhere", name="account_sign_out_everywhere")
def sign_out_everywhere(
    request: Request, principal: Principal = Depends(require_user), session: Session = Depends(get_session)
) -> Response:
    accounts_service.end_all_sessions(session, user_id=principal.user_id)
    session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.headers.append("set-cookie", session_cookie_header(_settings(request), None))
    return flash.flash(response, SIGNED_OUT_EVERYWHERE)


@router.post("/account/tokens/{token_id}/revoke", name="account_token_revoke")
def revoke_token(
    request: Request,
    token_id: int,
    principal: Principal = Depends(require_user),
    session: Session = Depends(get_session),
) -> Response:
    accounts_service.revoke_api_token(session, user_id=principal.user_id, token_id=token_id)
    session.commit()
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


@router.get("/account/delete", name="account_delete")
def delete_account_form(request: Request, principal: Principal = Depends(require_user)) -> Response:
    return _render(request, "accounts/delete.html", {"errors": FormErrors()})


@router.post("/account/delete", name="account_delete_submit")
def delete_account(
    request: Request,
    principal: Principal = Depends(require_user),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    if not _is_her_password(request, session, principal, raw.get("password")):
        errors = FormErrors()
        errors.add("password", N_("This is not your password."))
        return _render(request, "accounts/delete.html", {"errors": errors}, status_code=422)
    personal_data.delete_account(session, user_id=principal.user_id)
    session.commit()
    response = RedirectResponse("/", status_code=303)
    response.headers.append("set-cookie", session_cookie_header(_settings(request), None))
    return flash.flash(response, ACCOUNT_DELETED)


# Password reset --------------------------------------------------------------------------------------------


@router.get("/password-reset", name="password_reset")
def password_reset_form(request: Request) -> Response:
    return _render(request, "accounts/reset_request.html", {"email": "", "errors": FormErrors()})


@router.post("/password-reset", name="password_reset_submit")
def password_reset_request(
    request: Request, raw: dict[str, str] = Depends(form_fields), session: Session = Depends(get_session)
) -> Response:
    email = clean_line(raw.get("email"), 254).lower()
    errors = FormErrors()
    if not email:
        errors.add("email", N_("Enter your email address."))
    if errors:
        return _render(request, "accounts/reset_request.html", {"email": email, "errors": errors}, 422)
    _limit(request, session, (ratelimit.RESET_PER_ADDRESS, _client_address(request)),
           (ratelimit.RESET_PER_ACCOUNT, email))  # fmt: skip
    started = accounts_service.start_password_reset(session, email=email)
    session.commit()
    if started is not None:
        user, token = started
        emails.send(
            request.app.state.templates, _settings(request), to=user.email, locale=user.locale,
            template="reset", token=token, display_name=user.display_name,
        )  # fmt: skip
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


@router.get("/password-reset/{token}", name="password_reset_token")
def password_reset_token_form(
    request: Request, token: str, session: Session = Depends(get_session)
) -> Response:
    accounts_service.valid_reset(session, token=token)
    return _render(request, "accounts/reset_form.html", {"token": token, "errors": FormErrors()})


@router.post("/password-reset/{token}", name="password_reset_token_submit")
def password_reset_complete(
    request: Request,
    token: str,
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    reset = accounts_service.valid_reset(session, token=token)
    user = accounts_service.get_user(session, reset.user_id)
    errors = FormErrors()
    password, confirm = clean_secret(raw.get("password")), clean_secret(raw.get("password_confirm"))
    check_new_password(
        errors, password, confirm, email=user.email if user else "", name=user.display_name if user else ""
    )
    if errors:
        return _render(request, "accounts/reset_form.html", {"token": token, "errors": errors}, 422)
    accounts_service.complete_password_reset(
        session, settings=_settings(request), token=token, password=password
    )
    session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.headers.append("set-cookie", session_cookie_header(_settings(request), None))
    return flash.flash(response, PASSWORD_RESET_DONE)


# The language switcher in the header --------------------------------------------------------------------


@router.post("/language", name="set_language")
def set_language(
    request: Request, raw: dict[str, str] = Depends(form_fields), session: Session = Depends(get_session)
) -> Response:
    locale = raw.get("locale", "")
    response = RedirectResponse(safe_next(raw.get("next")), status_code=303)
    if locale not in LOCALES:
        return response
    response.set_cookie(
        LOCALE_COOKIE,
        locale,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=_settings(request).https,
    )
    principal = current_principal(request)
    if principal is not None:  # a signed-in person's own setting wins over the cookie, so change it too
        user = accounts_service.get_user(session, principal.user_id)
        if user is not None:
            user.locale = locale
            session.commit()
    return response
