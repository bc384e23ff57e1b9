"""Who may use a route: the signed-in principal, capability checks, their aliases, and CSRF protection.

Every protected route names what it needs in its signature, `principal: SignedIn` or
`principal: Annotated[Principal, Depends(require(Capability.X))]` (the aliases below are those), so the
permission matrix test finds every check by walking the app's routes; a check never hides in a body.
Who she is comes from the session cookie (the accounts middleware puts a Principal in `request.state`)
or, under /api/, from a bearer token, which the accounts domain looks up (`app.state.token_owner`).
"""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from app.errors import DomainError, Forbidden
from app.i18n import N_
from app.permissions import Capability, capabilities_of
from app.principal import Principal
from app.web import state

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Exchanging an email and password for an API token sets no cookie and answers only the caller, so a
# forged cross-site request gains nothing; a phone app has no page to take a CSRF token from.
CSRF_EXEMPT_PATHS = frozenset({"/api/v1/tokens"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class LoginRequired(DomainError):
    status_code = 401
    message = N_("Please sign in to continue.")

    def __init__(self, next_path: str = "/") -> None:
        super().__init__(location=f"/login?next={quote(next_path, safe='/')}")


class ApiLoginRequired(DomainError):
    status_code = 401
    message = N_("Send a valid API token: Authorization: Bearer <token> (POST /api/v1/tokens gives one).")


class SecondFactorRequired(Forbidden):
    """A staff page, and she has not set up two-step sign-in yet: the account page's step opens first."""

    message = N_("Staff pages open after you set up two-step sign-in. It takes two minutes.")

    def __init__(self, api: bool) -> None:
        super().__init__(location=None if api else "/account/two-factor")


class CsrfFailed(DomainError):
    status_code = 403
    message = N_(
        "This form has expired or did not come from this site. Go back, reload the page and try again."
    )


def current_principal(request: Request) -> Principal | None:
    return getattr(request.state, "principal", None)


def bearer_token(request: Request) -> str | None:
    scheme, _sep, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class Require:
    """A dependency: the principal, if she is signed in and has the capability (None: any signed-in user).
    Under /api/ a bearer token counts as signing in, and a missing one is a 401."""

    def __init__(self, capability: Capability | None = None) -> None:
        self.capability = capability
        # What the API's document says it may answer (app.web.openapi): not signed in; not allowed.
        self.academy_responses = (401,) if capability is None else (401, 403)

    async def __call__(self, request: Request) -> Principal:
        # Async, so that FastAPI need not hand it to a worker thread: only a bearer token's owner is
        # looked up in the database (once per request: FastAPI caches a dependency's value).
        api = request.url.path.startswith("/api/")
        token = bearer_token(request) if api else None
        principal = (
            current_principal(request) if token is None else await state.token_owner(request)(request, token)
        )
        if principal is None:
            if api:
                raise ApiLoginRequired()
            raise LoginRequired(request.url.path)
        if self.capability is not None and _needs_second_factor(principal, self.capability):
            raise SecondFactorRequired(api)
        if self.capability is not None and not principal.can(self.capability):
            raise Forbidden()
        return principal

    def __repr__(self) -> str:
        return f"Require({self.capability})"


def _needs_second_factor(principal: Principal, capability: Capability) -> bool:
    """Her roles grant it, but she holds it only once she has two-step sign-in (app.permissions.granted
    leaves a staff member without it a learner's capabilities, where the setting requires it)."""
    return capability in capabilities_of(principal.roles) and not principal.can(capability)


require_user = Require()


def require(capability: Capability) -> Require:
    return Require(capability)


# What a route's signature says it needs: `principal: Learner`.
SignedIn = Annotated[Principal, Depends(require_user)]
Learner = Annotated[Principal, Depends(require(Capability.LEARN))]
Discussant = Annotated[Principal, Depends(require(Capability.DISCUSS))]
Author = Annotated[Principal, Depends(require(Capability.AUTHOR_COURSES))]
Moderator = Annotated[Principal, Depends(require(Capability.MODERATE))]
CohortRunner = Annotated[Principal, Depends(require(Capability.RUN_COHORTS))]
CohortViewer = Annotated[Principal, Depends(require(Capability.VIEW_COHORTS))]
Reviewer = Annotated[Principal, Depends(require(Capability.REVIEW_RECOMMENDATIONS))]
ForumManager = Annotated[Principal, Depends(require(Capability.MANAGE_FORUMS))]
UserManager = Annotated[Principal, Depends(require(Capability.MANAGE_USERS))]


async def csrf_protect(request: Request) -> None:
    """Every unsafe request carries the token, as a form field or the X-CSRF-Token header (htmx)."""
    if request.method in SAFE_METHODS or request.url.path in CSRF_EXEMPT_PATHS:
        return
    if request.url.path.startswith("/api/") and bearer_token(request):
        return  # browsers never add an Authorization header on their own: no cross-site forgery
    expected = getattr(request.state, "csrf_token", None)
    supplied = request.headers.get(CSRF_HEADER)
    if not supplied and request.headers.get("content-type", "").startswith(FORM_TYPES):
        try:
            form = await request.form()
        except Exception:  # a malformed body is the client's problem; the answer is the same 403
            raise CsrfFailed() from None
        value = form.get(CSRF_FIELD)
        supplied = value if isinstance(value, str) else None
    if not expected or not supplied or not hmac.compare_digest(supplied.encode(), expected.encode()):
        raise CsrfFailed()
