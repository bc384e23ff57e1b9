"""The audit log is append-only: database triggers refuse UPDATE and DELETE of its rows (and TRUNCATE on
PostgreSQL), whoever asks. The migration that made them (0012) carries its own copy of these statements;
tests use `unlocked` to empty the table between tests, as an operator with the database's owner rights
could (docs/security.md says so)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

REFUSAL = "audit_event is append-only"

SQLITE = [
    f"CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
    f"CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS audit_event_no_update", "DROP TRIGGER IF EXISTS audit_event_no_delete"]

POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION audit_event_refuse() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$",
    "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_refuse()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse()",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event",
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_refuse()",
]


def statements(dialect: str, *, create: bool) -> list[str]:
    if dialect == "sqlite":
        return SQLITE if create else SQLITE_DROP
    return POSTGRESQL if create else POSTGRESQL_DROP


@contextmanager
def unlocked(connection: sa.Connection) -> Iterator[None]:
    """The triggers lifted for the length of the block (tests' clean-up; never the application)."""
    dialect = connection.dialect.name
    for statement in statements(dialect, create=False):
        connection.execute(sa.text(statement))
    try:
        yield
    finally:
        for statement in statements(dialect, create=True):
            connection.execute(sa.text(statement))
