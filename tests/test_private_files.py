"""Files only for the app (issue 24): whatever the umask, the data directory is 0700 and the SQLite
database, its WAL and shared-memory files, the secret key, the outbox and backups are 0600; `academy
serve` warns once when others could read them."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import backup, cli, mail
from app.config import Settings
from app.db import create_engine
from app.files import exposed


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The most careless umask there is: everything would be made readable and writable by all."""
    before = os.umask(0)
    try:
        yield
    finally:
        os.umask(before)


def test_everything_the_app_makes_is_its_own(tmp_path: Path, open_umask: None) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        smtp_host="",
    )
    data = settings.ensure_data_dir()
    assert mode(data) == 0o700
    assert mode(Path(settings.resolved_secret_key and data / "secret_key")) == 0o600
    engine = create_engine(settings.resolved_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
            connection.execute(sa.text("INSERT INTO alembic_version VALUES ('0015')"))
        database = data / "academy.db"
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            assert mode(path) == 0o600, path
        done = backup.backup(settings.resolved_database_url, tmp_path / "nightly.backup")
        assert mode(done.path) == 0o600
    finally:
        engine.dispose()
    message = EmailMessage()
    message["To"], message["Subject"] = "a@example.org", "Ваша ссылка для входа"
    message.set_content("https://academy.example/login/abc")
    mail._write_outbox(settings, message)
    outbox = data / "outbox"
    assert mode(outbox) == 0o700 and [mode(path) for path in outbox.iterdir()] == [0o600]
    assert exposed(data, database) == []


def test_serve_warns_when_others_can_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]
    data = settings.ensure_data_dir()
    engine = create_engine(settings.resolved_database_url)
    engine.dispose()
    cli._warn_if_exposed(settings)
    assert capsys.readouterr().err == ""
    os.chmod(data / "academy.db", 0o644)
    os.chmod(data, 0o755)
    cli._warn_if_exposed(settings)
    warning = capsys.readouterr().err
    assert "academy.db" in warning and str(data) in warning and "chmod -R go-rwx" in warning
