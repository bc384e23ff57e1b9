from __future__ import annotations

from urllib.parse import quote

from app.errors import DomainError
from app.i18n import N_


class LoginRequired(DomainError):
    status_code = 401
    message = N_("Please sign in to continue.")

    def __init__(self, next_path: str = "/") -> None:
        super().__init__(location=f"/login?next={quote(next_path, safe='/')}")


class ApiLoginRequired(DomainError):
    status_code = 401
    message = N_("Send a valid API token: Authorization: Bearer <token> (POST /api/v1/tokens gives one).")


class CsrfFailed(DomainError):
    status_code = 403
    message = N_(
        "This form has expired or did not come from this site. Go back, reload the page and try again."
    )


class RateLimited(DomainError):
    status_code = 429
    message = N_("Too many attempts. Please wait a minute and try again.")


class InvalidLink(DomainError):
    status_code = 400
    message = N_("This link has expired or has already been used. Please ask for a new one.")


class LastAdmin(DomainError):
    status_code = 409
    message = N_("This is the only administrator; grant the role to someone else first.")


class UnknownRole(DomainError):
    status_code = 422
    message = N_("There is no such role.")
