"""app.gunicorn_worker.Worker: gunicorn's workers share a burst of new connections (each takes one at a
time) instead of the first to wake taking them all."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections import Counter
from typing import Any

from tests.test_cli import ROOT, free_port

CONNECTIONS = 40


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers with the worker's process id, after 5 ms of work that holds its event loop (as a page
    rendered on the loop does)."""
    if scope["type"] != "http":
        return
    time.sleep(0.005)
    body = str(os.getpid()).encode()
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % len(body))]}
    )
    await send({"type": "http.response.body", "body": body})


REQUEST = b"GET / HTTP/1.1\r\nHost: test\r\n\r\n"


def _ask(sock: socket.socket) -> str:
    sock.sendall(REQUEST)
    return _answer(sock)


def _answer(sock: socket.socket) -> str:
    answer = b""
    while b"\r\n\r\n" not in answer or not answer.split(b"\r\n\r\n", 1)[1]:
        answer += sock.recv(4096)
    return answer.split(b"\r\n\r\n", 1)[1].decode()


def test_two_workers_share_a_burst_of_keep_alive_connections() -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "app.gunicorn_worker.Worker",
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "tests.test_gunicorn_worker:app"],
        cwd=ROOT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        booted: set[str] = set()
        while len(booted) < 2:  # both workers up (a connection answered by each)
            assert time.monotonic() < deadline, "gunicorn's workers did not both start"
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2) as probe:
                    booted.add(_ask(probe))
            except OSError:
                time.sleep(0.1)
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
