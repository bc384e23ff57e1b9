"""The relay that weighs pages (bench/wire.py) counts every byte both ways, and only those."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator

import pytest

from bench.wire import WireCounter

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n" + b"x" * 5000


@pytest.fixture
def server() -> Iterator[tuple[str, int]]:
    class Answer(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            received = b""
            while b"\r\n\r\n" not in received:
                chunk = self.request.recv(1024)
                if not chunk:
                    return  # the request never ended: nothing to answer
                received += chunk
            self.request.sendall(ANSWER)

    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Answer) as listening:
        thread = threading.Thread(target=listening.serve_forever, daemon=True)
        thread.start()
        yield "127.0.0.1", listening.server_address[1]
        listening.shutdown()


def fetch(base: str, request: bytes, *, half_close: bool = False) -> bytes:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as connection:
        connection.sendall(request)
        if half_close:  # "I have sent all I will": the answer must still come back
            connection.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def test_it_counts_what_crossed_both_ways(server: tuple[str, int]) -> None:
    request = b"GET /page HTTP/1.1\r\nHost: here\r\n\r\n"
    with WireCounter(*server) as wire:
        assert fetch(wire.base, request) == ANSWER
        wire.wait_quiet(quiet=0.1)
        assert wire.total == len(request) + len(ANSWER)
        wire.reset()
        assert wire.total == 0
        fetch(wire.base, request)
        fetch(wire.base, request)
        wire.wait_quiet(quiet=0.1)
        assert wire.total == 2 * (len(request) + len(ANSWER))


def test_a_half_closed_connection_still_gets_its_answer(server: tuple[str, int]) -> None:
    request = b"GET /page HTTP/1.1\r\nHost: here\r\n\r\n"
    with WireCounter(*server) as wire:
        assert fetch(wire.base, request, half_close=True) == ANSWER
        wire.wait_quiet(quiet=0.1)
        assert wire.total == len(request) + len(ANSWER)


def test_what_is_left_open_ends_with_the_counter(server: tuple[str, int]) -> None:
    with WireCounter(*server) as wire:
        host, port = wire.base.removeprefix("http://").split(":")
        left_open = socket.create_connection((host, int(port)))
        left_open.sendall(b"GET /page")  # an unfinished request: the server waits for the rest
        wire.wait_quiet(quiet=0.1)
    left_open.settimeout(5)
    assert left_open.recv(100) == b""  # the relay closed it
    left_open.close()
