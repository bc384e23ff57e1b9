"""`academy resolutions remind`: tell coordinators which adopted items are due for review."""

from __future__ import annotations

import datetime as dt

import typer

from app.cli_support import database_session
from app.config import get_settings
from app.resolutions.monitoring import remind

resolutions = typer.Typer(help="Resolutions: reminders for monitoring.", no_args_is_help=True)


@resolutions.command("remind")
def remind_command() -> None:
    """Notify the coordinators of every adopted item whose review date has come (once per date).
    Run it daily, with `academy discussions digest` after it so that the reminders reach their email."""
    settings = get_settings()
    with database_session(settings) as session:
        done = remind(session, today=dt.date.today())
        session.commit()
    typer.echo(f"Items due for review: {done.items}; coordinators reminded: {done.people}.")
