"""Running Alembic from the app: upgrade, and the check that the database is at head."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.config import ConfigError
from app.db import create_engine, describe_connection_error

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str | None = None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    if url:
        config.attributes["url"] = url
    return config


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    try:
        with engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as exc:
        raise ConfigError(describe_connection_error(exc, engine.url)) from None


def upgrade(url: str, revision: str = "head") -> None:
    engine = create_engine(url)
    try:
        current_revisions(engine)  # reachable? otherwise one clear line, not a traceback
    finally:
        engine.dispose()
    command.upgrade(alembic_config(url), revision)


def ensure_at_head(engine: Engine) -> None:
    current, heads = current_revisions(engine), head_revisions()
    if current != heads:
        where = engine.url.render_as_string(hide_password=True)
        state = ", ".join(sorted(current)) or "empty"
        raise ConfigError(
            f"the database {where} is not up to date (it is at {state}, the code needs "
            f"{', '.join(sorted(heads))}); run `academy migrate` first."
        )
