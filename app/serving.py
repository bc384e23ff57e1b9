"""Stopping: a served process ends within STOP_WITHIN seconds of SIGTERM or SIGINT, whatever is in flight.

uvicorn (under `academy serve` or gunicorn) stops taking connections at the signal, lets the requests in
flight and those waiting for a worker thread finish for DRAIN_SECONDS (longer than a request may wait
for a turn, so every queued request is answered or refused with 503 first), then cancels what is left.
A request stuck in a worker thread cannot be cancelled (on SQLite's busy timeout, say, or a report's
query), and Python would wait for it before exiting: the guard armed by the signal ends the process
at STOP_WITHIN seconds. Nothing acknowledged is lost by that: a response is sent only after its commit,
and an unfinished transaction is rolled back by the database.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from types import FrameType
from typing import Any

DRAIN_SECONDS = 6
STOP_WITHIN = 9
# Python's own event loop, not uvloop (which uvicorn picks when it is installed): with fifty clients on one
# process, uvloop served the lesson page as fast but unfairly (p50 126 ms, p95 1.7 s, p99 2.7 s), while
# asyncio's loop served every client in turn (p50 137, p95 144, p99 150 ms) at the same rate
# (docs/performance.md).
EVENT_LOOP = "asyncio"

log = logging.getLogger("academy.serving")
_timer: threading.Timer | None = None
_timer_lock = threading.Lock()


def guard_stop(seconds: float = STOP_WITHIN) -> None:
    """From now on, SIGTERM and SIGINT also start the countdown to `_stop_now`, then do what they did
    before (uvicorn's graceful shutdown). Only the main thread can set signal handlers; the app called
    from a test's thread leaves them alone."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(signum)
        if getattr(previous, "academy_stop_guard", False):
            continue
        signal.signal(signum, _guarded(previous, seconds))


def _guarded(previous: Any, seconds: float) -> Any:
    def handler(signum: int, frame: FrameType | None) -> None:
        _arm(seconds)
        if callable(previous):
            previous(signum, frame)
        elif previous == signal.SIG_DFL:  # no server of ours: the signal's own default, as before
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)

    handler.academy_stop_guard = True  # type: ignore[attr-defined]
    return handler


def _arm(seconds: float) -> None:
    global _timer
    with _timer_lock:
        if _timer is None:
            _timer = threading.Timer(seconds, _stop_now, args=(seconds,))
            _timer.daemon = True  # a process that ends sooner does not wait for it
            _timer.start()


def _stop_now(seconds: float) -> None:
    busy = threading.active_count() - 2  # not counting the main thread and this one
    log.error("still running %s s after the signal to stop (%s threads busy): stopping now", seconds, busy)
    logging.shutdown()
    os._exit(1)
