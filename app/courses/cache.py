"""Course outlines and lesson texts, kept in each process between requests.

Building a course's outline costs eight queries and a few milliseconds of Python, for something that
changes only when a trainer publishes or a sync runs. So every change to course content bumps one number
in the database (`content_version`, from a flush hook below, whoever makes the change: a page, a command,
another process), and a cached read first checks that number, once per request: one tiny query instead
of the ones it saves. The process that changed content sees it at once; the others at their next request.

The number starts at a random value whenever its row is made, so a database emptied and filled again
(the tests do it after every test) never matches what a process cached before.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.content_version import SESSION_KEY, VERSION, ContentVersion
from app.courses.models import Course, CourseTranslation, Lesson, LessonTranslation, Module, ModuleTranslation
from app.db import dialect_insert

CONTENT = (Course, CourseTranslation, Module, ModuleTranslation, Lesson, LessonTranslation)
LIMIT = 1024  # entries per process: every course in every language, with room to spare


_entries: OrderedDict[tuple[Any, ...], tuple[int, Any]] = OrderedDict()
_lock = threading.Lock()


def version(session: Session) -> int | None:
    """The content's version, read once per session unless the request's lookup of who she is read it
    (app/content_version.py); None: nothing may be cached."""
    if SESSION_KEY not in session.info:
        session.info[SESSION_KEY] = session.scalar(VERSION)
    value = session.info[SESSION_KEY]
    return int(value) if value is not None else None


def get(session: Session, key: tuple[Any, ...]) -> Any:
    current = version(session)
    if current is None:
        return None
    with _lock:
        found = _entries.get(key)
        if found is None or found[0] != current:
            return None
        _entries.move_to_end(key)
        return found[1]


def put(session: Session, key: tuple[Any, ...], value: Any) -> None:
    current = version(session)
    if current is None:
        return
    with _lock:
        _entries[key] = (current, value)
        _entries.move_to_end(key)
        while len(_entries) > LIMIT:
            _entries.popitem(last=False)


def clear() -> None:
    with _lock:
        _entries.clear()


def bump(session: Session) -> None:
    """Content changed: a new version (made, with a random start, if there is none)."""
    insert = dialect_insert(session)
    table = ContentVersion.__table__
    session.execute(
        insert(table)
        .values(id=1, n=secrets.randbits(62))
        .on_conflict_do_update(index_elements=[table.c.id], set_={"n": table.c.n + 1})
    )
    session.info.pop(SESSION_KEY, None)


@event.listens_for(Session, "before_flush")
def _content_changed(session: Session, _context: Any, _instances: Any) -> None:
    touched = [item for item in (*session.new, *session.deleted) if isinstance(item, CONTENT)]
    changed = touched or [
        item
        for item in session.dirty
        if isinstance(item, CONTENT) and session.is_modified(item, include_collections=False)
    ]
    if changed:
        bump(session)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_version(session: Session) -> None:
    session.info.pop(SESSION_KEY, None)  # the next transaction may see a newer one
