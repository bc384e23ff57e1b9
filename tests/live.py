"""Event loops and servers in threads of the test process: `in_a_loop` runs a coroutine in a loop of its
own; `serving` runs a real uvicorn with an app on a free port (browser and load tests)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

import anyio
import uvicorn
from fastapi import FastAPI

from app.serving import DRAIN_SECONDS, EVENT_LOOP

T = TypeVar("T")


def in_a_loop(main: Callable[[], Awaitable[T]]) -> T:
    """anyio.run(main) in a thread of its own (the browser tests may leave a loop running in this one)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(anyio.run, main).result()


@contextmanager
def serving(app: FastAPI, *, lifespan: str = "off") -> Iterator[str]:
    """The app at http://127.0.0.1:<port> until the block ends; then stopped as on SIGTERM."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        lifespan=lifespan,
        loop=EVENT_LOOP,
        timeout_graceful_shutdown=DRAIN_SECONDS,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=DRAIN_SECONDS + 5)
