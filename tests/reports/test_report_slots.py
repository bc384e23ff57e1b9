"""Heavy reports run one at a time per process, and not at all for someone who has gone."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import anyio
import anyio.lowlevel
import sqlalchemy as sa
from fastapi.responses import Response

from app.db import Database
from app.reports.routes import REPORTS, Queue, few_at_once
from tests.live import in_a_loop


class Client:
    """What few_at_once reads of a request: whether she is still there, and the app's worker threads."""

    app = SimpleNamespace(state=SimpleNamespace(database=Database(sa.create_engine("sqlite://"))))

    def __init__(self, gone: bool) -> None:
        self.gone = gone

    async def is_disconnected(self) -> bool:
        return self.gone


def make_route(called: list[str], name: str = "report") -> Any:
    @few_at_once
    def route(*, request: Any) -> Response:
        called.append(name)
        return Response(name)

    return route


def test_a_waiting_coordinator_is_served() -> None:
    called: list[str] = []
    response = in_a_loop(lambda: make_route(called)(request=Client(gone=False)))
    assert response.status_code == 200 and called == ["report"]


def test_a_report_is_not_built_for_someone_who_has_gone() -> None:
    called: list[str] = []
    response = in_a_loop(lambda: make_route(called)(request=Client(gone=True)))
    assert response.status_code == 499 and called == []


async def in_line(count: int) -> None:
    """Until `count` tickets have been handed out: the loop runs the other tasks meanwhile (no clock)."""
    for _ in range(10_000):
        if REPORTS.issued() >= count:
            return
        await anyio.lowlevel.checkpoint()
    raise AssertionError(f"{REPORTS.issued()} tickets, expected {count}")


def test_reports_wait_their_turn_without_taking_a_thread() -> None:
    called: list[str] = []

    async def main() -> list[int]:
        ahead = REPORTS.ticket()  # another report is being built
        statuses: list[int] = []

        async def ask(name: str) -> None:
            statuses.append((await make_route(called, name)(request=Client(gone=False))).status_code)

        async with anyio.create_task_group() as group:
            group.start_soon(ask, "first")
            await in_line(REPORTS.issued() + 1)  # the first has her ticket before the second asks
            group.start_soon(ask, "second")
            await in_line(REPORTS.issued() + 1)
            await anyio.lowlevel.checkpoint()
            assert called == []  # both in line, waiting on the event loop, while the one ahead is built
            REPORTS.leave(ahead)
        return statuses

    assert in_a_loop(main) == [200, 200] and called == ["first", "second"]


def test_the_queue_serves_in_order_and_skips_who_left() -> None:
    queue = Queue()
    first, second, third = queue.ticket(), queue.ticket(), queue.ticket()
    assert queue.is_turn(first) and not queue.is_turn(second)
    queue.leave(second)  # gave up while waiting
    assert queue.is_turn(first)
    queue.leave(first)
    assert queue.is_turn(third)
    queue.leave(third)
    assert queue.is_turn(queue.ticket())
