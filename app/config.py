"""Settings, read from the environment (prefix ACADEMY_) or a .env file.

Everything that differs between a laptop, CI and production lives here and nowhere else.
`get_settings()` is cached; tests build their own `Settings(...)` and hand it to `create_app`.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.files import private_dir

LOCALES = ("ky", "ru", "en")
Locale = Literal["ky", "ru", "en"]
SECRET_KEY_FILE = "secret_key"


class ConfigError(Exception):
    """A setting is wrong in a way the operator must fix; the message says how, in one line."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ACADEMY_", env_file=".env", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str = ""  # empty: a SQLite file in data_dir
    secret_key: str = ""  # empty: generated once and kept in data_dir/secret_key
    base_url: str = "http://127.0.0.1:8000"
    default_locale: Locale = "ru"
    timezone: str = "Asia/Bishkek"  # dates and times are shown in this zone and stored in UTC
    log_level: str = "INFO"
    # Requests each process works on at once (the rest wait their turn, in order). Python runs one thread
    # at a time: on 2 cores, 4 served 15-25% more requests than 12, with shorter tails, and less memory
    # (bench/, docs/performance.md). Raise it when the database is far away and requests mostly wait.
    worker_threads: int = Field(default=4, ge=1, le=200)
    # Seconds a request waits for a worker thread before it is refused with 503 and Retry-After: under
    # overload the line stays short and the server answers, rather than freezing (app.db.Database.run).
    queue_timeout: float = Field(default=5.0, gt=0, le=60)
    # Proxies whose X-Forwarded-For/Proto we believe (the load balancer's address in production).
    forwarded_allow_ips: str = "127.0.0.1"
    # Where uploaded course media live: "folder" (data_dir/media: one host, the default) or "database"
    # (also in the database, so that every host behind a load balancer serves them: docs/deploy.md).
    media_store: Literal["folder", "database"] = "folder"

    # Mail: without an SMTP host, messages are written as files to data_dir/outbox.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    mail_from: str = "Civic Space Academy <no-reply@localhost>"

    # Sessions (seconds).
    session_idle_timeout: int = Field(default=14 * 24 * 3600, gt=0)
    session_max_age: int = Field(default=60 * 24 * 3600, gt=0)
    # Staff (trainers, coordinators, admins) hold rosters: shorter sessions, and two-step sign-in
    # before any staff page (docs/security.md).
    staff_session_idle_timeout: int = Field(default=30 * 60, gt=0)
    staff_session_max_age: int = Field(default=12 * 3600, gt=0)
    staff_two_factor: bool = True

    # Argon2id cost. The defaults follow OWASP's minimum (19 MiB, 2 passes, 1 lane).
    argon2_memory_kib: int = Field(default=19456, ge=19456)
    argon2_time_cost: int = Field(default=2, ge=2)

    @field_validator("database_url")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @property
    def https(self) -> bool:
        return self.base_url.lower().startswith("https://")

    def ensure_data_dir(self) -> Path:
        """Create the data dir if its parent exists; otherwise say what to fix."""
        path = self.data_dir
        if path.is_dir():
            return path
        if path.exists():
            raise ConfigError(f"ACADEMY_DATA_DIR={path} is a file, not a directory; point it to a directory.")
        if not path.parent.is_dir():
            raise ConfigError(
                f"ACADEMY_DATA_DIR={path} does not exist and neither does its parent {path.parent}; "
                "create it or set ACADEMY_DATA_DIR to an existing directory."
            )
        try:
            private_dir(path)  # 0700: the database, the secret key and the outbox live here
        except OSError as exc:
            raise ConfigError(
                f"cannot create ACADEMY_DATA_DIR={path} ({exc.strerror}); "
                "set ACADEMY_DATA_DIR to a writable directory."
            ) from None
        return path

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'academy.db').as_posix()}"

    @property
    def resolved_secret_key(self) -> str:
        if self.secret_key:
            if len(self.secret_key) < 32:
                raise ConfigError(
                    "ACADEMY_SECRET_KEY is shorter than 32 characters; use a long random value."
                )
            return self.secret_key
        return _secret_key_from(self.ensure_data_dir() / SECRET_KEY_FILE)


def _secret_key_from(path: Path) -> str:
    """Read the key kept in the data dir, creating it (mode 0600) on first use.

    Several processes may start at once, so the key is written to a private temporary file and
    linked into place: the link either wins or finds the key another process already put there.
    """
    if not path.exists():
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_urlsafe(48) + "\n")
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
        except OSError as exc:
            raise ConfigError(f"cannot write the secret key to {path} ({exc.strerror}).") from None
        finally:
            tmp.unlink(missing_ok=True)
    try:
        key = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        key = ""
    if len(key) < 32:
        raise ConfigError(f"{path} holds no usable secret key; delete it to have a new one made.")
    return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
