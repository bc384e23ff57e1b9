"""How many ran at once: work that several threads run steps through an `AtOnce`, and a test of a bound
reads its peak."""

from __future__ import annotations

import threading
import time


class AtOnce:
    """Call it as the work (or from inside it): it counts itself running for `seconds`."""

    def __init__(self, seconds: float = 0.05) -> None:
        self.seconds = seconds
        self.running = 0
        self.peak = 0
        self._lock = threading.Lock()

    def __call__(self) -> None:
        with self._lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        time.sleep(self.seconds)
        with self._lock:
            self.running -= 1
