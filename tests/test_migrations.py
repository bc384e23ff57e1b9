"""Migrations upgrade an empty database, go down to base and up again, and match the models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
from alembic.config import Config
from pytest_alembic import MigrationContext
from pytest_alembic.tests import (  # noqa: F401  (collected as tests)
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app import migrate
from app.accounts import twofactor
from app.accounts.models import RecoveryCode, TwoFactor
from app.config import Settings
from app.db import create_engine, utcnow
from app.security import hash_token
from tests.conftest import fresh_database_url
from tests.factories import create_user


@pytest.fixture
def alembic_config() -> Config:
    return migrate.alembic_config()


@pytest.fixture
def alembic_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(fresh_database_url("alembic", tmp_path))
    yield engine
    engine.dispose()


def test_upgrade_downgrade_upgrade(alembic_runner: MigrationContext) -> None:
    alembic_runner.migrate_up_to("heads")
    alembic_runner.migrate_down_to("base")
    alembic_runner.migrate_up_to("heads")
    assert alembic_runner.current == alembic_runner.heads[0]


def test_the_quick_head_check_agrees_with_alembic() -> None:
    """`academy serve` reads the heads from the files itself (see app/migrate.py): the same as Alembic's."""
    from alembic.script import ScriptDirectory

    from app import migrate

    assert migrate.head_revisions() == set(ScriptDirectory.from_config(migrate.alembic_config()).get_heads())


def test_0014_keeps_the_recovery_codes_made_before_it(
    alembic_runner: MigrationContext, alembic_config: Config, alembic_engine: Engine, settings: Settings
) -> None:
    """Codes stored as a plain SHA-256 still sign her in after 0014 puts them under the secret key, and
    what is stored is no longer the plain hash; going down deletes them (an HMAC cannot be undone)."""
    alembic_runner.migrate_up_to("0013")  # 0014 changes no table: the models fit the database at 0013
    with Session(alembic_engine) as session:
        user = create_user(session, settings)
        session.add(
            TwoFactor(user_id=user.id, secret=pyotp.random_base32(), confirmed_at=utcnow(), last_step=0)
        )
        session.add(RecoveryCode(user_id=user.id, code_hash=hash_token("abcde23456")))
        session.commit()
        user_id = user.id
    alembic_config.attributes["secret_key"] = settings.resolved_secret_key
    alembic_runner.migrate_up_one()
    with Session(alembic_engine) as session:
        assert session.scalar(sa.select(RecoveryCode.code_hash)) != hash_token("abcde23456")
        assert twofactor.verify(session, settings=settings, user_id=user_id, code="abcde-23456") == "recovery"
        assert twofactor.verify(session, settings=settings, user_id=user_id, code="abcde-23456") is None
        session.commit()
    alembic_runner.migrate_down_one()
    with Session(alembic_engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
