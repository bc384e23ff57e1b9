"""Heavy reports run one at a time per process, and not at all for someone who has gone."""

from __future__ import annotations

from typing import Any

import anyio
import anyio.to_thread
from fastapi.responses import Response

from app.reports.routes import few_at_once


class Client:
    def __init__(self, gone: bool) -> None:
        self.gone = gone

    async def is_disconnected(self) -> bool:
        return self.gone


def serve(gone: bool) -> tuple[Response, list[int]]:
    called: list[int] = []

    @few_at_once
    def route(*, request: Any) -> Response:
        called.append(1)
        return Response("report")

    async def main() -> Response:
        return await anyio.to_thread.run_sync(lambda: route(request=Client(gone)))

    return anyio.run(main), called


def test_a_waiting_coordinator_is_served() -> None:
    response, called = serve(gone=False)
    assert response.status_code == 200 and called == [1]


def test_a_report_is_not_built_for_someone_who_has_gone() -> None:
    response, called = serve(gone=True)
    assert response.status_code == 499 and called == []
