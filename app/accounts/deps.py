"""What routes depend on: the signed-in principal, permission checks, and CSRF protection.

Every protected route declares `Depends(require(Capability.X))` (or `require_user`); the permission
matrix test finds these by walking the app's routes, so a check can never hide inside a route body.
"""

from __future__ import annotations

import hmac

from fastapi import Request

from app.accounts.exceptions import CsrfFailed, LoginRequired
from app.accounts.permissions import Capability
from app.accounts.principal import Principal
from app.errors import Forbidden

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def current_principal(request: Request) -> Principal | None:
    return getattr(request.state, "principal", None)


class Require:
    """A dependency: the principal, if she is signed in and has the capability (None: any signed-in user)."""

    def __init__(self, capability: Capability | None = None) -> None:
        self.capability = capability

    def __call__(self, request: Request) -> Principal:
        principal = current_principal(request)
        if principal is None:
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
    if request.method in SAFE_METHODS:
        return
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
