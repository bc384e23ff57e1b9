from __future__ import annotations

import stat
from pathlib import Path

import pytest

from app.config import ConfigError, Settings
from app.db import create_engine, parse_database_url


def make(tmp_path: Path, **values: object) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, **values)  # type: ignore[call-arg]


class TestSecretKey:
    def test_generated_once_and_private(self, tmp_path: Path) -> None:
        first = make(tmp_path).resolved_secret_key
        second = make(tmp_path).resolved_secret_key
        assert first == second
        assert len(first) >= 32
        mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
        assert mode == 0o600

    def test_environment_wins(self, tmp_path: Path) -> None:
        key = "k" * 40
        assert make(tmp_path, secret_key=key).resolved_secret_key == key
        assert not (tmp_path / "secret_key").exists()

    def test_short_key_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="shorter than 32"):
            make(tmp_path, secret_key="short").resolved_secret_key  # noqa: B018

    def test_damaged_key_file_is_reported(self, tmp_path: Path) -> None:
        (tmp_path / "secret_key").write_text("x")
        with pytest.raises(ConfigError, match="no usable secret key"):
            make(tmp_path).resolved_secret_key  # noqa: B018


class TestDataDir:
    def test_created_when_parent_exists(self, tmp_path: Path) -> None:
        settings = make(tmp_path / "var")
        assert settings.ensure_data_dir().is_dir()

    def test_missing_parent_says_what_to_do(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="does not exist.*ACADEMY_DATA_DIR"):
            make(tmp_path / "no" / "such" / "dir").ensure_data_dir()

    def test_a_file_is_not_a_data_dir(self, tmp_path: Path) -> None:
        target = tmp_path / "file"
        target.write_text("")
        with pytest.raises(ConfigError, match="is a file"):
            make(target).ensure_data_dir()

    def test_default_database_is_sqlite_in_data_dir(self, tmp_path: Path) -> None:
        assert make(tmp_path).resolved_database_url == f"sqlite:///{tmp_path.as_posix()}/academy.db"


class TestDatabaseUrl:
    @pytest.mark.parametrize("url", ["not a url", "mysql://root@localhost/x", "://"])
    def test_bad_urls_give_one_clear_line(self, url: str) -> None:
        with pytest.raises(ConfigError) as caught:
            create_engine(url)
        assert "ACADEMY_DATABASE_URL" in str(caught.value)
        assert "\n" not in str(caught.value)

    def test_plain_postgresql_scheme_uses_psycopg(self) -> None:
        assert parse_database_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
