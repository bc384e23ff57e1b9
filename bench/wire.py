"""Bytes over the wire, counted where they travel: a TCP relay in front of the server.

The browser's own network events report what the page asked for, but not always what its service worker
fetched (the worker's script and what it imports arrive as if from a cache), and a response the worker
answered from its cache looks like a request. The relay counts what actually crossed the connection, both
ways, whoever asked: a phone pays for exactly that, and nothing that came from a cache.

    with WireCounter("127.0.0.1", 8000) as wire:   # the browser opens wire.base instead of the server
        wire.reset()
        ...                                          # a visit
        wire.wait_quiet()                            # until nothing has moved for a moment
        wire.total                                   # bytes both ways since reset()
"""

from __future__ import annotations

import selectors
import socket
import socketserver
import threading
import time
from types import TracebackType

CHUNK = 64 * 1024


class WireCounter:
    def __init__(self, host: str, port: int) -> None:
        self._upstream = (host, port)
        self._lock = threading.Lock()
        self._total = 0
        self._last = time.monotonic()
        self._open: set[socket.socket] = set()
        counter = self

        class Relay(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                counter._relay(self.request)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Relay)
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> WireCounter:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            still_open = list(self._open)
        for connection in still_open:  # what the browser left open ends now, not with the process
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    @property
    def total(self) -> int:
        with self._lock:
            return self._total

    def reset(self) -> None:
        with self._lock:
            self._total = 0
            self._last = time.monotonic()

    def wait_quiet(self, quiet: float = 0.5, limit: float = 10.0) -> bool:
        """Until no byte has moved for `quiet` seconds: False if that did not happen within `limit`."""
        started = time.monotonic()
        while time.monotonic() - started < limit:
            with self._lock:
                idle = time.monotonic() - self._last
            if idle >= quiet:
                return True
            time.sleep(quiet - idle)
        return False

    def _count(self, size: int) -> None:
        with self._lock:
            self._total += size
            self._last = time.monotonic()

    def _relay(self, client: socket.socket) -> None:
        """Both directions until each has ended: an end of file on one side is passed on as such (a
        half-close), and the other direction goes on until it ends too."""
        with socket.create_connection(self._upstream) as server, selectors.DefaultSelector() as selector:
            with self._lock:
                self._open.update((client, server))
            other = {client: server, server: client}
            selector.register(client, selectors.EVENT_READ)
            selector.register(server, selectors.EVENT_READ)
            try:
                while selector.get_map():
                    for key, _events in selector.select():
                        source: socket.socket = key.fileobj  # type: ignore[assignment]
                        try:
                            data = source.recv(CHUNK)
                        except OSError:
                            return
                        if not data:
                            selector.unregister(source)
                            try:
                                other[source].shutdown(socket.SHUT_WR)
                            except OSError:
                                return
                            continue
                        self._count(len(data))
                        try:
                            other[source].sendall(data)
                        except OSError:
                            return
            finally:
                with self._lock:
                    self._open.difference_update((client, server))
