"""Memory of a long-running process on glibc: fewer arenas, and freed memory given back."""

from __future__ import annotations

import ctypes


def limit_malloc_arenas(arenas: int = 2, large: int = 1 << 20) -> None:
    """glibc gives each thread that allocates its own memory arena (up to eight per core), and memory
    freed in one is seldom reused by another: with a dozen request threads a process grew past 200 MB
    and stayed there. Two arenas keep it near what it really uses (as MALLOC_ARENA_MAX=2 would, for
    however the process was started).

    And a block of `large` bytes or more always gets pages of its own, given back when it is freed
    (M_MMAP_THRESHOLD; glibc otherwise raises that threshold to the largest block freed so far). A
    password check's 19 MiB was then carved from the arenas and left there, in pieces that later
    checks could not use: a burst of sign-ins took a process from 124 to 184 MB, against 146 MB with
    this and at most two checks at once (docs/performance.md). Elsewhere than glibc this does nothing."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-8, arenas)  # M_ARENA_MAX
        libc.mallopt(-3, large)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


def release_free_memory() -> None:
    """Give memory freed by a large page back to the system (glibc keeps it otherwise)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
