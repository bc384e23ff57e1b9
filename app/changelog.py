"""Changelog lines the platform writes itself ("adopted as 2026-1", "published"), stored in English as
records and shown in the reader's language; a line a person wrote is shown as she wrote it."""

from __future__ import annotations

import re

from app import i18n

AUTOMATIC = (
    (re.compile(r"adopted as (?P<number>[\w-]+)"), i18n.N_("adopted as %(number)s")),
    (
        re.compile(r"reaffirmed item (?P<item>\d+) of (?P<number>[\w-]+)"),
        i18n.N_("reaffirmed item %(item)s of %(number)s"),
    ),
    (re.compile(r"published"), i18n.N_("published")),
    (re.compile(r"files"), i18n.N_("from the course files")),
    (re.compile(r"amendment #(?P<id>\d+)"), i18n.N_("amendment #%(id)s accepted")),
)


def changelog(note: str | None) -> str:
    """{{ revision.note|changelog }}: the platform's own lines translated, anyone else's as written."""
    for pattern, message in AUTOMATIC:
        if match := pattern.fullmatch(note or ""):
            return i18n.gettext(message) % match.groupdict()
    return note or ""
