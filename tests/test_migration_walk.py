"""Migrations are safe both ways on a populated database (issue 24): the demo data plus generated
progress, then every revision from head down to base, each step taken down, up again and down again;
at each step every table the revision does not own keeps its rows, and every column that survives
keeps its values. A new migration is walked without anyone adding it here.

Data a revision removes by design on its way down is named in DROPS_BY_DESIGN, with the reason.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy.orm import Session

from app import demo, migrate
from app.accounts.models import User
from app.config import Settings
from app.db import create_engine
from app.learning.models import ProgressEvent
from tests.conftest import fresh_database_url, is_postgres
from tests.dbsnapshot import Snapshot, snapshot

# revision -> {table: why its rows may go on the way down from it}
DROPS_BY_DESIGN: dict[str, dict[str, str]] = {
    "0014": {"recovery_code": "an HMAC cannot be undone: codes made under the key are deleted"},
}
GENERATED_EVENTS = 2_000


def _revisions() -> list[str]:
    """Head first, down to the first revision."""
    script = ScriptDirectory.from_config(migrate.alembic_config())
    return [revision.revision for revision in script.walk_revisions("base", "heads")]


def _fill(url: str, data_dir: Path) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data_dir,
        database_url=url,
        secret_key="walk-secret-key-that-is-long-enough-to-be-accepted",
        default_locale="ru",
    )
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            demo.load_courses(session, settings)
            users = demo.ensure_accounts(session, settings)
            demo.ensure_authored_course(session, users)
            cohort = demo.ensure_cohort_and_progress(session, users)
            assert cohort is not None
            demo.ensure_discussions(session, users, cohort)
            demo.ensure_forum(session, {user.email: user for user in users}, cohort)
            session.flush()
            people = session.scalars(sa.select(User.id)).all()
            joined = sa.text(
                "SELECT lesson.id, module.course_id FROM lesson JOIN module ON module.id = lesson.module_id"
            )
            course_of: dict[int, int] = {row[0]: row[1] for row in session.execute(joined)}
            lessons = sorted(course_of)
            start = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
            for n in range(GENERATED_EVENTS):
                lesson_id = lessons[n % len(lessons)]
                session.add(
                    ProgressEvent(
                        user_id=people[n % len(people)],
                        course_id=course_of[lesson_id],
                        lesson_id=lesson_id,
                        client_event_id=f"walk-{n}",
                        type="viewed",
                        occurred_at=start + dt.timedelta(minutes=n),
                        data={},
                    )
                )
            session.commit()
    finally:
        engine.dispose()


def _kept(before: Snapshot, after: Snapshot, *, allowed: dict[str, str], step: str) -> list[str]:
    """What `after` lost of `before`, in the tables both have, on the columns both have."""
    problems = []
    for table, (columns, rows) in before.items():
        if table not in after or table in allowed:
            continue
        columns_after, rows_after = after[table]
        shared = [name for name in columns if name in columns_after]
        if not shared:
            continue
        pick = [columns.index(name) for name in shared]
        pick_after = [columns_after.index(name) for name in shared]
        mine = sorted(tuple(row[i] for i in pick) for row in rows)
        theirs = sorted(tuple(row[i] for i in pick_after) for row in rows_after)
        if len(mine) != len(theirs):
            problems.append(f"{step}: {table} had {len(mine)} rows, has {len(theirs)}")
        elif mine != theirs:
            problems.append(f"{step}: {table} changed its values in {', '.join(shared)}")
    return problems


def test_every_revision_goes_down_and_up_on_a_populated_database(tmp_path: Path) -> None:
    url = fresh_database_url("walk", tmp_path)
    migrate.upgrade(url)
    _fill(url, tmp_path / "data")
    config = migrate.alembic_config(url)
    config.attributes["secret_key"] = "walk-secret-key-that-is-long-enough-to-be-accepted"
    engine = create_engine(url)
    problems: list[str] = []
    try:
        state = snapshot(engine)
        counts = {table: len(rows) for table, (_columns, rows) in state.items()}
        assert counts["progress_event"] >= GENERATED_EVENTS and counts["user_role"] > 0, counts
        for revision in _revisions():
            allowed = DROPS_BY_DESIGN.get(revision, {})
            command.downgrade(config, "-1")
            down = snapshot(engine)
            problems += _kept(state, down, allowed=allowed, step=f"{revision} down")
            command.upgrade(config, "+1")
            up = snapshot(engine)
            problems += _kept(down, up, allowed={}, step=f"{revision} up again")
            command.downgrade(config, "-1")
            state = snapshot(engine)
            problems += _kept(down, state, allowed={}, step=f"{revision} down again")
        assert state == {} or all(not rows for _columns, rows in state.values()), "base holds data"
        command.upgrade(config, "heads")
    finally:
        engine.dispose()
    assert not problems, "\n".join(problems)
    if is_postgres():
        return
    with create_engine(url).connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
