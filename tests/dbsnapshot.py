"""A database's whole content, to compare two databases (or one before and after) table by table."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

Snapshot = dict[str, tuple[list[str], list[tuple[str, ...]]]]


def snapshot(engine: Engine) -> Snapshot:
    """Every table's columns and rows (as text, sorted: the order rows come back in is not data)."""
    inspector = sa.inspect(engine)
    found: Snapshot = {}
    with engine.connect() as connection:
        for table in inspector.get_table_names():
            if table == "alembic_version":
                continue
            columns = sorted(column["name"] for column in inspector.get_columns(table))
            quoted = ", ".join(f'"{name}"' for name in columns)
            rows = connection.exec_driver_sql(f'SELECT {quoted} FROM "{table}"').all()
            found[table] = (columns, sorted(tuple(_text(value) for value in row) for row in rows))
    return found


def _text(value: Any) -> str:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)  # PostgreSQL answers aware, SQLite naive
    if isinstance(value, bool):
        value = int(value)
    return repr(value)
