"""Apply translations to the catalogues: `python scripts/po_apply.py translations.json`.

The JSON maps a msgid (or "context\u0004msgid") to {"ru": ..., "ky": ...}; plural entries take a list
(three forms for ru, two for ky). English entries are filled with the source text. The .po files stay
the source of truth; this only saves typing when many strings arrive at once.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "app" / "locale"
HEADER = {
    "Project-Id-Version": "Civic Space Academy",
    "Report-Msgid-Bugs-To": "",
    "Last-Translator": "Civic Space Academy",
    "Language-Team": "Civic Space Academy",
}


def apply(translations: dict[str, dict[str, str | list[str]]]) -> None:
    for locale in ("en", "ru", "ky"):
        path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        catalog.project = "Civic Space Academy"
        catalog.version = ""
        catalog.copyright_holder = "Civic Space Academy"
        catalog.msgid_bugs_address = ""
        catalog.last_translator = HEADER["Last-Translator"]
        catalog.language_team = HEADER["Language-Team"]
        for message in catalog:
            if not message.id:
                continue
            key_id = message.id[0] if isinstance(message.id, tuple) else message.id
            key = f"{message.context}\u0004{key_id}" if message.context else key_id
            if locale == "en":
                if not _filled(message.string):
                    message.string = message.id if isinstance(message.id, tuple) else message.id
                message.flags.discard("fuzzy")
                continue
            entry = translations.get(key, {}).get(locale)
            if entry is None:
                continue
            message.string = tuple(entry) if isinstance(message.id, tuple) else entry
            message.flags.discard("fuzzy")
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, sort_output=True, no_location=True)


def _filled(string: str | tuple[str, ...]) -> bool:
    return all(string) if isinstance(string, tuple) else bool(string)


if __name__ == "__main__":
    apply(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")))
