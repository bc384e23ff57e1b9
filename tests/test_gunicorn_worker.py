"""app.gunicorn_worker.Worker: gunicorn's workers share a burst of new connections instead of the first to
wake taking them all, and a worker whose event loop is busy still accepts (a thread of its own does)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from tests.test_cli import ROOT, free_port

CONNECTIONS = 40


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers with the worker's process id, after 5 ms of work that holds its event loop (as a page
    rendered on the loop does); at /hold, answers first, then holds its loop for HOLD_S."""
    if scope["type"] != "http":
        return
    if scope["path"] != "/hold":
        time.sleep(0.005)
    body = str(os.getpid()).encode()
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % len(body))]}
    )
    await send({"type": "http.response.body", "body": body})
    if scope["path"] == "/hold":
        time.sleep(HOLD_S)


HOLD_S = 4.0


REQUEST = b"GET / HTTP/1.1\r\nHost: test\r\n\r\n"


def _ask(sock: socket.socket) -> str:
    sock.sendall(REQUEST)
    return _answer(sock)


def _answer(sock: socket.socket) -> str:
    answer = b""
    while b"\r\n\r\n" not in answer or not answer.split(b"\r\n\r\n", 1)[1]:
        answer += sock.recv(4096)
    return answer.split(b"\r\n\r\n", 1)[1].decode()


def _gunicorn(port: int, workers: int) -> subprocess.Popen[bytes]:
    """gunicorn with our worker class, once every worker answers (a connection answered by each)."""
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "app.gunicorn_worker.Worker",
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "tests.test_gunicorn_worker:app"],
        cwd=ROOT,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    booted: set[str] = set()
    while len(booted) < workers:
        if time.monotonic() > deadline:
            server.kill()
            raise AssertionError("gunicorn's workers did not all start")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as probe:
                booted.add(_ask(probe))
        except OSError:
            time.sleep(0.1)
    return server


def _waiting_to_be_accepted(port: int) -> int:
    """The listening socket's queue of connections that no process has accepted yet (Linux)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, state, queues = fields[1], fields[3], fields[4]
        if state == "0A" and int(local.split(":")[1], 16) == port:  # 0A: LISTEN
            return int(queues.split(":")[1], 16)
    raise AssertionError(f"no socket listening on port {port}")


def test_a_worker_whose_loop_is_busy_still_accepts() -> None:
    """New connections are taken off the kernel's queue while the loop is held (by a page, a burst of
    requests): each waits for one turn of the loop, not for one turn per connection ahead of it."""
    port = free_port()
    server = _gunicorn(port, workers=1)
    try:
        holder = socket.create_connection(("127.0.0.1", port), timeout=10)
        holder.sendall(REQUEST.replace(b"GET /", b"GET /hold"))
        _answer(holder)  # and now its loop is held for HOLD_S
        held_until = time.monotonic() + HOLD_S
        burst = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(10)]
        while _waiting_to_be_accepted(port) and time.monotonic() < held_until - 1:
            time.sleep(0.05)
        assert _waiting_to_be_accepted(port) == 0
        assert time.monotonic() < held_until, "taken only after the loop was free again"
        for sock in burst:  # and each is served once the loop is free
            assert _ask(sock)
            sock.close()
        holder.close()
    finally:
        server.terminate()
        server.wait(15)


def test_two_workers_share_a_burst_of_keep_alive_connections() -> None:
    port = free_port()
    server = _gunicorn(port, workers=2)
    try:
        time.sleep(0.5)  # both idle, as before a burst
        burst = []  # as wrk opens its connections: each sends its first request at once
        for _ in range(CONNECTIONS):
            burst.append(socket.create_connection(("127.0.0.1", port), timeout=10))
            burst[-1].sendall(REQUEST)
        try:
            served = Counter(_answer(sock) for sock in burst)
        finally:
            for sock in burst:
                sock.close()
    finally:
        server.terminate()
        server.wait(15)
    assert len(served) == 2 and min(served.values()) >= CONNECTIONS // 4, served


def test_a_worker_whose_accepting_thread_fails_stops() -> None:
    """Rather than stay up without taking a connection: gunicorn then starts another worker."""
    import uvicorn

    from app.gunicorn_worker import _Server

    server = _Server(config=uvicorn.Config(app))
    broken = socket.socket()
    broken.close()
    server._accepting.set()
    loop = asyncio.new_event_loop()
    try:
        server._accept(broken, loop, lambda: asyncio.Protocol())
    finally:
        loop.close()
    assert server.should_exit
