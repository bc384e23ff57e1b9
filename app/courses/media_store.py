"""Course media where every host can read them.

One host keeps a course's images and PDFs in `<data dir>/media`, named by their SHA-256 (the default,
ACADEMY_MEDIA_STORE=folder). Several hosts behind a load balancer do not share that folder, so with
ACADEMY_MEDIA_STORE=database every file written there (an upload, a sync from courses/) is also kept in
the database (`media_blob`), and a host that needs a file it lacks (to serve it, to export or check a
course) writes it into its own folder from there first. Reading falls back to the database whatever the
setting (a missing file is then one query, and in the folder mode the table is empty), so only writing
needs to know it. The folder stays a plain cache of immutable, content-addressed files.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.courses.content import media_path
from app.courses.models import Media, MediaBlob
from app.db import dialect_insert


def keep(session: Session, sha256: str, data: bytes) -> None:
    """The file's bytes in the database (once: a file is named by its content)."""
    insert = dialect_insert(session)
    session.execute(insert(MediaBlob).values(sha256=sha256, data=data).on_conflict_do_nothing())


def files_of(structure: dict[str, Any]) -> list[str]:
    """The media files a lesson's structure names, as the folder holds them ("<sha256>.<ext>")."""
    return [
        media_path(entry["sha256"], entry["content_type"]).removeprefix("/media/")
        for entry in structure.get("media", {}).values()
    ]


def fetch(session: Session, media_dir: Path, names: Iterable[str]) -> None:
    """Write into `media_dir` the files of `names` ("<sha256>.<ext>") that it lacks and the database
    keeps: one query for all of them, none when the folder has them all."""
    missing = {name[:64]: name for name in names if not (media_dir / name).is_file()}
    if not missing:
        return
    rows = session.execute(
        sa.select(MediaBlob.sha256, MediaBlob.data).where(MediaBlob.sha256.in_(sorted(missing)))
    ).all()
    for sha256, data in rows:
        _write(media_dir / missing[sha256], bytes(data))


def _write(target: Path, data: bytes) -> None:
    """Whole or not at all (a file other requests may be reading): a temporary name, then a rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.part")
    try:
        partial.write_bytes(data)
        partial.replace(target)
    except OSError:
        partial.unlink(missing_ok=True)
        raise


def share_all(session: Session, media_dir: Path) -> tuple[int, int]:
    """Every media file of `media_dir` that the database lacks, copied there (moving from one host to
    several). Returns (copied, missing from the folder)."""
    kept = set(session.scalars(sa.select(MediaBlob.sha256)))
    copied = missing = 0
    for media in session.scalars(sa.select(Media).order_by(Media.id)):
        if media.sha256 in kept:
            continue
        path = media_dir / media_path(media.sha256, media.content_type).removeprefix("/media/")
        if not path.is_file():
            missing += 1
            continue
        keep(session, media.sha256, path.read_bytes())
        copied += 1
    return copied, missing
