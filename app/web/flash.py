"""One-time messages after a redirect ("Your password was changed").

The cookie holds only a key; the text comes from the messages that modules register here, so nothing
a cookie says is ever shown as such.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from app.i18n import gettext

COOKIE = "academy_flash"


@dataclass(frozen=True)
class FlashMessage:
    text: str  # untranslated (marked with N_)
    level: str  # ok, warn, bad, info


_MESSAGES: dict[str, FlashMessage] = {}


def register(key: str, text: str, level: str = "ok") -> str:
    _MESSAGES[key] = FlashMessage(text, level)
    return key


def flash(response: Response, key: str) -> Response:
    if key not in _MESSAGES:
        raise KeyError(f"unregistered flash message {key!r}")
    response.set_cookie(COOKIE, key, max_age=120, httponly=True, samesite="lax", path="/")
    return response


def pending(request: Request) -> tuple[str, str] | None:
    """(translated text, level) of the message waiting for this request, if any."""
    message = _MESSAGES.get(request.cookies.get(COOKIE, ""))
    return (gettext(message.text), message.level) if message else None
