"""The account forms, typed (app.forms): what each form accepts, and what she is told when it does not.

Rules that need more than one field (a password that must not contain her name, two passwords that
must match) are checked by `new_password`, which raises a DomainError naming the field: the route's
refusal page shows it beside that field, as it shows a field's own problem.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from app.accounts.passwords import password_problem
from app.accounts.regions import REGIONS
from app.config import LOCALES
from app.errors import DomainError
from app.forms import Checkbox, Form, Line, Refusal, Secret, is_email
from app.i18n import N_
from app.permissions import Role

NAME_MAX = 60


def _email(value: str) -> str:
    value = value.lower()
    if not value:
        raise Refusal(N_("Enter your email address."))
    if not is_email(value):
        raise Refusal(N_("Enter an email address like name@example.kg."))
    return value


def _display_name(value: str) -> str:
    if not value:
        raise Refusal(N_("Enter the name others will see. It may be a pseudonym."))
    if len(value) < 2:
        raise Refusal(N_("Use at least 2 characters."))
    return value


def _region(value: str) -> str:
    if value and value not in REGIONS:
        raise Refusal(N_("Choose a region from the list, or leave it empty."))
    return value


def _language(value: str) -> str:
    if value not in LOCALES:
        raise Refusal(N_("Choose one of the languages in the list."))
    return value


def _password(value: str) -> str:
    """What a password alone must be (long enough, not a common one); what it must not contain (her
    email, her name) and its confirmation are checked with the other fields (`new_password`)."""
    problem = password_problem(value)
    if problem:
        raise Refusal(problem)
    return value


Email = Annotated[Line, Field(max_length=254), AfterValidator(_email)]
NewSecret = Annotated[Secret, AfterValidator(_password)]
DisplayName = Annotated[Line, Field(max_length=NAME_MAX), AfterValidator(_display_name)]
Language = Annotated[Line, AfterValidator(_language)]
Region = Annotated[Line, AfterValidator(_region)]


class PasswordRefused(DomainError):
    status_code = 422


def new_password(password: str, confirm: str, *, email: str, name: str) -> None:
    """A new password that will do, typed twice the same; else refused beside the field at fault."""
    problem = password_problem(password, email=email, display_name=name)
    if problem:
        raise PasswordRefused(problem, field="password")
    if password != confirm:
        raise PasswordRefused(N_("The two passwords are not the same."), field="password_confirm")


class RegistrationForm(Form):
    email: Email = ""
    display_name: DisplayName = ""
    locale: Language = ""
    region: Region = ""
    password: NewSecret = ""
    password_confirm: Secret = ""


class NewAccount(Form):
    """An account made from the command line (`academy users create`)."""

    email: Email = ""
    display_name: DisplayName = ""
    locale: Language = ""
    password: NewSecret = ""


class LoginForm(Form):
    email: Annotated[Line, Field(max_length=254)] = ""
    password: Secret = ""
    next: Line = "/"


class ProfileForm(Form):
    display_name: DisplayName = ""
    locale: Language = ""
    region: Region = ""


class PasswordChangeForm(Form):
    current_password: Secret = ""
    password: NewSecret = ""
    password_confirm: Secret = ""


class PasswordForm(Form):
    """Her password, once (to confirm who she is: deleting the account)."""

    password: Secret = ""


class ResetRequestForm(Form):
    email: Email = ""


class NewPasswordForm(Form):
    password: NewSecret = ""
    password_confirm: Secret = ""


class LanguageForm(Form):
    locale: Line = ""
    next: Line = "/"


class RolesForm(Form):
    """An administrator's roles form: one checkbox per role; a box not ticked is a role taken away."""

    learner: Checkbox = Field(False, alias="role_learner")
    trainer: Checkbox = Field(False, alias="role_trainer")
    coordinator: Checkbox = Field(False, alias="role_coordinator")
    admin: Checkbox = Field(False, alias="role_admin")

    def roles(self) -> set[Role]:
        return {role for role in Role if getattr(self, role.value)}


def _code(value: str) -> str:
    if not value.strip():
        raise Refusal(N_("Enter the six-digit code from your app, or a recovery code."))
    return value.strip()[:40]


class CodeForm(Form):
    """A code from her authenticator app (six digits) or one of her recovery codes."""

    code: Annotated[Line, AfterValidator(_code)] = ""
    next: Line = "/"
