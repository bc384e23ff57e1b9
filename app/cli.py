"""The `academy` command: serve, migrate, and (from the domains) users, courses, cohorts, demo."""

from __future__ import annotations

import gc
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from app.config import ConfigError, Settings, get_settings

cli = typer.Typer(
    help="Civic Space Academy: run the server and manage its database and content.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


_QUIET = ("Context impl", "Will assume")  # Alembic's chatter on every run


def _register_subcommands() -> None:
    from app.accounts.cli import users
    from app.courses.cli import courses
    from app.demo import demo
    from app.discussions.cli import discussions
    from app.learning.cli import cohorts
    from app.resolutions.cli import resolutions

    cli.add_typer(users, name="users")
    cli.add_typer(courses, name="courses")
    cli.add_typer(cohorts, name="cohorts")
    cli.add_typer(discussions, name="discussions")
    cli.add_typer(resolutions, name="resolutions")
    cli.command(name="demo")(demo)


_register_subcommands()


def _plain_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr, force=True)
    for handler in logging.getLogger().handlers:
        handler.addFilter(lambda record: not record.getMessage().startswith(_QUIET))


def _warn_if_exposed(settings: Settings) -> None:
    """Once, at start: what in the data directory another account on this machine could read."""
    from app.db import parse_database_url, sqlite_file
    from app.files import exposed

    found = exposed(settings.data_dir, sqlite_file(parse_database_url(settings.resolved_database_url)))
    if found:
        typer.echo(
            "warning: other accounts on this machine can read "
            + ", ".join(str(path) for path in found[:6])
            + (" and more" if len(found) > 6 else "")
            + f"; they hold participants' data or secrets. Fix: chmod -R go-rwx {settings.data_dir}",
            err=True,
        )


@cli.command()
def backup(
    path: Annotated[Path, typer.Argument(help="The new backup file (never overwritten).")],
) -> None:
    """Back up the database while the app runs: SQLite's online backup, or pg_dump (custom format)."""
    from app import backup as backups

    done = backups.backup(get_settings().resolved_database_url, path)  # a BackupError: one clear line
    typer.echo(f"Backed up to {done.path} ({done.size:,} bytes, schema revision {done.revision}, mode 0600).")


@cli.command()
def restore(
    path: Annotated[Path, typer.Argument(help="A file made by `academy backup`.")],
    force: Annotated[
        bool, typer.Option(help="Replace a database that holds data (stop the app first).")
    ] = False,
) -> None:
    """Restore a backup into the configured database, and check it."""
    from app import backup as backups

    settings = get_settings()
    settings.ensure_data_dir()
    done = backups.restore(settings.resolved_database_url, path, force=force)
    typer.echo(f"Restored {done.path} (schema revision {done.revision}); the checks passed.")
    typer.echo("If this version of the academy is newer than the backup, run `academy migrate` now.")


@cli.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Target revision; 'head' is the newest.")] = "head",
) -> None:
    """Create or upgrade the database schema to the newest revision."""
    from app import migrate as migrations

    _plain_logging()
    settings = get_settings()
    settings.ensure_data_dir()
    url = settings.resolved_database_url
    migrations.upgrade(url, revision)
    typer.echo(f"The database is at {revision}.")


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)] = 1,
    reload: Annotated[bool, typer.Option(help="Restart when code changes (development).")] = False,
) -> None:
    """Serve the web app with uvicorn (refuses a database that is not migrated)."""
    import uvicorn

    from app import migrate as migrations
    from app.db import create_engine
    from app.serving import DRAIN_SECONDS, EVENT_LOOP

    settings = get_settings()
    settings.ensure_data_dir()
    settings.resolved_secret_key  # noqa: B018  (created now, before several workers race for it)
    _warn_if_exposed(settings)
    engine = create_engine(settings.resolved_database_url)
    try:
        migrations.ensure_at_head(engine)
    finally:
        engine.dispose()
    if workers == 1 and not reload:
        gc.disable()  # while uvicorn imports the app here; app.main.tune_gc() resumes it (app/entry.py)
    typer.echo(
        f"Civic Space Academy is at http://{host}:{port}/ (sign in at http://{host}:{port}/login;"
        " Ctrl+C stops it)",
        err=True,
    )
    uvicorn.run(
        "app.main:serve_app",
        factory=True,
        host=host,
        port=port,
        workers=workers if not reload else None,
        reload=reload,
        loop=EVENT_LOOP,
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        timeout_graceful_shutdown=DRAIN_SECONDS,  # then app.serving stops the process (STOP_WITHIN)
    )


def main() -> None:
    try:
        cli()
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
