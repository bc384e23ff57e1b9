"""Reading and checking the account forms; errors are per field and already translated."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.accounts.passwords import password_problem
from app.accounts.regions import REGIONS
from app.config import LOCALES
from app.forms import FormErrors, clean_line, clean_secret, is_email
from app.i18n import N_

NAME_MAX = 60


def check_email(errors: FormErrors, email: str) -> None:
    if not email:
        errors.add("email", N_("Enter your email address."))
    elif not is_email(email):
        errors.add("email", N_("Enter an email address like name@example.kg."))


def check_display_name(errors: FormErrors, name: str) -> None:
    if not name:
        errors.add("display_name", N_("Enter the name others will see. It may be a pseudonym."))
    elif len(name) < 2:
        errors.add("display_name", N_("Use at least 2 characters."))


def check_new_password(errors: FormErrors, password: str, confirm: str, *, email: str, name: str) -> None:
    problem = password_problem(password, email=email, display_name=name)
    if problem:
        errors.add("password", problem)
    elif password != confirm:
        errors.add("password_confirm", N_("The two passwords are not the same."))


@dataclass
class RegistrationForm:
    email: str = ""
    display_name: str = ""
    locale: str = ""
    region: str = ""
    password: str = ""
    password_confirm: str = ""
    errors: FormErrors = field(default_factory=FormErrors)

    @classmethod
    def read(cls, raw: dict[str, str], default_locale: str) -> RegistrationForm:
        form = cls(
            email=clean_line(raw.get("email"), 254).lower(),
            display_name=clean_line(raw.get("display_name"), NAME_MAX),
            locale=clean_line(raw.get("locale"), 5) or default_locale,
            region=clean_line(raw.get("region"), 8),
            password=clean_secret(raw.get("password")),
            password_confirm=clean_secret(raw.get("password_confirm")),
        )
        check_email(form.errors, form.email)
        check_display_name(form.errors, form.display_name)
        if form.locale not in LOCALES:
            form.errors.add("locale", N_("Choose one of the languages in the list."))
        if form.region and form.region not in REGIONS:
            form.errors.add("region", N_("Choose a region from the list, or leave it empty."))
        check_new_password(
            form.errors, form.password, form.password_confirm, email=form.email, name=form.display_name
        )
        return form


@dataclass
class ProfileForm:
    display_name: str = ""
    locale: str = ""
    region: str = ""
    errors: FormErrors = field(default_factory=FormErrors)

    @classmethod
    def read(cls, raw: dict[str, str]) -> ProfileForm:
        form = cls(
            display_name=clean_line(raw.get("display_name"), NAME_MAX),
            locale=clean_line(raw.get("locale"), 5),
            region=clean_line(raw.get("region"), 8),
        )
        check_display_name(form.errors, form.display_name)
        if form.locale not in LOCALES:
            form.errors.add("locale", N_("Choose one of the languages in the list."))
        if form.region and form.region not in REGIONS:
            form.errors.add("region", N_("Choose a region from the list, or leave it empty."))
        return form
