"""Helpers shared by the `academy` sub-commands: a database session at head, and one-line failures."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

from sqlalchemy.orm import Session

from app.config import ConfigError, Settings
from app.db import Database, create_engine
from app.errors import DomainError
from app.i18n import use_locale


def fail(message: str) -> NoReturn:
    raise ConfigError(message)


@contextmanager
def database_session(settings: Settings) -> Iterator[Session]:
    """A writing session on a database that is at head; domain errors become one clear line."""
    from app import migrate

    settings.ensure_data_dir()
    database = Database(create_engine(settings.resolved_database_url))
    try:
        migrate.ensure_at_head(database.engine)
        with database.session(write=True) as session:
            try:
                yield session
            except DomainError as exc:
                session.rollback()
                with use_locale("en"):
                    fail(exc.translated())
    finally:
        database.dispose()
