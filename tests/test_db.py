from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from app.db import Database, UTCDateTime, create_engine, describe_connection_error
from tests.conftest import is_postgres


@pytest.mark.skipif(is_postgres(), reason="SQLite settings")
class TestSQLiteSettings:
    def test_wal_foreign_keys_and_busy_timeout(self, tmp_path: Path) -> None:
        engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        engine.dispose()

    def test_writing_sessions_take_the_write_lock_at_begin(self, tmp_path: Path) -> None:
        engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
        database = Database(engine)
        statements: list[str] = []
        sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        with database.session(write=True) as session:
            session.execute(sa.text("SELECT 1"))
        with database.session() as session:
            session.execute(sa.text("SELECT 1"))
        assert "BEGIN IMMEDIATE" in statements
        assert "BEGIN DEFERRED" in statements
        engine.dispose()

    def test_savepoints_work(self, tmp_path: Path) -> None:
        engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
            nested = conn.begin_nested()
            conn.exec_driver_sql("INSERT INTO t VALUES (2)")
            nested.rollback()
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT x FROM t").scalars().all() == [1]
        engine.dispose()


class TestUTCDateTime:
    def test_round_trip_keeps_the_instant_and_zone(self, database: Database) -> None:
        table = sa.Table("utc_probe", sa.MetaData(), sa.Column("at", UTCDateTime()))
        bishkek = dt.timezone(dt.timedelta(hours=6))
        moment = dt.datetime(2026, 3, 8, 10, 0, tzinfo=bishkek)
        with database.engine.begin() as conn:
            table.create(conn)
            try:
                conn.execute(table.insert().values(at=moment))
                stored = conn.execute(sa.select(table.c.at)).scalar_one()
            finally:
                table.drop(conn)
        assert stored == moment
        assert stored.utcoffset() == dt.timedelta(0)

    def test_naive_datetimes_are_refused(self) -> None:
        with pytest.raises(ValueError, match="naive"):
            UTCDateTime().process_bind_param(dt.datetime(2026, 1, 1), sa.create_engine("sqlite://").dialect)


def test_unreachable_postgres_is_one_clear_line() -> None:
    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(OperationalError) as caught, engine.connect():
        pass
    message = describe_connection_error(caught.value, engine.url)
    assert "cannot connect to the database" in message
    assert "\n" not in message
    engine.dispose()
