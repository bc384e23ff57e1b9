"""`academy discussions digest`: send the email digests that are due."""

from __future__ import annotations

import typer

from app.config import get_settings
from app.db import Database, create_engine
from app.discussions.digest import send_digests
from app.staticfiles import STATIC_DIR, StaticAssets
from app.web.templating import Templates

discussions = typer.Typer(help="Discussions: send the email digests.", no_args_is_help=True)


@discussions.command("digest")
def digest() -> None:
    """Email each person whose digest is due (daily or weekly, as she chose) what is new in her
    discussions. Run it once a day from cron or a systemd timer; running it more often is harmless."""
    from app import migrate

    settings = get_settings()
    settings.ensure_data_dir()
    database = Database(create_engine(settings.resolved_database_url))
    try:
        migrate.ensure_at_head(database.engine)
        run = send_digests(database, Templates(settings, StaticAssets(STATIC_DIR)), settings)
    finally:
        database.dispose()
    typer.echo(
        f"Digests sent: {run.sent}; nothing to send: {run.skipped}; failed (will retry): {run.failed}."
    )
    if run.failed:
        raise typer.Exit(1)
