"""The gunicorn worker class (docker/gunicorn.conf.py, bench/): uvicorn's, with the same graceful
shutdown as `academy serve` (app/serving.py), on Python's own event loop, with a thread of its own that
accepts new connections. Kept apart so that nothing else imports gunicorn."""

from __future__ import annotations

import asyncio
import logging
import selectors
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from gunicorn.arbiter import Arbiter  # type: ignore[import-untyped]
from uvicorn import Server
from uvicorn_worker import UvicornWorker  # type: ignore[import-untyped]

from app.serving import DRAIN_SECONDS, EVENT_LOOP

logger = logging.getLogger("academy.serving")

# Who accepts a new connection. asyncio's server accepts, when the listening socket is ready, as many
# connections as are waiting (up to uvicorn's backlog, 2048): the worker that woke first took a whole
# burst (wrk's fifty connections, a proxy's keep-alive ones) and the other sat idle; the quick benchmark's
# runs at fifty clients were served at one process's rate about one time in two. Taking one at a time
# shared them, but a worker's loop takes one each time it comes round, so a hundred connections opened at
# once on busy workers waited for a hundred turns of the loop (lesson page at 100 clients: p95 0.8-1.1 s
# where the rest of the run is 0.15 s), and ten clients still often all went to one worker. Here a thread
# of each worker waits on the listening socket, whatever its loop is doing, and hands what it accepts to
# the loop: a connection waits for one turn of the loop, not for one per connection ahead of it. Every
# worker's thread wakes for a new connection; the one whose worker has fewer connections open waits less
# before it tries (least connections first, as a load balancer does), so a burst is shared evenly (fifty
# at once: 25 and 25, tests/test_gunicorn_worker.py). docs/performance.md has the figures.
POLL_S = 0.2  # how soon the thread notices the server stopping
YIELD_S = 0.0002  # a moment per connection already open before taking a new one (see _accept)
YIELD_AFTER = 50  # at most 10 ms


class _Server(Server):
    """uvicorn's server, whose listening sockets are served by an accepting thread (see above)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._accepting = threading.Event()
        self._threads: list[threading.Thread] = []
        self._handing_over: set[asyncio.Task[Any]] = set()
        self._arriving = 0  # accepted by the thread, not yet among the loop's connections
        self._count = threading.Lock()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])  # the app's lifespan, and no asyncio server on the sockets
        if not self.started:
            return
        loop = asyncio.get_running_loop()
        config = self.config

        def protocol() -> asyncio.Protocol:  # as uvicorn's own server makes them
            return config.http_protocol_class(  # type: ignore[call-arg]
                config=config, server_state=self.server_state, app_state=self.lifespan.state, _loop=loop
            )

        self._accepting.set()
        for sock in sockets or ():
            sock.setblocking(False)  # (gunicorn's are): a worker that finds it taken must not wait in accept
            thread = threading.Thread(
                target=self._accept, args=(sock, loop, protocol), name="accept", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def _accept(
        self, sock: socket.socket, loop: asyncio.AbstractEventLoop, protocol: Callable[[], asyncio.Protocol]
    ) -> None:
        try:
            self._accept_until_stopped(sock, loop, protocol)
        except Exception:  # a worker that no longer accepts must not stay up: gunicorn starts another
            logger.exception("the accepting thread failed; this worker stops")
            self.should_exit = True

    def _accept_until_stopped(
        self, sock: socket.socket, loop: asyncio.AbstractEventLoop, protocol: Callable[[], asyncio.Protocol]
    ) -> None:
        with selectors.DefaultSelector() as ready:
            ready.register(sock, selectors.EVENT_READ)
            while self._accepting.is_set():
                if not ready.select(timeout=POLL_S):
                    continue
                # Every worker's thread wakes for a new connection; the one with fewer connections
                # already open takes it (the others find nothing left to accept): least connections
                # first, as a load balancer does, rather than whichever woke first.
                time.sleep(min(len(self.server_state.connections) + self._arriving, YIELD_AFTER) * YIELD_S)
                try:
                    connection, _address = sock.accept()
                except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                    continue  # another worker took it
                except OSError:
                    logger.exception("could not accept a connection (out of file descriptors?)")
                    time.sleep(POLL_S)  # as asyncio does: a moment, then again
                    continue
                connection.setblocking(False)
                with self._count:
                    self._arriving += 1  # (its loop counts it among its connections a moment later)
                loop.call_soon_threadsafe(self._hand_over, loop, protocol, connection)

    def _hand_over(
        self,
        loop: asyncio.AbstractEventLoop,
        protocol: Callable[[], asyncio.Protocol],
        connection: socket.socket,
    ) -> None:
        task = loop.create_task(loop.connect_accepted_socket(protocol, connection))
        self._handing_over.add(task)
        task.add_done_callback(self._arrived)

    def _arrived(self, task: asyncio.Task[Any]) -> None:
        self._handing_over.discard(task)
        with self._count:
            self._arriving -= 1
        if not task.cancelled() and task.exception() is not None:  # gone before it was taken in
            logger.debug("a connection closed while it was handed over", exc_info=task.exception())

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._accepting.clear()
        for thread in self._threads:  # it notices within POLL_S
            await asyncio.to_thread(thread.join)
        await asyncio.sleep(0)  # what it handed over last: on the loop, then drained like the rest
        if self._handing_over:
            await asyncio.gather(*self._handing_over, return_exceptions=True)
        await super().shutdown(sockets)


class Worker(UvicornWorker):  # type: ignore[misc]
    CONFIG_KWARGS: dict[str, Any] = {
        **UvicornWorker.CONFIG_KWARGS,
        "loop": EVENT_LOOP,
        "timeout_graceful_shutdown": DRAIN_SECONDS,
    }

    async def _serve(self) -> None:  # uvicorn_worker's, with the server above
        self.config.app = self.wsgi
        server = _Server(config=self.config)
        self._install_sigquit_handler()
        await server.serve(sockets=self.sockets)
        if not server.started:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)
