"""The counters hold across processes: two limiters with their own engines share one database."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from app.accounts.models import RateLimitCounter
from app.accounts.ratelimit import Limit, RateLimiter
from app.db import Database, create_engine

LIMIT = Limit("test", 5, 60)


SECRET = "secret-" * 6


def hit(database: Database, subject: str, now: int) -> bool:
    return database.write_aside(lambda session: RateLimiter(SECRET).hit(session, LIMIT, subject, now=now))


def test_two_processes_share_the_count(database_url: str, database: Database) -> None:
    processes = [Database(create_engine(database_url)), Database(create_engine(database_url))]
    results = [hit(process, "198.51.100.7", 1000) for process in processes * 4]
    assert results == [True] * 5 + [False] * 3
    for process in processes:
        process.dispose()


def test_concurrent_hits_are_counted_exactly(database_url: str, database: Database) -> None:
    processes = [Database(create_engine(database_url)) for _ in range(4)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda n: hit(processes[n % 4], "203.0.113.9", 2000), range(40)))
    assert results.count(True) == 5
    for process in processes:
        process.dispose()


def test_windows_reset_and_old_ones_are_deleted(database: Database) -> None:
    for _ in range(6):
        hit(database, "a", 3000)
    assert not hit(database, "a", 3059)
    assert hit(database, "a", 3061)  # a new window
    hit(database, "b", 3200)  # the first hit of a window tidies up
    with database.session() as session:
        windows = session.scalars(sa.select(RateLimitCounter.window_start)).all()
    assert 3000 not in windows


def test_keys_never_hold_the_address(database: Database) -> None:
    hit(database, "192.0.2.44", 5000)
    with database.session() as session:
        keys = session.scalars(sa.select(RateLimitCounter.key)).all()
    assert keys and all("192.0.2" not in key for key in keys)
