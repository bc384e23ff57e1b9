"""Reading form input safely, and collecting per-field errors in the user's language.

Every text field passes through `clean_line` or `clean_text`: Unicode NFC, no control characters
(PostgreSQL refuses NUL, and invisible characters have no place in a name), trimmed, length-capped.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from starlette.requests import Request

from app.i18n import gettext

_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"\s+")
_EMAIL = re.compile(
    r"^[^@\s]{1,64}@(?=.{1,253}$)([A-Za-z0-9\u00a1-\uffff-]{1,63}\.)+[A-Za-z\u00a1-\uffff]{2,63}$"
)


def _surrogate_free(value: str) -> str:
    return value.encode("utf-8", "replace").decode("utf-8") if value else ""


def clean_line(value: Any, max_length: int = 200) -> str:
    """One line of text: spaces collapsed, no control characters, at most max_length characters."""
    text = unicodedata.normalize("NFC", _surrogate_free(str(value or "")))
    text = _SPACES.sub(" ", _CONTROL_LINE.sub("", text)).strip()
    return text[:max_length]


def clean_text(value: Any, max_length: int = 20_000) -> str:
    """Several lines (a post, a note): line breaks kept as \\n, other control characters removed."""
    text = unicodedata.normalize("NFC", _surrogate_free(str(value or "")))
    text = _CONTROL_TEXT.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    return text[:max_length]


def clean_secret(value: Any, max_length: int = 1024) -> str:
    """A password as typed: only NUL and surrogates removed; never trimmed or normalised."""
    return _surrogate_free(str(value or "")).replace("\x00", "")[:max_length]


def is_email(value: str) -> bool:
    return len(value) <= 254 and bool(_EMAIL.match(value))


class FormErrors(dict[str, str]):
    """field name -> message already translated into the request's language."""

    def add(self, field: str, message: str, **params: Any) -> None:
        if field not in self:
            text = gettext(message)
            self[field] = text % params if params else text


async def form_fields(request: Request) -> dict[str, str]:
    """The submitted text fields (the first value of each), for routes that validate them themselves."""
    form = await request.form()
    fields: dict[str, str] = {}
    for name, value in form.multi_items():
        if isinstance(value, str) and name not in fields:
            fields[name] = value
    return fields


async def form_lists(request: Request) -> dict[str, list[str]]:
    """Every submitted text value by field name (for checkboxes and multiple choices)."""
    form = await request.form()
    fields: dict[str, list[str]] = {}
    for name, value in form.multi_items():
        if isinstance(value, str):
            fields.setdefault(name, []).append(value)
    return fields
