"""Backups (issue 24): `academy backup` copies the database of a running app while it writes, into a
0600 file; `academy restore` puts it into a fresh database, refuses one that holds data without
--force and a backup of a revision this code does not know, and checks what it restored."""

from __future__ import annotations

import shutil
import sqlite3
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app import backup
from app.config import Settings
from app.db import create_engine
from tests.conftest import TEST_DATABASE_URL, WORKER, fresh_database_url, is_postgres
from tests.dbsnapshot import snapshot
from tests.factories import create_user, login

pytestmark = pytest.mark.skipif(
    is_postgres() and shutil.which("pg_dump") is None, reason="pg_dump is not installed"
)


@pytest.fixture
def restore_url(tmp_path: Path, database_url: str) -> Iterator[str]:
    """An empty database to restore into. On PostgreSQL a database of its own: the dump names the test
    schema, which must not collide with the one it came from."""
    if not is_postgres():
        yield fresh_database_url("restored", tmp_path)
        return
    name = f"academy_restore_{WORKER}".lower()
    admin = sa.create_engine(make_url(TEST_DATABASE_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = make_url(database_url).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _writing(database_url: str, stop: threading.Event, written: list[int]) -> None:
    """Another writer, as the app is: audit-free rows in a table of their own, until told to stop."""
    engine = create_engine(database_url)
    try:
        n = 0
        while not stop.is_set():
            with engine.begin() as connection:
                connection.execute(sa.text("INSERT INTO backup_probe (n) VALUES (:n)"), {"n": n})
            written.append(n)
            n += 1
    finally:
        engine.dispose()


def test_a_running_apps_database_is_backed_up_and_restored(
    client: TestClient,
    session: Session,
    settings: Settings,
    database_url: str,
    tmp_path: Path,
    restore_url: str,
) -> None:
    people = [create_user(session, settings, display_name=f"Участница {n}") for n in range(5)]
    session.commit()
    login(client, people[0].email)
    assert client.get("/").status_code == 200  # the app is up, with its connections open
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE backup_probe (n INTEGER NOT NULL)"))
    stop, written = threading.Event(), []
    writer = threading.Thread(target=_writing, args=(database_url, stop, written))
    writer.start()
    try:
        while len(written) < 20:
            threading.Event().wait(0.01)
        done = backup.backup(database_url, tmp_path / "academy.backup")
        assert client.get("/").status_code == 200
    finally:
        stop.set()
        writer.join()
    try:
        assert stat.S_IMODE((tmp_path / "academy.backup").stat().st_mode) == 0o600
        assert done.revision and not list(tmp_path.glob(".*partial"))
        restored = backup.restore(restore_url, tmp_path / "academy.backup")
        assert restored.revision == done.revision
        source = snapshot(engine)
        copy_engine = create_engine(restore_url)
        try:
            copy = snapshot(copy_engine)
        finally:
            copy_engine.dispose()
        probe = copy.pop("backup_probe")[1]
        source_probe = source.pop("backup_probe")[1]
        assert 20 <= len(probe) <= len(source_probe)  # a moment of the writes, all of them up to it
        assert {row[0] for row in probe} == {repr(n) for n in range(len(probe))}
        for table in ("user_session", "rate_limit"):  # the app's own traffic meanwhile
            source.pop(table, None), copy.pop(table, None)
        assert copy == source
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE backup_probe"))
        engine.dispose()


def test_restore_refuses_a_database_that_holds_data(
    session: Session, settings: Settings, database_url: str, tmp_path: Path
) -> None:
    create_user(session, settings)
    session.commit()
    made = backup.backup(database_url, tmp_path / "b")
    with pytest.raises(backup.BackupError, match="--force"):
        backup.restore(database_url, made.path)
    with pytest.raises(backup.BackupError, match="never overwritten"):
        backup.backup(database_url, made.path)


@pytest.mark.skipif(is_postgres(), reason="edits the backup file, an SQLite database")
def test_restore_refuses_a_backup_of_an_unknown_revision(
    session: Session, database_url: str, tmp_path: Path
) -> None:
    made = backup.backup(database_url, tmp_path / "b")
    with sqlite3.connect(made.path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(backup.BackupError, match="does not know"):
        backup.restore(fresh_database_url("other", tmp_path), made.path)
    (tmp_path / "junk").write_bytes(b"not a database at all" * 100)
    with pytest.raises(backup.BackupError):
        backup.restore(fresh_database_url("other2", tmp_path), tmp_path / "junk")


def test_without_the_postgresql_tools_the_message_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    with pytest.raises(backup.BackupError, match="apt install postgresql-client"):
        backup._run("pg_dump", ["--version"])


def test_backup_and_restore_commands(tmp_path: Path) -> None:
    """The commands as an operator types them, on a database of their own."""
    from tests.test_cli import academy, environment

    env = environment(tmp_path, database_url=fresh_database_url("backupcli", tmp_path))
    assert academy("migrate", env=env).returncode == 0
    made = academy("backup", str(tmp_path / "nightly.backup"), env=env)
    assert made.returncode == 0, made.stderr
    assert "mode 0600" in made.stdout
    again = academy("restore", str(tmp_path / "nightly.backup"), env=env)
    assert again.returncode == 0, again.stderr  # a database without people or courses: no --force needed
    missing = academy("restore", str(tmp_path / "nope.backup"), env=env)
    assert missing.returncode == 2 and "no backup at" in missing.stderr
