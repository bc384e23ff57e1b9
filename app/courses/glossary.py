"""One glossary for every course: `courses/glossary.yaml`, each term in Kyrgyz, Russian and English.

Translators and editors write with it (the lesson editor shows the terms a lesson uses beside its
translation), and `academy courses check` holds the lessons to it: a term's `avoid` list names the
variants a careful editor would not use (a calque from Russian, an old official name), and a lesson text
that uses one is warned about.

    terms:
      - id: early-warning
        en: early warning
        ru: раннее оповещение
        ky: эрте эскертүү
        note: "ky: not 'алдын ала кабарлоо', which reads as a forecast"   # optional, one line
        avoid: {ky: [алдын ала кабарлоо]}                                     # optional
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import Field, StringConstraints

from app.courses.schema import Locale, Slug, Strict

FILE_NAME = "glossary.yaml"
LOCALES = ("ky", "ru", "en")

Term = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120, pattern=r"^[^\n]+$")
]
Note = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300, pattern=r"^[^\n]+$")
]


class TermModel(Strict):
    id: Slug
    en: Term
    ru: Term
    ky: Term
    note: Note | None = None
    avoid: dict[Locale, list[Term]] = Field(default_factory=dict)


class GlossaryFile(Strict):
    terms: list[TermModel] = Field(min_length=1)


@dataclass(frozen=True)
class Entry:
    key: str
    en: str
    ru: str
    ky: str
    note: str = ""
    avoid: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def text(self, locale: str) -> str:
        return str(getattr(self, locale))


def find(path: Path) -> Path | None:
    """The glossary that governs the courses at `path` (a folder of courses, or one course in it)."""
    for folder in (path, path.parent):
        candidate = folder / FILE_NAME
        if candidate.is_file():
            return candidate
    return None


def words_pattern(phrase: str) -> re.Pattern[str]:
    """`phrase` where a word starts, any case, with any ending after it: Kyrgyz and Russian words take
    suffixes ("эскертүү", "эскертүүнү"; "оповещение", "оповещения")."""
    return re.compile(rf"(?<!\w){re.escape(phrase)}", re.IGNORECASE)


def uses(entry: Entry, locale: str, text: str) -> bool:
    return bool(words_pattern(entry.text(locale)).search(text))


def avoided_in(entries: list[Entry], locale: str, text: str) -> list[tuple[str, Entry]]:
    """The avoided variants `text` uses, each with the entry that says what to write instead."""
    found = []
    for entry in entries:
        for variant in entry.avoid.get(locale, ()):
            if words_pattern(variant).search(text):
                found.append((variant, entry))
    return found


def entries_of(model: GlossaryFile) -> list[Entry]:
    return [
        Entry(
            term.id,
            term.en,
            term.ru,
            term.ky,
            term.note or "",
            {str(locale): tuple(variants) for locale, variants in term.avoid.items()},
        )
        for term in model.terms
    ]
