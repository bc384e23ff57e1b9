"""Running Alembic from the app: upgrade, and the check that the database is at head.

The check runs every time the server starts, so it reads the revision files and the alembic_version
table itself instead of importing Alembic (which costs half a second of the start-up budget).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.config import ConfigError
from app.db import create_engine, describe_connection_error

if TYPE_CHECKING:
    from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ROOT / "migrations" / "versions"
_REVISION = re.compile(r"^revision(?:: str)? = ['\"]([^'\"]+)['\"]", re.M)
_DOWN = re.compile(r"^down_revision(?:: [^=]+)? = (.+)$", re.M)


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    if url:
        config.attributes["url"] = url
    return config


def head_revisions() -> set[str]:
    """The revisions no other revision builds on, read from the files."""
    revisions, parents = set(), set()
    for path in VERSIONS.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        found = _REVISION.search(text)
        if found:
            revisions.add(found.group(1))
        down = _DOWN.search(text)
        if down:
            parents.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    return revisions - parents


def known_revisions() -> set[str]:
    """Every revision this code has a file for."""
    found = (_REVISION.search(path.read_text(encoding="utf-8")) for path in VERSIONS.glob("*.py"))
    return {match.group(1) for match in found if match}


def current_revisions(engine: Engine) -> set[str]:
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("alembic_version"):
                return set()
            return set(connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
    except SQLAlchemyError as exc:
        raise ConfigError(describe_connection_error(exc, engine.url)) from None


def upgrade(url: str, revision: str = "head") -> None:
    engine = create_engine(url)
    try:
        current_revisions(engine)  # reachable? otherwise one clear line, not a traceback
    finally:
        engine.dispose()
    from alembic import command

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
