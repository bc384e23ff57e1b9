"""`academy users ...`: create accounts and change roles from the shell (changes are audited)."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

from app.accounts import service as accounts_service
from app.accounts import twofactor
from app.accounts.schemas import NewAccount, new_password
from app.cli_support import database_session, fail
from app.config import get_settings
from app.errors import DomainError
from app.forms import errors_of
from app.i18n import use_locale
from app.permissions import Role

users = typer.Typer(help="Create user accounts and grant or remove roles.", no_args_is_help=True)

RoleOption = Annotated[
    list[Role] | None,
    typer.Option("--role", "-r", help="A role to give; repeat for several.", case_sensitive=False),
]


@users.command("create")
def create(
    email: Annotated[str, typer.Option(help="Sign-in email address.")],
    name: Annotated[str, typer.Option(help="Display name (may be a pseudonym).")],
    password: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="At least 10 characters."),
    ],
    role: RoleOption = None,
    locale: Annotated[str, typer.Option(help="ky, ru or en.")] = "ru",
) -> None:
    """Create a confirmed account with the given roles (learner when none is given)."""
    settings = get_settings()
    values = {"email": email, "display_name": name, "locale": locale, "password": password}
    with use_locale("en"):
        try:
            account = NewAccount.model_validate(values)
            new_password(password, password, email=account.email, name=account.display_name)
        except ValidationError as exc:
            errors = errors_of(exc, NewAccount)
            fail("; ".join(f"{field}: {message}" for field, message in errors.items()))
        except DomainError as exc:
            fail(f"{exc.field}: {exc.translated()}")
    email, name = account.email, account.display_name
    roles = tuple(dict.fromkeys(role or [Role.LEARNER]))
    with database_session(settings) as session:
        if accounts_service.get_user_by_email(session, email) is not None:
            fail(f"an account with {email} already exists; use `academy users grant` to change its roles.")
        user = accounts_service.create_user(
            session,
            settings=settings,
            email=email,
            password=password,
            display_name=name,
            locale=locale,
            roles=roles,
        )
        accounts_service.record(
            session, actor=None, action="user.create", target=user, detail=",".join(roles)
        )
        session.commit()
    typer.echo(f"Created {email} with roles: {', '.join(roles)}.")


@users.command("grant")
def grant(
    email: Annotated[str, typer.Argument(help="The account's email.")],
    roles: Annotated[list[Role], typer.Argument(help="Roles to give.", case_sensitive=False)],
) -> None:
    """Give one or more roles to an account."""
    _change(email, roles, give=True)


@users.command("revoke")
def revoke(
    email: Annotated[str, typer.Argument(help="The account's email.")],
    roles: Annotated[list[Role], typer.Argument(help="Roles to take away.", case_sensitive=False)],
) -> None:
    """Take one or more roles away from an account."""
    _change(email, roles, give=False)


def _change(email: str, roles: list[Role], *, give: bool) -> None:
    settings = get_settings()
    with database_session(settings) as session:
        user = accounts_service.get_user_by_email(session, email)
        if user is None:
            fail(f"no account has the email {email}.")
        change = accounts_service.grant_role if give else accounts_service.revoke_role
        for role in roles:
            change(session, actor=None, user=user, role=role)
        session.commit()
        typer.echo(f"{user.email} now has: {', '.join(sorted(user.role_names)) or 'no roles'}.")


@users.command("reset-2fa")
def reset_two_factor(email: Annotated[str, typer.Argument(help="The account's email.")]) -> None:
    """Turn off someone's two-step sign-in (a lost phone) and end her sessions; written to the audit log.
    Check first that it is her asking, by a way other than this email."""
    settings = get_settings()
    with database_session(settings) as session:
        user = accounts_service.get_user_by_email(session, email)
        if user is None:
            fail(f"no account has the email {email}.")
        twofactor.disable(session, actor=None, user=user, action="2fa.reset")
        ended = accounts_service.end_all_sessions(session, user_id=user.id)
        session.commit()
    typer.echo(
        f"Two-step sign-in is reset for {email}; {ended} session(s) ended. She sets it up again at sign-in."
    )
