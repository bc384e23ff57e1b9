"""`academy backup PATH` and `academy restore PATH`: backups a small organisation will actually run.

SQLite: the online backup API (a consistent copy while the app runs and writes), checked with
`PRAGMA integrity_check` before it is put in place. PostgreSQL: `pg_dump` in its custom format (and
`pg_restore`), which must be installed (Debian: `postgresql-client`, the same major version as the
server or newer). Backup files are 0600: they hold everything the database does.

A restore refuses a database that already holds data unless `--force`, refuses a backup made by a newer
version of the academy (a schema revision this code does not know), and checks the result: the schema
revision it holds, and on SQLite the integrity and foreign key checks. A backup from an older version is
restored as it is; `academy migrate` then brings it up to date. See docs/operations.md.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL

from app import migrate
from app.config import ConfigError
from app.db import create_engine, parse_database_url, sqlite_file
from app.files import PRIVATE_FILE, create_private, open_private

PG_TOOLS_MISSING = (
    "{tool} is not installed: on Debian or Ubuntu, `apt install postgresql-client` (its major version must "
    "be the server's or newer), then run this again."
)


class BackupError(ConfigError):
    """Something the person running the command can fix; said in one line."""


@dataclass(frozen=True)
class Done:
    path: Path
    revision: str
    size: int


# Backing up ------------------------------------------------------------------------------------------------


def backup(database_url: str, path: Path) -> Done:
    url = parse_database_url(database_url)
    if path.exists():
        raise BackupError(f"{path} exists; give a new file name (backups are never overwritten).")
    if not path.parent.is_dir():
        raise BackupError(f"the folder {path.parent} does not exist.")
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        if url.get_backend_name() == "sqlite":
            _sqlite_backup(url, partial)
        else:
            _pg_dump(url, partial)
        os.chmod(partial, PRIVATE_FILE)
        revision = backup_revision(partial, url)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return Done(path, revision, path.stat().st_size)


def _sqlite_backup(url: URL, target: Path) -> None:
    source_file = sqlite_file(url)
    if source_file is None or not source_file.is_file():
        raise BackupError(f"there is no database at {source_file}; nothing to back up.")
    create_private(target)
    source = sqlite3.connect(f"file:{source_file}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.execute("PRAGMA busy_timeout=5000")
        source.backup(copy)  # page by page; restarts by itself if the app writes meanwhile
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        _sqlite_checks(copy, what=str(target))
    finally:
        copy.close()
        source.close()


def _sqlite_checks(connection: sqlite3.Connection, *, what: str) -> None:
    integrity = connection.execute("PRAGMA integrity_check").fetchall()
    if integrity != [("ok",)]:
        raise BackupError(f"{what} failed SQLite's integrity check: {integrity[:3]}")
    broken = connection.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise BackupError(f"{what} has rows that point at nothing, in {sorted({row[0] for row in broken})}")


def _libpq(url: URL) -> tuple[str, list[str]]:
    """A libpq address for the pg_* tools, and the schema to limit them to (the test suite's
    `options=-csearch_path=...`), if any."""
    query = dict(url.query)
    options = str(query.pop("options", ""))
    found = re.search(r"search_path=([\w]+)", options)
    plain = url.set(drivername="postgresql", query=query).render_as_string(hide_password=False)
    return plain, (["--schema", found.group(1)] if found else [])


def _run(tool: str, arguments: list[str]) -> None:
    program = shutil.which(tool)
    if program is None:
        raise BackupError(PG_TOOLS_MISSING.format(tool=tool))
    finished = subprocess.run(
        [program, *arguments], capture_output=True, text=True, timeout=3600, check=False
    )
    if finished.returncode != 0:
        last = (finished.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"{tool} failed: {last}")


def _pg_dump(url: URL, target: Path) -> None:
    address, schema = _libpq(url)
    os.close(open_private(target))  # 0600 before pg_dump writes a byte into it
    _run(
        "pg_dump",
        ["--format=custom", "--no-owner", "--no-privileges", *schema, "--file", str(target), address],
    )


def backup_revision(path: Path, url: URL) -> str:
    """The schema revision a backup holds (its alembic_version)."""
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            try:
                rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
            except sqlite3.DatabaseError:
                raise BackupError(f"{path} is not a backup of the academy's SQLite database.") from None
        return ",".join(sorted(row[0] for row in rows))
    program = shutil.which("pg_restore")
    if program is None:
        raise BackupError(PG_TOOLS_MISSING.format(tool="pg_restore"))
    listing = subprocess.run(
        [program, "--data-only", "--table", "alembic_version", "--file", "-", str(path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if listing.returncode != 0:
        raise BackupError(f"{path} is not a pg_dump backup in custom format.")
    found = re.findall(r"^(\w+)$", listing.stdout.split("FROM stdin;", 1)[-1].split("\\.", 1)[0], re.M)
    return ",".join(sorted(found))


# Restoring -------------------------------------------------------------------------------------------------


# What makes a database worth keeping: a freshly migrated one holds a few rows of its own (a version
# counter), which a restore may replace without asking.
KEPT_TABLES = ("user_account", "course", "cohort", "progress_event")


def holds_data(database_url: str) -> bool:
    """Whether the database holds people, courses, cohorts or progress."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            present = set(sa.inspect(connection).get_table_names())
            for table in KEPT_TABLES:
                if (
                    table in present
                    and connection.execute(sa.text(f'SELECT 1 FROM "{table}" LIMIT 1')).first()
                ):
                    return True
        return False
    finally:
        engine.dispose()


def restore(database_url: str, path: Path, *, force: bool = False) -> Done:
    url = parse_database_url(database_url)
    if not path.is_file():
        raise BackupError(f"there is no backup at {path}.")
    revision = backup_revision(path, url)
    known = migrate.known_revisions()
    if not revision or any(part not in known for part in revision.split(",")):
        raise BackupError(
            f"{path} holds schema revision {revision or 'none'}, which this version of the academy does not "
            "know: restore it with the version that made it (or a newer one)."
        )
    if holds_data(database_url) and not force:
        raise BackupError(
            "the database already holds data; a restore replaces all of it. Run again with --force if "
            "that is what you want (stop the app first)."
        )
    if url.get_backend_name() == "sqlite":
        _sqlite_restore(url, path)
    else:
        _pg_restore(url, path)
    restored = _current_revision(database_url)
    if restored != revision:
        raise BackupError(f"the restored database is at {restored or 'no revision'}, not {revision}.")
    return Done(path, revision, path.stat().st_size)


def _sqlite_restore(url: URL, path: Path) -> None:
    target_file = sqlite_file(url)
    if target_file is None:
        raise BackupError("an SQLite database in memory cannot be restored into.")
    create_private(target_file)
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    target = sqlite3.connect(target_file)
    try:
        _sqlite_checks(source, what=str(path))
        target.execute("PRAGMA busy_timeout=5000")
        source.backup(target)  # replaces every page of the target, in one go
        target.execute("PRAGMA journal_mode=WAL")
        _sqlite_checks(target, what=str(target_file))
    finally:
        target.close()
        source.close()


def _pg_restore(url: URL, path: Path) -> None:
    address, schema = _libpq(url)
    if schema:  # the dump names its schema: it is made again, empty, first
        engine = create_engine(url.render_as_string(hide_password=False))
        try:
            with engine.begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema[1]}" CASCADE'))
        finally:
            engine.dispose()
    else:
        _drop_public_tables(url)
    _run(
        "pg_restore",
        [
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            address,
            str(path),
        ],
    )


def _drop_public_tables(url: URL) -> None:
    engine = create_engine(url.render_as_string(hide_password=False))
    try:
        with engine.begin() as connection:
            for table in sa.inspect(connection).get_table_names():
                connection.execute(sa.text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
            for (function,) in connection.execute(
                sa.text(
                    "SELECT p.oid::regprocedure::text FROM pg_proc p"
                    " JOIN pg_namespace n ON n.oid = p.pronamespace"
                    " WHERE n.nspname = current_schema() AND p.prokind = 'f'"
                )
            ):
                connection.execute(sa.text(f"DROP FUNCTION IF EXISTS {function} CASCADE"))
    finally:
        engine.dispose()


def _current_revision(database_url: str) -> str:
    engine = create_engine(database_url)
    try:
        return ",".join(sorted(migrate.current_revisions(engine)))
    finally:
        engine.dispose()
