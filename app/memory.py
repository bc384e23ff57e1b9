"""Memory of a long-running process on glibc: fewer arenas, and freed memory given back."""

from __future__ import annotations

import ctypes


def limit_malloc_arenas(arenas: int = 2) -> None:
    """glibc gives each thread that allocates its own memory arena (up to eight per core), and memory
    freed in one is seldom reused by another: with a dozen request threads a process grew past 200 MB
    and stayed there. Two arenas keep it near what it really uses (as MALLOC_ARENA_MAX=2 would, for
    however the process was started). Elsewhere than glibc this does nothing."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-8, arenas)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass


def release_free_memory() -> None:
    """Give memory freed by a large page back to the system (glibc keeps it otherwise)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
