"""Alembic environment: the same settings and metadata as the app, on SQLite and PostgreSQL.

On SQLite, Alembic changes a table by copying it: create a new one, copy the rows, drop the old, rename
the new. With foreign keys on, dropping `user_account` deletes every row that points at it (roles,
sessions, enrolments, progress: issue 24 found a downgrade emptying them). So migrations run with
foreign keys off, set before the transaction (SQLite ignores the pragma inside one), then
`PRAGMA foreign_key_check` must find nothing before the transaction commits, and the connection gets
its foreign keys back whatever happened. PostgreSQL changes tables in place and needs none of this.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import context
from sqlalchemy.engine import Connection, Engine

import app.models  # noqa: F401  (registers every domain's tables)
from app.config import get_settings
from app.db import Base, create_engine

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )


def run_offline() -> None:
    url = config.attributes.get("url") or get_settings().resolved_database_url
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        compare_type=True,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


class ForeignKeysBroken(RuntimeError):
    pass


@contextmanager
def _sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    if connection.dialect.name != "sqlite":
        yield
        return
    if connection.in_transaction():
        raise RuntimeError("SQLite migrations need a connection outside a transaction (foreign keys off)")
    raw = connection.connection.dbapi_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys=OFF")  # the driver's own cursor: no BEGIN before it
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def _check_foreign_keys(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            tables = sorted({row[0] for row in broken})
            raise ForeignKeysBroken(f"rows point at nothing after the migration, in: {', '.join(tables)}")


def _migrate(connection: Connection) -> None:
    with _sqlite_foreign_keys_off(connection):
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
            _check_foreign_keys(connection)  # before the commit: a broken key rolls everything back


def run_online() -> None:
    given = config.attributes.get("connection")  # pytest-alembic hands over a connection or an engine
    if isinstance(given, Connection):
        _migrate(given)
        return
    if isinstance(given, Engine):
        engine, owned = given, False
    else:
        engine, owned = (
            create_engine(config.attributes.get("url") or get_settings().resolved_database_url),
            True,
        )
    try:
        with engine.connect() as connection:
            _migrate(connection)
    finally:
        if owned:
            engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
