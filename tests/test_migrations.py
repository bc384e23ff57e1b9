"""Migrations upgrade an empty database, go down to base and up again, and match the models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.config import Config
from pytest_alembic import MigrationContext
from pytest_alembic.tests import (  # noqa: F401  (collected as tests)
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from sqlalchemy.engine import Engine

from app import migrate
from app.db import create_engine
from tests.conftest import fresh_database_url


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
