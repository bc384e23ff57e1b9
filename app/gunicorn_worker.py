"""The gunicorn worker class (docker/gunicorn.conf.py, bench/): uvicorn's, with the same graceful
shutdown as `academy serve` (app/serving.py), on Python's own event loop, taking one new connection at a
time. Kept apart so that nothing else imports gunicorn."""

from __future__ import annotations

import socket
import sys
from typing import Any

from gunicorn.arbiter import Arbiter  # type: ignore[import-untyped]
from uvicorn import Server
from uvicorn_worker import UvicornWorker  # type: ignore[import-untyped]

from app.serving import DRAIN_SECONDS, EVENT_LOOP

# asyncio's server accepts, each time the listening socket is ready, as many connections as its backlog
# argument says (uvicorn passes 2048): the worker that woke first took every connection of a burst. wrk's
# fifty connections, or a proxy's keep-alive ones, then all went to one worker of two, and the other sat
# idle (the quick benchmark's runs at fifty clients were served at one process's rate about one time in
# two). One at a time, as nginx does by default (multi_accept off), the workers share them: each takes a
# connection when its loop comes round, and a busy one comes round less often. The cost: when many
# connections open at once on busy workers, the last ones wait for their loop to come round that many
# times (a hundred at once on the lesson page: p95 0.85 s at first). Sixteen at a time avoided that but
# left a small burst on one worker again (ten connections, or the test's forty one after another); an
# accept thread per worker is the way to have both (docs/performance.md).
ACCEPT_AT_ONCE = 1


class _Server(Server):
    def __init__(self, *args: Any, listen_backlog: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.listen_backlog = listen_backlog

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        for sock in sockets or ():
            # asyncio also passed its backlog to listen(): give the kernel's queue its length back
            # (the accept loop keeps taking one at a time)
            sock.listen(self.listen_backlog)


class Worker(UvicornWorker):  # type: ignore[misc]
    CONFIG_KWARGS: dict[str, Any] = {
        **UvicornWorker.CONFIG_KWARGS,
        "loop": EVENT_LOOP,
        "backlog": ACCEPT_AT_ONCE,
        "timeout_graceful_shutdown": DRAIN_SECONDS,
    }

    async def _serve(self) -> None:  # uvicorn_worker's, with the server above
        self.config.app = self.wsgi
        server = _Server(config=self.config, listen_backlog=self.cfg.backlog)
        self._install_sigquit_handler()
        await server.serve(sockets=self.sockets)
        if not server.started:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)
