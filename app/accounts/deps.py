"""What routes depend on: the signed-in principal, permission checks, and CSRF protection.

Every protected route declares `Depends(require(Capability.X))` (or `require_user`); the permission
matrix test finds these by walking the app's routes, so a check can never hide inside a route body.
"""

from __future__ import annotations

import hmac

import anyio.to_thread
from fastapi import Request

from app.accounts import service as accounts_service
from app.accounts.exceptions import ApiLoginRequired, CsrfFailed, LoginRequired
from app.accounts.permissions import Capability
from app.accounts.principal import Principal
from app.errors import Forbidden

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Exchanging an email and password for an API token sets no cookie and answers only the caller, so a
# forged cross-site request gains nothing; a phone app has no page to take a CSRF token from.
CSRF_EXEMPT_PATHS = frozenset({"/api/v1/tokens"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def current_principal(request: Request) -> Principal | None:
    return getattr(request.state, "principal", None)


_UNSET = object()


def bearer_token(request: Request) -> str | None:
    scheme, _sep, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def api_principal(request: Request) -> Principal | None:
    """For /api/: the bearer token's owner when the request has one (cookies are then ignored),
    else the signed-in browser's principal."""
    token = bearer_token(request)
    if token is None:
        return current_principal(request)
    cached = getattr(request.state, "api_principal", _UNSET)
    if cached is _UNSET:
        cached = _principal_for_token(request, token)
        request.state.api_principal = cached
    return cached if isinstance(cached, Principal) else None


def _principal_for_token(request: Request, token: str) -> Principal | None:
    database = request.app.state.database
    with database.session() as session:
        user = accounts_service.user_for_api_token(session, token=token)
        if user is None:
            return None
        principal = Principal.of(user)
        touched = bool(session.dirty)
    if touched:
        with database.session(write=True) as writer:
            accounts_service.note_api_token_use(writer, token=token)
            writer.commit()
    return principal


class Require:
    """A dependency: the principal, if she is signed in and has the capability (None: any signed-in user).
    Under /api/ a bearer token counts as signing in, and a missing one is a 401."""

    def __init__(self, capability: Capability | None = None) -> None:
        self.capability = capability

    async def __call__(self, request: Request) -> Principal:
        # Async, so that FastAPI need not hand it to a worker thread: only a bearer token's owner is
        # looked up in the database, and that in a worker thread.
        api = request.url.path.startswith("/api/")
        if api and bearer_token(request) is not None:
            principal = await anyio.to_thread.run_sync(api_principal, request)
        else:
            principal = current_principal(request)
        if principal is None:
            if api:
                raise ApiLoginRequired()
            raise LoginRequired(request.url.path)
        if self.capability is not None and not principal.can(self.capability):
            raise Forbidden()
        return principal

    def __repr__(self) -> str:
        return f"Require({self.capability})"


require_user = Require()


def require(capability: Capability) -> Require:
    return Require(capability)


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
