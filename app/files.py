"""Files only for the app: the data directory is 0700 and what holds participants' data or secrets is
0600 (the SQLite database, its WAL and shared-memory files, backups, the secret key, the mail outbox,
which holds sign-in links), whatever the umask of whoever started the app.

SQLite gives the WAL and shared-memory files the mode of the database file, so the database is created
0600 before SQLite opens it. `exposed` lists what another account on the machine could read, for
`academy serve` to warn about once (app/cli.py).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def private_dir(path: Path) -> Path:
    """`path` as a directory only its owner can open: made 0700 when this call creates it."""
    if not path.is_dir():
        path.mkdir(mode=PRIVATE_DIR)
        os.chmod(path, PRIVATE_DIR)  # mkdir's mode passes through the umask; this does not
    return path


def create_private(path: Path) -> None:
    """An empty file, 0600, unless it exists (then it is left as it is)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)


def open_private(path: Path) -> int:
    """A new file for writing, 0600 from its first byte (it must not exist)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    os.fchmod(fd, PRIVATE_FILE)
    return fd


def readable_by_others(path: Path) -> bool:
    try:
        return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
    except OSError:
        return False


def exposed(data_dir: Path, database_file: Path | None) -> list[Path]:
    """What in the data directory (and the SQLite database, wherever it is) others could read."""
    found = [data_dir] if readable_by_others(data_dir) else []
    candidates = [data_dir / "secret_key"]
    if database_file is not None:
        candidates += [database_file, Path(f"{database_file}-wal"), Path(f"{database_file}-shm")]
    for folder in ("outbox", "backups"):
        if (data_dir / folder).is_dir():
            candidates.append(data_dir / folder)
            candidates += sorted((data_dir / folder).iterdir())
    return found + [path for path in candidates if path.exists() and readable_by_others(path)]
