from __future__ import annotations

from app.errors import DomainError
from app.i18n import N_


class RateLimited(DomainError):
    status_code = 429
    message = N_("Too many attempts. Please wait a minute and try again.")


class InvalidLink(DomainError):
    status_code = 400
    message = N_("This link has expired or has already been used. Please ask for a new one.")


class LastAdmin(DomainError):
    status_code = 409
    message = N_("This is the only administrator; grant the role to someone else first.")
    field = "role_admin"


class UnknownRole(DomainError):
    status_code = 422
    message = N_("There is no such role.")


class NotHerPassword(DomainError):
    status_code = 422
    message = N_("This is not your password.")
    field = "password"
