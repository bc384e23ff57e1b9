"""`academy cohorts import`: a roster from CSV into a cohort, with a dry run, from the shell."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer

from app.cli_support import database_session, fail
from app.config import get_settings
from app.courses.service import outlines_by_id
from app.i18n import use_locale
from app.learning import roster
from app.learning.models import Cohort
from app.learning.service import normalize_code
from app.staticfiles import STATIC_DIR, StaticAssets
from app.web.templating import Templates

cohorts = typer.Typer(help="Cohorts: import a roster.", no_args_is_help=True)


@cohorts.command("import")
def import_roster(
    cohort: Annotated[str, typer.Argument(help="The cohort's enrolment code (or its number).")],
    path: Annotated[Path, typer.Argument(help="A CSV file: name, email, region, language.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would happen; write nothing.")
    ] = False,
    encoding: Annotated[
        str, typer.Option(help="utf-8, cp1251 or utf-16; found by itself when not given.")
    ] = "",
    delimiter: Annotated[str, typer.Option(help="',', ';' or 'tab'; found by itself when not given.")] = "",
) -> None:
    """Create or find an account for every line and put it in the cohort: all lines, or none.

    Invitations (with a link to set a password, for new accounts) go to the outbox or SMTP."""
    settings = get_settings()
    delimiter = "\t" if delimiter == "tab" else delimiter
    try:
        data = path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {path} ({exc.strerror}).")
    with use_locale("en"):
        try:
            text, encoding = roster.decode(data, encoding)
        except roster.RosterUnreadable as exc:
            fail(f"{path}: {exc.reason}")
    mark = delimiter if delimiter in roster.DELIMITERS else roster.delimiter_of(text)
    typer.echo(
        f"{path}: read as {roster.ENCODINGS[encoding]}, columns separated by {roster.DELIMITERS[mark]}."
    )
    with use_locale("en"), database_session(settings) as session:
        found = session.scalars(
            sa.select(Cohort).where(
                sa.or_(
                    Cohort.enrolment_code == normalize_code(cohort),
                    Cohort.id == (int(cohort) if cohort.isdigit() else -1),
                )
            )
        ).first()
        if found is None:
            fail(f"no cohort has the code or number {cohort}.")
        try:
            rows = roster.plan(session, found, text, default_language=settings.default_locale, delimiter=mark)
        except roster.RosterUnreadable as exc:
            fail(f"{path}: {exc.reason}")
        labels = {"new": "new account", "existing": "existing account", "already": "already in the cohort"}
        for row in rows:
            outcome = f"error: {row.reason}" if row.outcome == "error" else labels[row.outcome]
            typer.echo(f"{path}:{row.line}: {row.email or '-'}: {outcome}")
        errors = [row for row in rows if row.outcome == "error"]
        if errors:
            typer.echo(f"{len(errors)} line(s) with errors: nothing was imported.", err=True)
            raise typer.Exit(1)
        over, places, taken = roster.over_cap(session, found, rows)
        if over:
            typer.echo(
                f"{over} line(s) would not fit: the cohort has {places} places and {taken} are taken. "
                "Add places in the cohort's settings or shorten the file; nothing was imported.",
                err=True,
            )
            raise typer.Exit(1)
        if dry_run:
            typer.echo(f"Dry run: {len(rows)} line(s) would be imported.")
            return
        # A cohort filled meanwhile: apply refuses before writing (CohortFull, said as one line).
        invitations = roster.apply(session, found, rows, settings=settings, actor=None)
        titles = {
            locale: outlines_by_id(session, [found.course_id], locale=locale)[found.course_id].title
            for locale in ("ky", "ru", "en")
        }
        session.commit()
        templates = Templates(settings, StaticAssets(STATIC_DIR))
        roster.send_invitations(templates, settings, cohort=found, titles=titles, invitations=invitations)
    typer.echo(f"Imported {len(rows)} line(s); the invitations are sent.")
