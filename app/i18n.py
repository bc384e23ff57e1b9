"""Translations (gettext catalogues under app/locale) and the current request's language.

The language of the request in hand lives in a context variable, so templates, flash messages and
form errors all read the same one. Catalogues are compiled `.mo` files when `make i18n` has made
them, and otherwise compiled from the `.po` sources in memory at start-up, so a fresh checkout
needs no build step and never runs on a stale catalogue.
"""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.units import format_unit

from app.config import LOCALES

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
LOCALE_NAMES = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}

_current: ContextVar[str] = ContextVar("academy_locale", default="ru")


def get_locale() -> str:
    return _current.get()


def set_locale(locale: str) -> None:
    _current.set(locale if locale in LOCALES else "ru")


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    token = _current.set(locale if locale in LOCALES else "ru")
    try:
        yield
    finally:
        _current.reset(token)


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    po = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return _gettext.GNUTranslations(handle)
    if not po.exists():
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo  # only without a compiled catalogue (development)
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def gettext(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return translations(_current.get()).pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).npgettext(context, singular, plural, n)


_ = gettext


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where it is shown."""
    return message


def parse_accept_language(header: str | None) -> str | None:
    """The best of our locales for an Accept-Language header, or None. Never raises."""
    if not header:
        return None
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(header[:500].split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in LOCALES and quality > 0:
            candidate = (quality, -position, primary)
            if best is None or candidate > best:
                best = candidate
    return best[2] if best else None


def language_name(code: str, locale: str | None = None) -> str:
    """A language named in the reader's language, for a sentence ("англисче", "английский"); a language
    switch names each language in itself (LOCALE_NAMES)."""
    return str(Locale.parse(locale or get_locale()).languages.get(code, code))


def format_hours(value: float, locale: str | None = None) -> str:
    """A study time as the language writes it, by Babel's rules: "4,5 часа", "4,5 саат", "4.5 hours"
    (one decimal at most). The catalogue, the course page, /verify and the certificate all use it."""
    return format_unit(
        round(value, 1), "duration-hour", length="long", locale=locale or get_locale(), format="#,##0.#"
    )


def format_day(day: dt.date, locale: str | None = None) -> str:
    """A day as the language writes it ("4 дек. 2026 г.", "2026-ж., 4-дек."), for messages built
    outside a template (a template uses the `date` filter)."""
    return str(format_date(day, format="medium", locale=locale or get_locale()))


# The organisation's time zone, for a moment in a message (set from the settings when the app is made).
_zone: list[ZoneInfo] = [ZoneInfo("Asia/Bishkek")]


def set_timezone(name: str) -> None:
    _zone[0] = ZoneInfo(name)


def format_moment(moment: dt.datetime, locale: str | None = None) -> str:
    """A moment as the language writes it, in the organisation's time zone ("10.12.2026, 14:00")."""
    return str(format_datetime(moment, format="short", tzinfo=_zone[0], locale=locale or get_locale()))


def _shown(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return format_moment(value)
    return format_day(value) if isinstance(value, dt.date) else value


def interpolate(text: str, params: Mapping[str, Any]) -> str:
    """A translated message with its values put in; a day or a moment is written as her language writes
    it (never as an ISO date)."""
    if not params:
        return text
    return text % {name: _shown(value) for name, value in params.items()}


def format_size(size_bytes: int, locale: str | None = None) -> str:
    """A file's size in kilobytes or megabytes as the language writes it ("310 кБ", "1,2 MB")."""
    locale = locale or get_locale()
    if size_bytes >= 1024 * 1024:
        return format_unit(
            size_bytes / 1024 / 1024, "digital-megabyte", length="short", locale=locale, format="#,##0.#"
        )
    return format_unit(max(1, round(size_bytes / 1024)), "digital-kilobyte", length="short", locale=locale)
