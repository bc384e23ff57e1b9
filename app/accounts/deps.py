"""What routes depend on: the signed-in principal, permission checks, and CSRF protection.

Every protected route declares `Depends(require(Capability.X))` (or `require_user`); the permission
matrix test finds these by walking the app's routes, so a check can never hide inside a route body.
"""

from __future__ import annotations

import hmac

from fastapi import Request

from app.accounts import service as accounts_service
from app.accounts.exceptions import ApiLoginRequired, CsrfFailed, LoginRequired
from app.accounts.permissions import Capability
from app.accounts.principal import Principal
from app.db import read
from app.errors import Busy, Forbidden

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Exchanging an email and password for an API token sets no cookie and answers only the caller, so a
# forged cross-site request gains nothing; a phone app has no page to take a CSRF token from.
CSRF_EXEMPT_PATHS = frozenset({"/api/v1/tokens"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def current_principal(request: Request) -> Principal | None:
    return getattr(request.state, "principal", None)


def bearer_token(request: Request) -> str | None:
    scheme, _sep, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def api_principal(request: Request, token: str) -> Principal | None:
    """For /api/ with a bearer token (cookies are then ignored): the token's owner. Looked up like a
    cookie's session (app.db.read: on the event loop for SQLite, a worker thread's turn for PostgreSQL);
    its "last used" note, written now and then, is skipped when the worker threads are all busy."""
    if not hasattr(request.state, "api_principal"):
        request.state.api_principal = await _token_owner(request, token)
    principal: Principal | None = request.state.api_principal
    return principal


async def _token_owner(request: Request, token: str) -> Principal | None:
    found = await read(request, lambda session: accounts_service.api_token_owner(session, token=token))
    if found is None:
        return None
    user, note_use = found
    if note_use:
        try:
            await request.app.state.database.run(_note_use, request, token)
        except Busy:
            pass  # a note of when the token was last used is not worth refusing the request for
    return user


def _note_use(request: Request, token: str) -> None:
    with request.app.state.database.session(write=True) as writer:
        accounts_service.note_api_token_use(writer, token=token)
        writer.commit()


class Require:
    """A dependency: the principal, if she is signed in and has the capability (None: any signed-in user).
    Under /api/ a bearer token counts as signing in, and a missing one is a 401."""

    def __init__(self, capability: Capability | None = None) -> None:
        self.capability = capability

    async def __call__(self, request: Request) -> Principal:
        # Async, so that FastAPI need not hand it to a worker thread: only a bearer token's owner is
        # looked up in the database (once per request: FastAPI caches a dependency's value).
        api = request.url.path.startswith("/api/")
        token = bearer_token(request) if api else None
        principal = current_principal(request) if token is None else await api_principal(request, token)
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
